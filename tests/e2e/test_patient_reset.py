"""In a real browser: the patient's page reconnects after the server purged the events it missed
(`ready.reset`) and reloads what it shows over REST (issue 11, part 4: retention)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import delete

from server.container import Services
from server.kernel.models import UserEvent
from server.realtime.hub import Hub
from tests.e2e.conftest import sign_in
from tests.helpers.factories import make_conversation, make_patient, make_practitioner, send
from tests.helpers.live_server import LiveServer

pytestmark = pytest.mark.browser


def test_a_page_behind_the_purged_events_reloads(
    e2e_server: LiveServer, api_client: httpx.Client, phone: Any
) -> None:
    server, client = e2e_server, api_client
    doctor = make_practitioner(server, first_name="Claire", last_name="Martin")
    patient = make_patient(server)
    conversation_id = make_conversation(server, doctor, patient)
    assert patient.email is not None
    sign_in(phone, server, patient.email)
    item = phone.get_by_role("list", name="Conversations").get_by_role("link")
    expect(item).to_contain_text("Dr Claire Martin")
    hub: Hub = server.app.state.hub

    async def connected(_services: Services) -> bool:
        return bool(hub.by_user.get(patient.id))

    while not server.run(connected):
        phone.wait_for_timeout(50)

    async def unplug(_services: Services) -> list[Any]:  # the page stops hearing live frames
        return list(hub.by_user.pop(patient.id, ()))

    sockets = server.run(unplug)
    assert send(client, doctor, conversation_id, "Message pendant l'absence").status_code == 201

    async def purge_and_close(services: Services) -> None:
        async with services.core.db.write() as session:
            await session.execute(delete(UserEvent).where(UserEvent.user_id == patient.id))
        for conn in sockets:  # the page reconnects with a seq whose next event is gone
            conn.push({"type": "__close__", "code": 1012})

    server.run(purge_and_close)
    # Only a reload over REST can show it: the event was purged before the page could resume.
    expect(item).to_contain_text("Message pendant l'absence", timeout=20000)
