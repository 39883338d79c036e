"""Connection requests from self-registered patients: the bottom banner, accept or decline."""

from __future__ import annotations

from contracts.wire.invitations import ConnectionRequestEvent, ConnectionRequestPublic
from desktop.kernel.events import Event
from desktop.services.ports import ServerApi


class ConnectionRequestService:
    """Pending requests, kept current by `connection_request.*` events."""

    EVENTS = ("connection_request.created", "connection_request.updated")

    def __init__(self, api: ServerApi) -> None:
        self._api = api
        self._pending: dict[str, ConnectionRequestPublic] = {}
        # Requests answered here or reported settled: a list fetched before that (a refresh still
        # in flight when « Accepter » was clicked) must not bring them back.
        self._settled: set[str] = set()
        # Requests reported by events while a refresh is in flight, one dict per refresh.
        self._arrivals: list[dict[str, ConnectionRequestPublic]] = []
        self.changed: Event[int] = Event()  # the pending count
        self.request_received: Event[ConnectionRequestPublic] = Event()

    @property
    def pending(self) -> list[ConnectionRequestPublic]:
        return sorted(self._pending.values(), key=lambda r: r.created_at)

    @property
    def count(self) -> int:
        return len(self._pending)

    async def refresh(self) -> None:
        """Reload the pending list; what happened while it was in flight is kept, not undone."""
        arrived: dict[str, ConnectionRequestPublic] = {}
        self._arrivals.append(arrived)
        try:
            items = await self._api.connection_requests("pending")
        finally:
            self._arrivals.remove(arrived)
        pending = {r.id: r for r in items if r.status == "pending" and r.id not in self._settled}
        pending.update(arrived)
        self._pending = pending
        self.changed.emit(self.count)

    async def accept(self, request_id: str) -> str:
        """Accept: the conversation with the patient opens; returns its id."""
        conversation_id = await self._api.accept_request(request_id)
        self._drop(request_id)
        return conversation_id

    async def decline(self, request_id: str) -> None:
        await self._api.decline_request(request_id)
        self._drop(request_id)

    def _drop(self, request_id: str) -> None:
        self._settled.add(request_id)
        for arrived in self._arrivals:
            arrived.pop(request_id, None)
        if self._pending.pop(request_id, None) is not None:
            self.changed.emit(self.count)

    async def apply_event(self, name: str, event: ConnectionRequestEvent) -> None:
        """`connection_request.created` / `connection_request.updated` from the socket."""
        request = event.request
        if request.status == "pending":
            if request.id in self._settled:
                return  # an older event, delivered after the answer
            is_new = request.id not in self._pending
            self._pending[request.id] = request
            for arrived in self._arrivals:
                arrived[request.id] = request
            self.changed.emit(self.count)
            if is_new and name == "connection_request.created":
                self.request_received.emit(request)
        else:
            self._drop(request.id)
