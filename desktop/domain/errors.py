"""The desktop's error root: `UserFacingError` carries a French message safe to show.

Tree::

    UserFacingError            anything the user may read as is (French `message`)
     ├── desktop.api.errors.ApiError         the server answered with an error
     │    ├── SessionExpiredError             401: sign in again
     │    └── ServerUnreachableError          no answer (network down, server stopped)
     └── desktop.storage.errors.StorageError  the local cache or settings cannot be used
"""

from __future__ import annotations


class UserFacingError(Exception):
    """An error whose `message` is French and fit to show to a practitioner."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message
