"""EventBus implementations.

`InProcessBus` hands each published message straight to this process's handler. `RedisBus`
publishes on a Redis channel that every server process of one deployment subscribes to, so a frame
produced by process A reaches sockets held by process B.

A Redis outage must not cost more than live delivery, and only for a few seconds after Redis
returns (docs/decisions-security-faults.md):
- `publish` never waits on Redis: this process's own handler gets the message at once, and a
  background publisher sends it to the other processes with a short timeout, retrying on a fresh
  connection; the queue is bounded (what overflows is replaced by a « catch up » notice);
- while Redis is unreachable or slow the bus says `degraded`; every time the subscription is
  (re)established `on_resync` runs, and the hub catches every socket up from the database;
- the channel is namespaced per deployment (`teleconsult:<namespace>:frames`).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import time
import uuid
from typing import Any

import redis.asyncio as redis_asyncio

from server.kernel.failures import failure
from server.kernel.ports import BusHandler, BusMessage, BusResync

log = logging.getLogger(__name__)

PUBLISH_TIMEOUT = 1.0  # seconds one publication may take before Redis counts as hung
RETRY_DELAY = 0.5
QUEUE_LIMIT = 5000  # messages waiting for Redis; beyond, the oldest become a catch-up notice
RECONNECT_DELAY = 0.5
QUIET_SECONDS = 1.0  # a subscription silent this long sends a PING…
PONG_TIMEOUT = 2.0  # …and one left unanswered this long means a hung Redis


def channel_for(namespace: str) -> str:
    """The pub/sub channel of one deployment."""
    return f"teleconsult:{namespace}:frames"


class InProcessBus:
    """Delivery within the current process only."""

    def __init__(self) -> None:
        self._handler: BusHandler | None = None

    @property
    def state(self) -> str:
        return "ok"

    async def start(self, handler: BusHandler, on_resync: BusResync | None = None) -> None:
        self._handler = handler

    async def publish(self, message: BusMessage) -> None:
        if self._handler is not None:
            await self._handler(message)

    async def close(self) -> None:
        self._handler = None


class RedisBus:
    """Fan-out across processes over one Redis pub/sub channel, never blocking the publisher."""

    def __init__(
        self,
        url: str,
        namespace: str,
        *,
        publish_timeout: float = PUBLISH_TIMEOUT,
        queue_limit: int = QUEUE_LIMIT,
    ) -> None:
        self._url = url
        self._channel = channel_for(namespace)
        self._origin = uuid.uuid4().hex  # our own messages come back from Redis: skipped
        self._publish_timeout = publish_timeout
        self._queue: collections.deque[str] = collections.deque()
        self._queue_limit = queue_limit
        self._lost = False  # messages were dropped: the other processes must catch up
        self._wakeup = asyncio.Event()
        self._client: redis_asyncio.Redis | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._publisher_task: asyncio.Task[None] | None = None
        self._handler: BusHandler | None = None
        self._on_resync: BusResync | None = None
        self._subscribed = asyncio.Event()
        self._reader_ok = False
        self._publisher_ok = True
        # Set by `close`. redis-py can swallow a cancellation that lands while it reads a reply
        # (seen with a PONG in pub/sub mode): the loops check this flag too, so close() always ends.
        self._closing = False

    @property
    def state(self) -> str:
        """`ok`, or `degraded` while Redis is unreachable, hung, or messages wait for it."""
        healthy = self._reader_ok and self._publisher_ok and not self._lost
        return "ok" if healthy and len(self._queue) < 100 else "degraded"

    def _new_client(self) -> redis_asyncio.Redis:
        return redis_asyncio.from_url(
            self._url,
            decode_responses=True,
            socket_connect_timeout=self._publish_timeout,
            socket_timeout=self._publish_timeout,
            health_check_interval=5,
            socket_keepalive=True,
        )

    async def start(self, handler: BusHandler, on_resync: BusResync | None = None) -> None:
        self._handler = handler
        self._on_resync = on_resync
        self._client = self._new_client()
        await self._client.ping()  # fail at start-up, not at first publish
        loop = asyncio.get_running_loop()
        self._reader_task = loop.create_task(self._reader(), name="redis-bus-reader")
        self._publisher_task = loop.create_task(self._publisher(), name="redis-bus-publisher")
        async with asyncio.timeout(10):
            await self._subscribed.wait()

    # ---------------------------------------------------------------- subscription
    async def _reader(self) -> None:
        first = True
        while not self._closing:
            # A client of its own, without a read timeout: a quiet channel is not an error.
            client = redis_asyncio.from_url(
                self._url,
                decode_responses=True,
                socket_connect_timeout=self._publish_timeout,
                health_check_interval=5,
                socket_keepalive=True,
            )
            pubsub = client.pubsub()
            try:
                async with asyncio.timeout(self._publish_timeout * 3):
                    await pubsub.subscribe(self._channel)
                self._reader_ok = True
                self._subscribed.set()
                if not first:
                    log.info("redis bus subscribed again; sockets catch up from the database")
                    await self._resync()
                first = False
                pinged: float | None = None  # when our unanswered PING left
                while True:
                    if self._closing:
                        raise asyncio.CancelledError
                    item = await pubsub.get_message(timeout=QUIET_SECONDS)
                    now = time.monotonic()
                    if item is None:
                        # Quiet: make sure Redis still answers (a hung one does not).
                        if pinged is None:
                            async with asyncio.timeout(self._publish_timeout):
                                await pubsub.ping()
                            pinged = now
                        elif now - pinged > PONG_TIMEOUT:
                            raise TimeoutError("no answer to PING")
                        continue
                    pinged = None  # anything heard proves the connection alive
                    if item.get("type") == "message":
                        await self._deliver(item["data"])
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
                with contextlib.suppress(Exception):
                    await client.aclose()
                raise
            except Exception as exc:
                if self._reader_ok:
                    log.warning("redis bus disconnected; reconnecting: %s", failure(exc))
                self._reader_ok = False
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(1):
                        await pubsub.aclose()  # type: ignore[no-untyped-call]
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(1):
                        await client.aclose()
                await asyncio.sleep(RECONNECT_DELAY)

    async def _deliver(self, raw: str) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            return
        if not isinstance(message, dict) or message.get("origin") == self._origin:
            return
        if self._handler is None:
            return
        if "catch_up" in message:  # another process lost frames while Redis was away
            await self._resync()
            return
        try:
            await self._handler(message)
        except Exception as exc:
            log.error("bus handler failed: %s", failure(exc))

    async def _resync(self) -> None:
        if self._on_resync is not None:
            try:
                await self._on_resync()
            except Exception as exc:
                log.error("bus resync failed: %s", failure(exc))

    # ---------------------------------------------------------------- publication
    async def publish(self, message: BusMessage) -> None:
        """Deliver to this process now; queue for the others (never waits on Redis)."""
        if self._client is None:
            raise RuntimeError("bus not started")
        if self._handler is not None:
            await self._handler(message)
        if len(self._queue) >= self._queue_limit:
            self._queue.popleft()
            self._lost = True
        self._queue.append(
            json.dumps({**message, "origin": self._origin}, separators=(",", ":"), default=_json_default)
        )
        self._wakeup.set()

    async def _publisher(self) -> None:
        while not self._closing:
            if not self._queue and not self._lost:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            if self._lost:
                # Frames were dropped: the other processes catch their sockets up instead.
                payload = json.dumps({"catch_up": True, "origin": self._origin})
                if await self._send(payload):
                    self._lost = False
                continue
            if await self._send(self._queue[0]):
                self._queue.popleft()

    async def _send(self, payload: str) -> bool:
        assert self._client is not None
        try:
            async with asyncio.timeout(self._publish_timeout):
                await self._client.publish(self._channel, payload)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if self._publisher_ok:
                log.warning("redis bus publish failed; retrying: %s", failure(exc))
            self._publisher_ok = False
            # A connection left mid-command (timeout, restart) is not reused: start afresh.
            old, self._client = self._client, self._new_client()
            with contextlib.suppress(Exception):
                async with asyncio.timeout(1):
                    await old.aclose()
            await asyncio.sleep(RETRY_DELAY)
            return False
        if not self._publisher_ok:
            log.info("redis bus publishing again")
        self._publisher_ok = True
        return True

    async def close(self) -> None:
        self._closing = True
        self._wakeup.set()
        for task in (self._publisher_task, self._reader_task):
            if task is not None:
                task.cancel()
                # Bounded: a loop that lost its cancellation sees `_closing` within QUIET_SECONDS.
                await asyncio.wait({task}, timeout=QUIET_SECONDS + 5)
                if not task.done():
                    log.warning("redis bus task %s did not stop", task.get_name())
                elif not task.cancelled() and (exc := task.exception()) is not None:
                    log.warning("redis bus task %s failed: %s", task.get_name(), failure(exc))
        self._publisher_task = self._reader_task = None
        if self._client is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(1):
                    await self._client.aclose()
            self._client = None


def _json_default(value: Any) -> Any:
    return str(value)
