"""Errors of the server API, each with a French message fit to show.

Tree::

    ApiError(UserFacingError)     the server answered `{"code", "detail", "field"?}` with 4xx/5xx, or
                                  an answer its wire model refuses (`invalid_response`)
     ├── SessionExpiredError       401: the token is unknown, revoked or expired
     └── ServerUnreachableError    no HTTP answer at all (network down, server stopped, timeout)
"""

from __future__ import annotations

from typing import Any

from desktop.domain.errors import UserFacingError

UNREACHABLE = "Le serveur est injoignable. Vérifiez votre connexion ; vos envois partiront à son retour."
GENERIC = "Le serveur n'a pas pu traiter la demande. Réessayez dans un instant."
INVALID_RESPONSE = "invalid_response"  # the code of an answer its wire model refuses
UNREADABLE = (
    "La réponse du serveur n'a pas la forme attendue : vérifiez que Teleconsult et le serveur sont à jour."
)


class ApiError(UserFacingError):
    """The server refused or failed a request; `message` is its French `detail`."""

    def __init__(self, status: int, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.status = status
        self.code = code

    @property
    def is_permanent(self) -> bool:
        """Retrying the same request cannot succeed (a 4xx other than 408/429)."""
        return 400 <= self.status < 500 and self.status not in (408, 429)

    @classmethod
    def from_response(cls, status: int, payload: Any) -> ApiError:
        code, detail, field = "error", GENERIC, None
        if isinstance(payload, dict):
            code = str(payload.get("code") or code)
            if isinstance(payload.get("detail"), str) and payload["detail"]:
                detail = payload["detail"]
            field = payload.get("field") if isinstance(payload.get("field"), str) else None
        if status == 401:
            return SessionExpiredError(status, code, detail, field=field)
        return cls(status, code, detail, field=field)


class SessionExpiredError(ApiError):
    """The session is no longer valid: sign in again."""


class ServerUnreachableError(ApiError):
    """No answer from the server."""

    def __init__(self, message: str = UNREACHABLE) -> None:
        super().__init__(0, "unreachable", message)

    @property
    def is_permanent(self) -> bool:
        return False
