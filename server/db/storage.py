"""A full disk: recognised, answered 503 `storage_full`, survived by sign-in, left by itself.

When a write fails because the disk (SQLite's, the blob store's, PostgreSQL's) is full:
- `DiskFullError` replaces the driver's error (the API answers 503 with a French sentence);
- the guard turns « full »: ordinary writes are refused up front (nothing half-written), and a
  reserve file kept beside the SQLite database is deleted, so the writes that must go on (opening
  a session at sign-in, rate-limit counts, the audit log) find room;
- every second at most, a refused write probes the free space; once there is room for the reserve
  again (twice its size), the reserve is recreated and writes are accepted. Without a local
  folder to measure (PostgreSQL), writes are tried again after `retry_seconds`.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import time
from pathlib import Path

log = logging.getLogger(__name__)

RESERVE_NAME = "storage-reserve.bin"
_FULL_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_SQLITE_FULL = 13
_PG_DISK_FULL = "53100"


class DiskFullError(Exception):
    """The storage is full: nothing of the write was kept."""


def is_storage_full(exc: BaseException) -> bool:
    """Whether `exc` or one of its causes says the disk or the database is full."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        item = todo.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, DiskFullError):
            return True
        if isinstance(item, OSError) and item.errno in _FULL_ERRNOS:
            return True
        if getattr(item, "sqlite_errorcode", None) == _SQLITE_FULL:
            return True
        if getattr(item, "sqlstate", None) == _PG_DISK_FULL or getattr(item, "pgcode", None) == _PG_DISK_FULL:
            return True
        orig = getattr(item, "orig", None)
        todo += [item.__cause__, item.__context__, orig if isinstance(orig, BaseException) else None]
    return False


class StorageGuard:
    """Whether writes are accepted, and the reserve that lets the essential ones through."""

    def __init__(self, directory: Path | None, reserve_bytes: int = 0, retry_seconds: float = 5.0) -> None:
        self._directory = directory
        self._reserve_bytes = reserve_bytes
        self._retry_seconds = retry_seconds
        self.full = False
        self._since = 0.0
        self._probed = 0.0

    @property
    def _reserve(self) -> Path | None:
        if self._directory is None or self._reserve_bytes <= 0:
            return None
        return self._directory / RESERVE_NAME

    def prepare(self) -> None:
        """Create the reserve if it is missing (and there is room for it)."""
        reserve = self._reserve
        if reserve is None or (reserve.exists() and reserve.stat().st_size >= self._reserve_bytes):
            return
        try:
            with reserve.open("wb") as f:
                f.write(b"\0" * self._reserve_bytes)
                f.flush()
                os.fsync(f.fileno())
        except OSError:
            with contextlib.suppress(OSError):
                reserve.unlink()
            raise

    def mark_full(self) -> None:
        """A write failed for want of space: refuse the ordinary ones, free the reserve."""
        now = time.monotonic()
        self._since = self._probed = now
        if self.full:
            return
        self.full = True
        log.error("storage full: writes are refused until space is freed")
        reserve = self._reserve
        if reserve is not None:
            with contextlib.suppress(OSError):
                reserve.unlink()

    def refuses(self, essential: bool) -> bool:
        """Whether a write should be refused now (probing for freed space first)."""
        if not self.full:
            return False
        self.probe()
        return self.full and not essential

    def probe(self) -> None:
        """Leave the « full » state when space came back (at most one look a second)."""
        now = time.monotonic()
        if not self.full or now - self._probed < 1.0:
            return
        self._probed = now
        if self._directory is None:
            if now - self._since >= self._retry_seconds:
                self.full = False
            return
        try:
            free = shutil.disk_usage(self._directory).free
        except OSError:
            return
        if free < 2 * self._reserve_bytes + 64 * 1024:
            return
        try:
            self.prepare()
        except OSError:
            return
        self.full = False
        log.warning("storage has room again: writes are accepted")
