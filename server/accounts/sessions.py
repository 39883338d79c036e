"""A short-lived cache of checked sessions, so a request does not read its session every time.

Rules (docs/decisions.md, « Throughput under a mixed load »):
- an entry is trusted for `CACHE_SECONDS` at most, then the session is read again;
- expiry (absolute and idle) is checked on every request against the clock, from the entry; an
  entry that looks idle-expired is never trusted to refuse: the database decides (another process
  may have kept the session alive meanwhile);
- a revocation (sign-out, password reset) forgets the sessions here at once, and is broadcast on
  the event bus so every other process forgets them too (`SessionsRevoked`);
- while the bus is not `ok`, or after it lost messages (resync), nothing cached is trusted: a
  broadcast revocation may not have arrived;
- a fill that raced with a revocation is dropped: every forget bumps a generation, and an entry
  read before the bump is not stored.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

CACHE_SECONDS = 10.0
CACHE_SIZE = 20_000
BUS_KEY = "sessions_revoked"  # the bus message carrying a revocation to every process


@dataclass
class CachedSession:
    """What a request needs of its session, as read from the database."""

    user_id: str
    role: str
    expires_at: datetime
    last_used_at: datetime
    read_at: float  # time.monotonic() of the read


class SessionCache:
    """Checked sessions by token digest (never the token itself)."""

    def __init__(self, seconds: float = CACHE_SECONDS, size: int = CACHE_SIZE) -> None:
        self._seconds = seconds
        self._size = size
        self._entries: dict[str, CachedSession] = {}
        self._generation = 0

    @property
    def generation(self) -> int:
        """Bumped by every forget: a read begun before it must not be stored."""
        return self._generation

    def get(self, digest: str) -> CachedSession | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if time.monotonic() - entry.read_at >= self._seconds:
            del self._entries[digest]
            return None
        return entry

    def put(self, digest: str, entry: CachedSession, generation: int) -> None:
        if generation != self._generation:  # a revocation happened while this was read
            return
        if len(self._entries) >= self._size:
            self._entries.pop(next(iter(self._entries)))  # the oldest insertion
        self._entries[digest] = entry

    def forget(self, digests: Iterable[str] = (), user_ids: Iterable[str] = ()) -> None:
        self._generation += 1
        for digest in digests:
            self._entries.pop(digest, None)
        users = set(user_ids)
        if users:
            for digest in [d for d, e in self._entries.items() if e.user_id in users]:
                del self._entries[digest]

    def clear(self) -> None:
        self._generation += 1
        self._entries.clear()

    def on_bus_message(self, message: dict[str, Any]) -> None:
        """Apply a revocation broadcast by any process (this one included)."""
        revoked = message.get(BUS_KEY)
        if isinstance(revoked, dict):
            self.forget(
                [d for d in revoked.get("digests", ()) if isinstance(d, str)],
                [u for u in revoked.get("user_ids", ()) if isinstance(u, str)],
            )


def revocation_message(digests: Iterable[str] = (), user_ids: Iterable[str] = ()) -> dict[str, Any]:
    """The bus message telling every process to forget these sessions (digests and ids only)."""
    return {BUS_KEY: {"digests": list(digests), "user_ids": list(user_ids)}}
