"""Which service applies which persisted event: one table, built once by the `Workspace`.

The socket delivers events by name (`message.created`, `payment.updated`…) with a JSON `data`;
each service declares the names it applies (`PaymentService.EVENTS`…) and the Workspace routes
them here to its bound methods, with the `contracts.wire.events` model the data is read with, so a
handler receives a validated value (`PaymentEvent`…), never a dict. An event nobody routes
(a newer server's) is ignored.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from pydantic import BaseModel

P = TypeVar("P", bound=BaseModel)
_Apply = Callable[[str, dict[str, Any]], Awaitable[None]]


class EventRoutes:
    """Event name → the model of its data and the handler of the service it concerns."""

    def __init__(self) -> None:
        self._routes: dict[str, _Apply] = {}

    def add(self, names: Iterable[str], model: type[P], handler: Callable[[str, P], Awaitable[None]]) -> None:
        """Route every event of `names` to `handler`, its data read with `model`.

        Raises:
            ValueError: one of the names is routed already (two services would race on it).
        """

        async def apply(name: str, data: dict[str, Any]) -> None:
            await handler(name, model.model_validate(data))

        for name in names:
            if name in self._routes:
                raise ValueError(f"event {name} is routed twice")
            self._routes[name] = apply

    async def apply(self, name: str, data: dict[str, Any]) -> bool:
        """Apply one event; False when no service handles it.

        Raises:
            pydantic.ValidationError: the data does not have the shape of the event's model.
        """
        route = self._routes.get(name)
        if route is None:
            return False
        await route(name, data)
        return True
