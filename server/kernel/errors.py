"""Domain errors, each with a stable machine code and a French sentence fit to show a user.

DomainError
├── InvalidInputError      (422) bad or inconsistent values
├── AuthenticationError    (401) missing, unknown, expired or revoked credentials
├── ForbiddenError         (403) authenticated, but not allowed
│   └── PlanRequiredError  (403) the PRO+ plan is needed
├── NotFoundError          (404) unknown id, or an id of someone else's data
├── ConflictError          (409) the request contradicts the stored state
├── GoneError              (410) the object existed but is no longer usable
├── RateLimitedError       (429) too many attempts; retry later
├── InternalError          (500) the server could not do it (nothing changed); retry later
└── StorageFullError       (503) the disk is full (nothing changed); reads and sign-in still work
"""

from __future__ import annotations

# A full disk, raised by the database layer: re-exported here for the layers above the kernel.
from server.db.storage import DiskFullError, is_storage_full

__all__ = ["DiskFullError", "is_storage_full"]


class DomainError(Exception):
    """Base of every error the server reports to a client."""

    status = 400
    code = "bad_request"

    def __init__(self, detail: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.field = field


class InvalidInputError(DomainError):
    status = 422
    code = "invalid_input"


class AuthenticationError(DomainError):
    status = 401
    code = "unauthenticated"


class ForbiddenError(DomainError):
    status = 403
    code = "forbidden"


class PlanRequiredError(ForbiddenError):
    code = "plan_required"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(
            detail
            or "Cette fonction nécessite la formule PRO+ : elle permet d'inviter des patients autonomes "
            "et d'être trouvé par eux dans l'annuaire."
        )


class NotFoundError(DomainError):
    status = 404
    code = "not_found"


class ConflictError(DomainError):
    status = 409
    code = "conflict"


class GoneError(DomainError):
    status = 410
    code = "gone"


class RateLimitedError(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self, detail: str, *, retry_after: int = 60, code: str | None = None) -> None:
        super().__init__(detail, code=code)
        self.retry_after = retry_after


class InternalError(DomainError):
    """A failure of the server's own (a database refusal no input check foresaw), told to the one
    client it concerns in French; what failed is logged by type only (`server.kernel.failures`)."""

    status = 500
    code = "internal_error"


class StorageFullError(DomainError):
    """The server's storage is full: nothing was stored; reads and sign-in still work."""

    status = 503
    code = "storage_full"

    def __init__(self) -> None:
        super().__init__(
            "L'espace de stockage du serveur est plein : rien n'a été enregistré. Vos données "
            "restent consultables ; réessayez plus tard."
        )
