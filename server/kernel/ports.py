"""Ports the domain depends on; adapters live in server.events, server.delivery, server.payments."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

BusMessage = dict[str, Any]
BusHandler = Callable[[BusMessage], Awaitable[None]]
BusResync = Callable[[], Awaitable[None]]


class EventBus(Protocol):
    """Fan-out of realtime frames to every server process (each delivers to its own sockets)."""

    @property
    def state(self) -> str:
        """`ok`, or `degraded` when messages may not reach the other processes right now."""

    async def start(self, handler: BusHandler, on_resync: BusResync | None = None) -> None:
        """Begin delivering published messages (from any process) to `handler`; `on_resync` runs
        when messages from other processes may have been missed (sockets catch up then)."""

    async def publish(self, message: BusMessage) -> None:
        """Send `message` to every process's handler, this one included; never waits on a
        remote broker (the other processes get it in the background)."""

    async def close(self) -> None:
        """Stop delivering and release connections; idempotent."""
