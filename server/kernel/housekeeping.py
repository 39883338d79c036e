"""Periodic clean-up of short-lived rows: each feature hands in its purge (rate-limit counts and
persisted events past the resume window here, finished sessions from accounts, the audit log's
sealing and archiving from `server.kernel.audit`), run once at start and then every hour."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from server.kernel.core import Core
from server.kernel.failures import failure
from server.kernel.models import RateEvent, UserEvent

log = logging.getLogger(__name__)

# Longer than every rate-limit window in use (the longest is one hour), so no count is cut short.
RATE_EVENTS_KEPT = timedelta(days=2)

# The longest resume window: a socket further behind than this is told to reload (`reset`).
EVENTS_KEPT = timedelta(days=30)

Purge = Callable[[AsyncSession, datetime], Awaitable[int]]


async def purge_rate_events(session: AsyncSession, now: datetime) -> int:
    """Delete rate-limit counts older than any window; returns how many."""
    result = await session.execute(delete(RateEvent).where(RateEvent.at < now - RATE_EVENTS_KEPT))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def purge_user_events(session: AsyncSession, now: datetime) -> int:
    """Delete persisted events older than the resume window; returns how many.

    The per-user numbering lives on `users.event_seq`, so numbers are never reused.
    """
    result = await session.execute(delete(UserEvent).where(UserEvent.created_at < now - EVENTS_KEPT))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


class Housekeeping:
    """Runs the purges in one write transaction once an hour (and once at start)."""

    def __init__(self, core: Core, purges: Sequence[Purge], interval: float = 3600.0) -> None:
        self._core = core
        self._purges = tuple(purges)
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> list[int]:
        """Returns how many rows each purge removed, in order."""
        now = self._core.clock()
        async with self._core.db.write() as session:
            return [await purge(session, now) for purge in self._purges]

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="housekeeping")

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception as exc:
                log.error("housekeeping failed: %s", failure(exc))
            await asyncio.sleep(self._interval)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
