"""EventBus implementations.

`InProcessBus` hands each published message straight to this process's handler. `RedisBus`
publishes on a Redis channel that every server process subscribes to, so a frame produced by
process A reaches sockets held by process B. Pub/sub is fire-and-forget: what a process misses
while disconnected from Redis, its clients recover through sequence-number resume.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

import redis.asyncio as redis_asyncio

from server.kernel.failures import failure
from server.kernel.ports import BusHandler, BusMessage

log = logging.getLogger(__name__)

CHANNEL = "teleconsult:frames"


class InProcessBus:
    """Delivery within the current process only."""

    def __init__(self) -> None:
        self._handler: BusHandler | None = None

    async def start(self, handler: BusHandler) -> None:
        self._handler = handler

    async def publish(self, message: BusMessage) -> None:
        if self._handler is not None:
            await self._handler(message)

    async def close(self) -> None:
        self._handler = None


class RedisBus:
    """Fan-out across processes over one Redis pub/sub channel, reconnecting on errors."""

    def __init__(self, url: str, channel: str = CHANNEL) -> None:
        self._url = url
        self._channel = channel
        self._client: redis_asyncio.Redis | None = None
        self._task: asyncio.Task[None] | None = None
        self._handler: BusHandler | None = None
        self._subscribed = asyncio.Event()

    async def start(self, handler: BusHandler) -> None:
        self._handler = handler
        self._client = redis_asyncio.from_url(self._url, decode_responses=True)
        await self._client.ping()  # fail at start-up, not at first publish
        self._task = asyncio.get_running_loop().create_task(self._reader(), name="redis-bus-reader")
        await asyncio.wait_for(self._subscribed.wait(), timeout=10)

    async def _reader(self) -> None:
        assert self._client is not None
        while True:
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self._channel)
                self._subscribed.set()
                async for item in pubsub.listen():
                    if item.get("type") != "message" or self._handler is None:
                        continue
                    try:
                        await self._handler(json.loads(item["data"]))
                    except Exception as exc:
                        log.error("bus handler failed: %s", failure(exc))
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
                raise
            except Exception as exc:
                log.warning("redis bus disconnected; reconnecting in 1 s: %s", failure(exc))
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
                await asyncio.sleep(1)

    async def publish(self, message: BusMessage) -> None:
        if self._client is None:
            raise RuntimeError("bus not started")
        await self._client.publish(
            self._channel, json.dumps(message, separators=(",", ":"), default=_json_default)
        )

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _json_default(value: Any) -> Any:
    return str(value)
