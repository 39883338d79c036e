"""Server down: send, quit the app, restart the app and the server — the message goes out exactly once.

Runs the real `AppController` (restored session from settings + keyring, no sign-in dialog), so
the start-up path of `teleconsult` itself is exercised twice.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.app import build_app_services
from desktop.domain.app_settings import REMOTE, AppSettings
from desktop.domain.connection_status import ConnectionStatus
from desktop.storage.credentials import SERVICE, CredentialStore
from desktop.storage.settings_store import SettingsStore
from desktop.ui.app_controller import AppController
from tests.conftest import base_settings
from tests.desktop.services.harness import MemoryKeyring, make_config, wait_for
from tests.helpers.documents import make_pdf
from tests.helpers.factories import make_conversation, make_patient, make_practitioner
from tests.helpers.live_server import LiveServer, free_port


def start_app(
    home: Path, server: LiveServer, keyring: MemoryKeyring
) -> tuple[AppController, asyncio.Task[int]]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    services = build_app_services(make_config(home, server.url), CredentialStore(keyring), server.clock)
    controller = AppController(app, services)
    return controller, asyncio.ensure_future(controller.run())


@pytest.mark.asyncio
async def test_outbox_survives_an_app_restart_while_the_server_is_down(tmp_path: Path, qtbot: QtBot) -> None:
    settings = base_settings(tmp_path / "server", allow_practitioner_signup=True, port=free_port())
    server = LiveServer(settings).start()
    doctor = make_practitioner(server)
    patient = make_patient(server, first_name="Hélène", last_name="Dupont")
    conversation_id = make_conversation(server, doctor, patient)
    home = tmp_path / "client"
    SettingsStore(home / "config").save(
        AppSettings(
            server_mode=REMOTE,
            server_url=server.url,
            last_email=doctor.email or "",
            account_id=doctor.id,
            account_first_name=doctor.first_name,
            account_last_name=doctor.last_name,
            account_plan="PRO+",
        )
    )
    keyring = MemoryKeyring()
    keyring.set_password(SERVICE, f"{server.url}|{doctor.email}", doctor.token)
    pdf = tmp_path / "ordonnance.pdf"
    pdf.write_bytes(make_pdf())

    controller, running = start_app(home, server, keyring)
    try:
        await wait_for(lambda: controller.workspace is not None and controller.window is not None)
        assert controller.workspace is not None and controller.window is not None
        workspace, window = controller.workspace, controller.window
        await wait_for(lambda: workspace.sync.status is ConnectionStatus.ONLINE)
        await wait_for(lambda: workspace.conversations.get(conversation_id) is not None)
        controller.presenter.open_conversation(conversation_id)  # type: ignore[union-attr]

        await asyncio.to_thread(server.stop)  # the network or the server goes away
        await wait_for(lambda: window.status.text_label == "hors ligne", timeout=20)
        page = window.conversation
        qtbot.keyClicks(page.editor, "Votre ordonnance est prete.")
        qtbot.keyClick(page.editor, Qt.Key.Key_Return)
        await wait_for(
            lambda: any(
                b.pending is not None for b in page.messages.widgets.values() if hasattr(b, "pending")
            )
        )
        pending = next(b for b in page.messages.widgets.values() if getattr(b, "pending", None) is not None)
        assert pending.mark == "◷"  # « en attente d'envoi »
        page.upload_requested.emit([pdf])  # a document queued offline too
        await wait_for(lambda: workspace.outbox.count == 2)

        window.close()  # quit the app with both items still queued
        assert await asyncio.wait_for(running, 30) == 0
    finally:
        if not running.done():
            running.cancel()

    server = LiveServer(settings).start()  # same port, same database
    controller, running = start_app(home, server, keyring)
    try:
        await wait_for(lambda: controller.workspace is not None)
        assert controller.workspace is not None
        workspace = controller.workspace
        await wait_for(lambda: workspace.sync.status is ConnectionStatus.ONLINE, timeout=30)
        # The outbox is the only sender: once it is empty, nothing is left to be sent (again).
        await wait_for(lambda: workspace.outbox.count == 0, timeout=30)
        with httpx.Client(base_url=server.api, headers=patient.headers) as http:
            items = http.get(f"/conversations/{conversation_id}/messages").json()["items"]
        # Exactly once each. Messages and documents go out in two lanes (a text never waits behind
        # an upload), so their order on the server is not the order they were queued in.
        by_kind = {m["kind"]: m for m in items}
        assert sorted(m["kind"] for m in items) == ["attachment", "text"]
        assert by_kind["text"]["body"] == "Votre ordonnance est prete."
        assert by_kind["attachment"]["data"]["attachment"]["filename"] == "ordonnance.pdf"
        assert controller.window is not None
        controller.window.close()
        assert await asyncio.wait_for(running, 30) == 0
    finally:
        if not running.done():
            running.cancel()
        server.stop()
