"""The pending requests behind the banner stay right when answers and a reload cross.

Under load, the requests dialog's reload (`refresh`, sent when the dialog opens) can answer after
the practitioner has already declined one request and accepted another: the list it carries was
read before those answers and must not bring them back (the banner stayed on « 2 demandes »).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import cast

import pytest

from contracts.wire.invitations import ConnectionRequestEvent, ConnectionRequestPublic
from desktop.services.connection_requests import ConnectionRequestService
from desktop.services.ports import ServerApi


def _request(request_id: str, status: str = "pending") -> ConnectionRequestPublic:
    return ConnectionRequestPublic.model_construct(
        id=request_id, status=status, created_at=datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    )


class _SlowListApi:
    """The server port, answering the list only when told to (as a loaded server would)."""

    def __init__(self, listed: list[ConnectionRequestPublic]) -> None:
        self.listed = listed
        self.release = asyncio.Event()
        self.asked = asyncio.Event()

    async def connection_requests(self, status: str = "pending") -> list[ConnectionRequestPublic]:
        self.asked.set()
        await self.release.wait()
        return self.listed

    async def accept_request(self, request_id: str) -> str:
        return f"conv-{request_id}"

    async def decline_request(self, request_id: str) -> None:
        return None


@pytest.mark.asyncio
async def test_a_reload_read_before_the_answers_does_not_bring_them_back() -> None:
    api = _SlowListApi([_request("zoe"), _request("marc")])
    service = ConnectionRequestService(cast(ServerApi, api))
    counts: list[int] = []
    service.changed.connect(counts.append)
    for name in ("zoe", "marc"):
        await service.apply_event(
            "connection_request.created", ConnectionRequestEvent.model_construct(request=_request(name))
        )
    reload = asyncio.create_task(service.refresh())
    await api.asked.wait()
    await service.decline("marc")
    await service.accept("zoe")
    assert service.count == 0
    api.release.set()
    await reload
    assert service.count == 0 and counts[-1] == 0


@pytest.mark.asyncio
async def test_a_request_arriving_during_a_reload_is_kept_and_a_late_pending_event_is_ignored() -> None:
    api = _SlowListApi([])
    service = ConnectionRequestService(cast(ServerApi, api))
    reload = asyncio.create_task(service.refresh())
    await api.asked.wait()
    event = ConnectionRequestEvent.model_construct(request=_request("lea"))
    await service.apply_event("connection_request.created", event)
    api.release.set()
    await reload
    assert [r.id for r in service.pending] == ["lea"]
    await service.decline("lea")
    await service.apply_event("connection_request.updated", event)  # delivered late, still « pending »
    assert service.count == 0
