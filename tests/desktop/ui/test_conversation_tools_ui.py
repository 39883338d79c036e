"""Conversation tools: « Aide patient » links, « le patient peut écrire », the status indicator, hooks."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from contracts.clock import paris_day
from desktop.app import build_app_services
from desktop.domain.app_settings import REMOTE, AppSettings
from desktop.domain.connection_status import ConnectionStatus
from desktop.storage.credentials import SERVICE, CredentialStore
from desktop.storage.settings_store import SettingsStore
from desktop.ui.app_controller import AppController
from desktop.ui.dialogs.sign_in_dialog import SignInDialog
from desktop.ui.main_window import CONVERSATION
from tests.conftest import base_settings
from tests.desktop.services.harness import MemoryKeyring, make_config, wait_for
from tests.desktop.ui.desktop_harness import open_desktop
from tests.helpers.factories import PASSWORD, make_conversation, make_patient, make_practitioner, send
from tests.helpers.live_server import LiveServer, free_port


@pytest.mark.asyncio
async def test_help_links_and_patient_write_setting(sqlite_server: LiveServer, tmp_path: Path) -> None:
    doctor = make_practitioner(sqlite_server)
    patient = make_patient(sqlite_server)
    conversation_id = make_conversation(sqlite_server, doctor, patient)
    async with open_desktop(sqlite_server, doctor, tmp_path) as desktop:
        await wait_for(lambda: desktop.workspace.conversations.get(conversation_id) is not None)
        desktop.presenter.open_conversation(conversation_id)
        page = desktop.window.conversation

        page.help_menu.aboutToShow.emit()  # the menu fetches the server's help pages once
        await wait_for(lambda: len(page.help_menu.actions()) > 1)
        titles = [a.text() for a in page.help_menu.actions()]
        assert all(t for t in titles)
        page.editor.setPlainText("Bonjour,")
        page.help_menu.actions()[0].trigger()
        pasted = page.editor.toPlainText()
        assert pasted.startswith("Bonjour,\n") and "/aide/" in pasted and "http" in pasted

        control = page.patient_write
        control.mode.setCurrentIndex(1)  # « jamais »
        await wait_for(
            lambda: desktop.workspace.conversations.get(conversation_id).patient_write.mode == "never"
        )  # type: ignore[union-attr]
        with httpx.Client(base_url=sqlite_server.api, headers=patient.headers) as http:
            refused = send(http, patient, conversation_id, "Encore une question")
        assert refused.status_code == 403 and "15" in refused.json()["detail"]  # emergency numbers shown

        until = paris_day(desktop.workspace.clock()) + timedelta(days=10)
        control.until.setDate(QDate(until.year, until.month, until.day))
        control.mode.setCurrentIndex(2)  # « jusqu'au … »
        assert control.until.isVisible()
        await wait_for(
            lambda: desktop.workspace.conversations.get(conversation_id).patient_write.until == until
        )  # type: ignore[union-attr]
        with httpx.Client(base_url=sqlite_server.api, headers=patient.headers) as http:
            assert send(http, patient, conversation_id, "Merci").status_code == 201


@pytest.mark.asyncio
async def test_status_indicator_follows_a_network_loss(tmp_path: Path) -> None:
    settings = base_settings(tmp_path / "server", allow_practitioner_signup=True, port=free_port())
    server = LiveServer(settings).start()
    doctor = make_practitioner(server)
    patient = make_patient(server)
    conversation_id = make_conversation(server, doctor, patient)
    try:
        async with open_desktop(server, doctor, tmp_path / "home") as desktop:
            status = desktop.window.status
            assert status.text_label == "connecté" and "connecté" in status.accessibleName()
            await asyncio.to_thread(server.stop)
            await wait_for(lambda: status.text_label in ("hors ligne", "connexion…"), timeout=20)
            server = LiveServer(settings).start()
            with httpx.Client(base_url=server.api) as http:  # written while we were away
                assert send(http, patient, conversation_id, "Vous êtes là ?").status_code == 201
            status.reconnect_requested.emit()  # clicking the indicator skips the backoff
            await wait_for(lambda: status.text_label == "connecté", timeout=30)
            await wait_for(lambda: desktop.workspace.conversations.get(conversation_id).unread == 1)  # type: ignore[union-attr]
    finally:
        server.stop()


@pytest.mark.asyncio
async def test_feature_hooks_and_keyboard(sqlite_server: LiveServer, tmp_path: Path, qtbot: QtBot) -> None:
    doctor = make_practitioner(sqlite_server)
    patient = make_patient(sqlite_server)
    conversation_id = make_conversation(sqlite_server, doctor, patient)
    async with open_desktop(sqlite_server, doctor, tmp_path) as desktop:
        window = desktop.window
        await wait_for(lambda: desktop.workspace.conversations.get(conversation_id) is not None)
        assert not window.payment_action.isEnabled()  # only inside a conversation
        desktop.presenter.open_conversation(conversation_id)
        assert window.current_page == CONVERSATION and window.payment_action.isEnabled()

        window.payment_action.trigger()  # nobody listens yet: a clear word rather than nothing
        assert "prochaine version" in window.message_bar.text
        payments: list[str] = []
        window.payment_requested.connect(payments.append)
        window.payment_action.trigger()
        assert payments == [conversation_id]

        assert not window.conversation.camera.isEnabled()
        calls: list[str] = []
        window.call_requested.connect(calls.append)
        window.set_calls_enabled(True)
        window.conversation.camera.click()
        assert calls == [conversation_id]

        dialog = desktop.presenter.open_invitation_dialog()
        assert dialog.isVisible()
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Esc closes dialogs
        assert not dialog.isVisible()
        for widget in (
            window.conversation_list.search,
            window.conversation.editor,
            window.plus,
            window.status,
        ):
            assert widget.accessibleName()  # screen readers get a name for every control


@pytest.mark.asyncio
async def test_expired_session_asks_to_sign_in_again(sqlite_server: LiveServer, tmp_path: Path) -> None:
    doctor = make_practitioner(sqlite_server)
    home = tmp_path / "client"
    SettingsStore(home / "config").save(
        AppSettings(
            server_mode=REMOTE,
            server_url=sqlite_server.url,
            last_email=doctor.email or "",
            account_id=doctor.id,
            account_first_name=doctor.first_name,
            account_last_name=doctor.last_name,
        )
    )
    keyring = MemoryKeyring()
    keyring.set_password(SERVICE, f"{sqlite_server.url}|{doctor.email}", doctor.token)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    services = build_app_services(
        make_config(home, sqlite_server.url), CredentialStore(keyring), sqlite_server.clock
    )
    controller = AppController(app, services)
    running = asyncio.ensure_future(controller.run())
    try:
        await wait_for(lambda: controller.workspace is not None and controller.window is not None)
        assert controller.workspace is not None and controller.window is not None
        workspace, window = controller.workspace, controller.window
        await wait_for(lambda: workspace.sync.status is ConnectionStatus.ONLINE)
        with httpx.Client(base_url=sqlite_server.api, headers=doctor.headers) as http:
            assert http.post("/auth/logout").status_code == 204  # the session ends (expiry, revocation)
        await workspace.sync.realtime.drop()  # the link drops; the next connection authenticates again
        await wait_for(lambda: window.status.text_label == "session expirée")
        await wait_for(lambda: visible_sign_in() is not None)
        dialog = visible_sign_in()
        assert dialog is not None and dialog.email.text() == doctor.email
        assert dialog.tabs.count() == 1  # signing in again, not creating an account
        dialog.password.setText(PASSWORD)
        dialog.submit.click()
        await wait_for(lambda: workspace.sync.status is ConnectionStatus.ONLINE, timeout=20)
        assert (
            workspace.signed_in.token != doctor.token
            and keyring.get_password(SERVICE, f"{sqlite_server.url}|{doctor.email}")
            == workspace.signed_in.token
        )
        window.close()
        assert await asyncio.wait_for(running, 30) == 0
    finally:
        if not running.done():
            running.cancel()


def visible_sign_in() -> SignInDialog | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, SignInDialog) and widget.isVisible():
            return widget
    return None
