"""Ports the domain depends on; adapters live in server.events, server.delivery, server.payments."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

BusMessage = dict[str, Any]
BusHandler = Callable[[BusMessage], Awaitable[None]]


class EventBus(Protocol):
    """Fan-out of realtime frames to every server process (each delivers to its own sockets)."""

    async def start(self, handler: BusHandler) -> None:
        """Begin delivering published messages (from any process) to `handler`."""

    async def publish(self, message: BusMessage) -> None:
        """Send `message` to every process's handler, this one included."""

    async def close(self) -> None:
        """Stop delivering and release connections; idempotent."""
