"""Which service applies which persisted event: one table, built once by the `Workspace`.

The socket delivers events by name (`message.created`, `payment.updated`…); each service
declares the names it applies (`PaymentService.EVENTS`…) and the Workspace routes them to its
bound methods here. An event nobody routes (a newer server's) is ignored.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from desktop.domain.models import Wire

EventHandler = Callable[[str, Wire], Awaitable[None]]


class EventRoutes:
    """Event name → the handler of the service it concerns."""

    def __init__(self) -> None:
        self._handlers: dict[str, EventHandler] = {}

    def add(self, names: Iterable[str], handler: EventHandler) -> None:
        """Route every event of `names` to `handler`.

        Raises:
            ValueError: one of the names is routed already (two services would race on it).
        """
        for name in names:
            if name in self._handlers:
                raise ValueError(f"event {name} is routed twice")
            self._handlers[name] = handler

    async def apply(self, name: str, data: Wire) -> bool:
        """Apply one event; False when no service handles it."""
        handler = self._handlers.get(name)
        if handler is None:
            return False
        await handler(name, data)
        return True
