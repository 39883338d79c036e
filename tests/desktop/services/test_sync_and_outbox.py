"""Services against a real server: first sync, live events, outbox exactly once across restarts."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from desktop.domain.connection_status import ConnectionStatus
from tests.conftest import base_settings
from tests.desktop.services.harness import app_services, open_workspace, wait_for
from tests.helpers.factories import make_conversation, make_patient, make_practitioner, send
from tests.helpers.live_server import LiveServer, free_port


@pytest.mark.asyncio
async def test_first_sync_live_message_search_and_notification(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    doctor = make_practitioner(sqlite_server)
    helene = make_patient(sqlite_server, first_name="Hélène", last_name="Dupont")
    marc = make_patient(sqlite_server, first_name="Marc", last_name="Petit")
    first = make_conversation(sqlite_server, doctor, helene)
    make_conversation(sqlite_server, doctor, marc)
    services = app_services(tmp_path, sqlite_server)
    workspace, notifier = await open_workspace(services, sqlite_server, doctor)
    try:
        await wait_for(lambda: workspace.sync.status is ConnectionStatus.ONLINE)
        await wait_for(lambda: len(workspace.conversations) == 2)
        assert workspace.conversations.search("helene") == [first]
        assert workspace.conversations.search("PET") != [first]

        with httpx.Client(base_url=sqlite_server.api) as http:
            assert send(http, helene, first, "Bonjour docteur").status_code == 201
        await wait_for(
            lambda: (
                (workspace.conversations.get(first) or None)
                and workspace.conversations.get(first).unread == 1
            )
        )  # type: ignore[union-attr]
        assert workspace.conversations.search("")[0] == first  # most recent first
        await wait_for(lambda: notifier.shown)
        assert notifier.shown[0] == ("Nouveau message", "Un patient vous a écrit.")  # no name by default
    finally:
        await workspace.close()
        await services.close()


@pytest.mark.asyncio
async def test_outbox_survives_restart_while_server_is_down(tmp_path: Path) -> None:
    settings = base_settings(tmp_path / "server", allow_practitioner_signup=True, port=free_port())
    server = LiveServer(settings).start()
    doctor = make_practitioner(server)
    patient = make_patient(server)
    conversation_id = make_conversation(server, doctor, patient)
    home = tmp_path / "client"
    services = app_services(home, server)
    workspace, _ = await open_workspace(services, server, doctor)
    await wait_for(lambda: workspace.sync.status is ConnectionStatus.ONLINE)
    server.stop()
    await wait_for(lambda: workspace.sync.status is not ConnectionStatus.ONLINE)
    item = await workspace.outbox.send_text(conversation_id, "Envoyé hors ligne")
    assert [i.id for i in workspace.outbox.pending(conversation_id)] == [item.id]
    await workspace.close()
    await services.close()

    server = LiveServer(settings).start()
    services = app_services(home, server)
    workspace, _ = await open_workspace(services, server, doctor)
    try:
        await wait_for(lambda: workspace.outbox.count == 0, timeout=20)
        with httpx.Client(base_url=server.api, headers=patient.headers) as http:
            bodies = [
                m["body"] for m in http.get(f"/conversations/{conversation_id}/messages").json()["items"]
            ]
        assert bodies == ["Envoyé hors ligne"]  # exactly once
    finally:
        await workspace.close()
        await services.close()
        server.stop()


@pytest.mark.asyncio
async def test_cancelled_upload_never_reaches_the_server(tmp_path: Path) -> None:
    settings = base_settings(tmp_path / "server", allow_practitioner_signup=True, port=free_port())
    server = LiveServer(settings).start()
    doctor = make_practitioner(server)
    patient = make_patient(server)
    conversation_id = make_conversation(server, doctor, patient)
    services = app_services(tmp_path / "client", server)
    workspace, _ = await open_workspace(services, server, doctor)
    try:
        await wait_for(lambda: workspace.sync.status is ConnectionStatus.ONLINE)
        server.stop()
        await wait_for(lambda: workspace.sync.status is not ConnectionStatus.ONLINE)
        document = tmp_path / "compte-rendu.pdf"
        document.write_bytes(b"%PDF-1.4\n%%EOF\n")
        item = await workspace.outbox.send_file(conversation_id, document)
        assert workspace.outbox.pending(conversation_id) == [item]
        await workspace.outbox.cancel(item.id)
        assert workspace.outbox.pending(conversation_id) == []
        server = LiveServer(settings).start()
        await wait_for(lambda: workspace.sync.status is ConnectionStatus.ONLINE, timeout=30)
        with httpx.Client(base_url=server.api, headers=patient.headers) as http:
            assert http.get(f"/conversations/{conversation_id}/messages").json()["items"] == []
    finally:
        await workspace.close()
        await services.close()
        server.stop()


@pytest.mark.asyncio
async def test_patient_names_in_notifications_only_when_chosen(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    doctor = make_practitioner(sqlite_server)
    patient = make_patient(sqlite_server, first_name="Zoé", last_name="Bernard")
    conversation_id = make_conversation(sqlite_server, doctor, patient)
    services = app_services(tmp_path, sqlite_server)
    services.session.update_settings(show_patient_names_in_notifications=True)
    workspace, notifier = await open_workspace(services, sqlite_server, doctor)
    try:
        await wait_for(lambda: workspace.sync.status is ConnectionStatus.ONLINE)
        with httpx.Client(base_url=sqlite_server.api) as http:
            send(http, patient, conversation_id, "Une question sur mon traitement")
        await wait_for(lambda: notifier.shown)
        title, body = notifier.shown[-1]
        assert body == "Zoé Bernard vous a écrit." and "traitement" not in title + body  # never the text
    finally:
        await workspace.close()
        await services.close()


@pytest.mark.asyncio
async def test_an_event_that_needs_the_unreachable_server_is_deferred_not_skipped(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    """The handler cannot reach the server: the event stays unacknowledged and comes again."""
    from pydantic import BaseModel

    from desktop.api.errors import ServerUnreachableError
    from desktop.api.realtime import EventDeferred

    class Probe(BaseModel):
        n: int

    doctor = make_practitioner(sqlite_server)
    services = app_services(tmp_path, sqlite_server)
    workspace, _notifier = await open_workspace(services, sqlite_server, doctor)
    applied: list[int] = []
    reachable = [False]

    async def handler(_name: str, probe: Probe) -> None:
        if not reachable[0]:
            raise ServerUnreachableError("Le serveur est injoignable.")
        applied.append(probe.n)

    try:
        await wait_for(lambda: workspace.sync.status is ConnectionStatus.ONLINE)
        cache = workspace.conversations._cache  # the seq the socket resumes from
        before = await cache.last_event_seq()
        workspace.sync._routes.add(["test.probe"], Probe, handler)
        with pytest.raises(EventDeferred):
            await workspace.sync._on_event(before + 1, "test.probe", {"n": 1})
        assert applied == [] and await cache.last_event_seq() == before  # not acknowledged
        reachable[0] = True
        await workspace.sync._on_event(before + 1, "test.probe", {"n": 1})  # the resume delivers it again
        assert applied == [1] and await cache.last_event_seq() == before + 1
    finally:
        await workspace.close()
        await services.close()


@pytest.mark.asyncio
async def test_events_purged_while_away_reload_the_list_over_rest(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    """Back after the server purged the events it missed (`ready.reset`): the list is read again."""
    from sqlalchemy import delete

    from server.container import Services
    from server.kernel.models import UserEvent

    doctor = make_practitioner(sqlite_server)
    helene = make_patient(sqlite_server, first_name="Hélène", last_name="Dupont")
    marc = make_patient(sqlite_server, first_name="Marc", last_name="Petit")
    make_conversation(sqlite_server, doctor, helene)
    home = tmp_path / "client"
    services = app_services(home, sqlite_server)
    workspace, _ = await open_workspace(services, sqlite_server, doctor)
    await wait_for(lambda: len(workspace.conversations) == 1)
    await workspace.close()
    await services.close()

    second = make_conversation(sqlite_server, doctor, marc)  # its event is then purged

    async def purge(server_services: Services) -> None:
        async with server_services.core.db.write() as session:
            await session.execute(delete(UserEvent).where(UserEvent.user_id == doctor.id))

    sqlite_server.run(purge)
    services = app_services(home, sqlite_server)
    workspace, _ = await open_workspace(services, sqlite_server, doctor)
    try:
        await wait_for(lambda: workspace.conversations.get(second) is not None)
        assert len(workspace.conversations) == 2
    finally:
        await workspace.close()
        await services.close()
