"""Sliding-window rate limits kept in the database, so every server process shares them.

A key (« acct:patient:<email> », « ip:<address> ») is stored as its SHA-256 in hexadecimal: 64
characters whatever the identifier's length (an email may have 254), and no email or address in
the table.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.kernel.core import Core
from server.kernel.errors import RateLimitedError
from server.kernel.models import RateEvent


def stored_key(key: str) -> str:
    """What the table holds for `key`: its SHA-256, hexadecimal (fixed length)."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


async def record_in(session: AsyncSession, bucket: str, keys: list[str], now: datetime) -> None:
    """Count one attempt for each key inside the caller's transaction."""
    await session.execute(
        insert(RateEvent), [{"bucket": bucket, "key": stored_key(k), "at": now} for k in keys]
    )


async def forget_in(session: AsyncSession, bucket: str, keys: list[str]) -> None:
    """Drop the attempts counted for these keys, inside the caller's transaction."""
    await session.execute(
        delete(RateEvent).where(RateEvent.bucket == bucket, RateEvent.key.in_([stored_key(k) for k in keys]))
    )


class RateLimiter:
    """Counts attempts per (bucket, key) over a window; refuses past a limit."""

    def __init__(self, core: Core) -> None:
        self._core = core

    async def count(self, bucket: str, key: str, window: timedelta) -> int:
        since = self._core.clock() - window
        async with self._core.db.read() as session:
            value = await session.scalar(
                select(func.count()).where(
                    RateEvent.bucket == bucket, RateEvent.key == stored_key(key), RateEvent.at > since
                )
            )
        return int(value or 0)

    async def check(self, bucket: str, keys: list[str], limit: int, window: timedelta, detail: str) -> None:
        """Raise RateLimitedError when any key already reached `limit` attempts in `window`."""
        for key in keys:
            if await self.count(bucket, key, window) >= limit:
                raise RateLimitedError(detail, retry_after=int(window.total_seconds()))

    async def record(self, bucket: str, keys: list[str]) -> None:
        async with self._core.db.write(essential=True) as session:  # counts go on when the disk is full
            await record_in(session, bucket, keys, self._core.clock())

    async def hit(self, bucket: str, keys: list[str], limit: int, window: timedelta, detail: str) -> None:
        """Count one attempt, refusing it when the limit is already reached."""
        await self.check(bucket, keys, limit, window, detail)
        await self.record(bucket, keys)

    async def forget(self, bucket: str, keys: list[str]) -> None:
        """Drop the attempts counted for these keys (a lock lifted)."""
        async with self._core.db.write() as session:
            await forget_in(session, bucket, keys)

    async def purge(self, older_than: timedelta) -> None:
        async with self._core.db.write() as session:
            await session.execute(delete(RateEvent).where(RateEvent.at < self._core.clock() - older_than))
