"""Invitation links survive a restart of the local server: it comes back on the port it had (issue 12).

A link embeds the local server's address (`http://127.0.0.1:PORT/i/…`): the app remembers the port
and asks for it again at the next start. The connections the previous run closed linger in
TIME_WAIT for up to a minute, and a check that binds without SO_REUSEADDR took that for « busy ».
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx
import pytest

from contracts.wire.accounts import PractitionerCreate
from contracts.wire.invitations import InvitationCreate
from desktop.api.client import ApiClient
from desktop.app import _healthy, build_app_services
from desktop.services.local_server import LocalServer, free_port, port_is_free
from desktop.storage.credentials import CredentialStore
from tests.desktop.services.harness import MemoryKeyring, make_config
from tests.helpers.factories import rpps_number, unique_email


def _listener(port: int = 0) -> socket.socket:
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn listens
    server.bind(("127.0.0.1", port))
    server.listen()
    return server


def test_a_port_whose_last_connections_linger_is_free_but_one_listened_on_is_not() -> None:
    server = _listener()
    port = int(server.getsockname()[1])
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    accepted.close()  # the server side closes first, as a server that stops does: TIME_WAIT is its
    assert client.recv(1) == b""  # the server's FIN has arrived
    client.close()
    assert not port_is_free(port)  # still listened on
    server.close()
    assert port_is_free(port)  # nothing listens: the next run may take it back


@pytest.mark.asyncio
async def test_an_invitation_link_still_opens_after_the_local_server_restarts(tmp_path: Path) -> None:
    local = LocalServer(tmp_path / "data", _healthy)
    try:
        url = await local.start(free_port(), wait_seconds=90)
        first_port = local.port
        api = ApiClient(url)
        session = await api.sign_up(
            PractitionerCreate(
                email=unique_email("claire"),
                password="correct-horse-42",
                first_name="Claire",
                last_name="Martin",
                profession="medecin_generaliste",
                rpps=rpps_number(424_242),
            )
        )
        api.set_token(session.token)
        outcome = await api.create_invitation(
            InvitationCreate(first_name="Hélène", last_name="Dupont", email="helene@example.fr")
        )
        assert outcome.invitation is not None
        link = await api.invitation_link(outcome.invitation.id)
        assert link.startswith(f"http://127.0.0.1:{first_port}/i/")
        async with httpx.AsyncClient() as browser:  # a keep-alive connection the stopping server closes
            assert (await browser.get(link)).status_code == 200
            await api.aclose()
            await asyncio.wait_for(local.stop(), 30)
        assert await asyncio.to_thread(port_is_free, first_port)

        await local.start(first_port, wait_seconds=90)  # the app's next launch asks for the same port

        assert local.port == first_port
        async with httpx.AsyncClient() as browser:
            page = await browser.get(link)
        assert page.status_code == 200
        assert "Hélène" in page.text or "invitation" in page.text.lower()
    finally:
        await asyncio.wait_for(local.stop(), 30)


@pytest.mark.asyncio
async def test_when_another_program_holds_the_port_the_practitioner_is_told(tmp_path: Path) -> None:
    services = build_app_services(make_config(tmp_path / "home"), CredentialStore(MemoryKeyring()))
    session = services.session
    session.choose_local()
    first = await session.server_url(wait=False)  # first launch: any free port, nothing to say
    await session.local_server.stop()
    assert services.messages.history == []
    port = session.settings.local_port
    assert first.endswith(f":{port}")
    squatter = _listener(port)  # some other program listens there now
    try:
        await session.server_url(wait=False)
        assert session.local_server.port != port
        assert session.settings.local_port == session.local_server.port  # the new one, for next time
        [warning] = [m.text for m in services.messages.history]
        assert f"({port})" in warning and "liens d'invitation déjà envoyés ne fonctionnent plus" in warning
    finally:
        squatter.close()
        await asyncio.wait_for(session.local_server.stop(), 30)
