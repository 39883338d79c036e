"""Sliding-window rate limits kept in the database, so every server process shares them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, insert, select

from server.kernel.core import Core
from server.kernel.errors import RateLimitedError
from server.kernel.models import RateEvent


class RateLimiter:
    """Counts attempts per (bucket, key) over a window; refuses past a limit."""

    def __init__(self, core: Core) -> None:
        self._core = core

    async def count(self, bucket: str, key: str, window: timedelta) -> int:
        since = self._core.clock() - window
        async with self._core.db.read() as session:
            value = await session.scalar(
                select(func.count()).where(
                    RateEvent.bucket == bucket, RateEvent.key == key, RateEvent.at > since
                )
            )
        return int(value or 0)

    async def check(self, bucket: str, keys: list[str], limit: int, window: timedelta, detail: str) -> None:
        """Raise RateLimitedError when any key already reached `limit` attempts in `window`."""
        for key in keys:
            if await self.count(bucket, key, window) >= limit:
                raise RateLimitedError(detail, retry_after=int(window.total_seconds()))

    async def record(self, bucket: str, keys: list[str]) -> None:
        now = self._core.clock()
        async with self._core.db.write() as session:
            await session.execute(insert(RateEvent), [{"bucket": bucket, "key": k, "at": now} for k in keys])

    async def hit(self, bucket: str, keys: list[str], limit: int, window: timedelta, detail: str) -> None:
        """Count one attempt, refusing it when the limit is already reached."""
        await self.check(bucket, keys, limit, window, detail)
        await self.record(bucket, keys)

    async def purge(self, older_than: timedelta) -> None:
        async with self._core.db.write() as session:
            await session.execute(delete(RateEvent).where(RateEvent.at < self._core.clock() - older_than))
