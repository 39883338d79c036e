"""Errors of the local storage (cache, outbox, settings, credentials)."""

from __future__ import annotations

from desktop.domain.errors import UserFacingError


class StorageError(UserFacingError):
    """The local data folder cannot be read or written."""
