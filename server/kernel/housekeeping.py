"""Periodic clean-up of the foundation's short-lived rows: rate-limit counts and dead sessions."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from sqlalchemy import delete, or_

from server.accounts.models import Session
from server.kernel.core import Core
from server.kernel.models import RateEvent

log = logging.getLogger(__name__)

# Longer than every rate-limit window in use (the longest is one hour), so no count is cut short.
RATE_EVENTS_KEPT = timedelta(days=2)
# Expired or revoked sessions are kept a week for the audit of recent sign-ins, then removed.
SESSIONS_KEPT = timedelta(days=7)


class Housekeeping:
    """Deletes rate-limit rows and finished sessions once an hour (and once at start)."""

    def __init__(self, core: Core, interval: float = 3600.0) -> None:
        self._core = core
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> tuple[int, int]:
        """Returns how many rate-limit rows and sessions were removed."""
        now = self._core.clock()
        async with self._core.db.write() as session:
            rates = await session.execute(delete(RateEvent).where(RateEvent.at < now - RATE_EVENTS_KEPT))
            sessions = await session.execute(
                delete(Session).where(
                    or_(Session.expires_at < now - SESSIONS_KEPT, Session.revoked_at < now - SESSIONS_KEPT)
                )
            )
        return int(rates.rowcount or 0), int(sessions.rowcount or 0)  # type: ignore[attr-defined]

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="housekeeping")

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("housekeeping failed")
            await asyncio.sleep(self._interval)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
