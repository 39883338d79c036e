"""First run: choose the server, create the account, land in the main window; tokens never on disk."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TypeVar

import pytest
from keyring.backends import fail
from PySide6.QtWidgets import QApplication, QWidget

from desktop.app import build_app_services
from desktop.domain.connection_status import ConnectionStatus
from desktop.storage.credentials import CredentialStore
from desktop.ui.app_controller import AppController
from desktop.ui.dialogs.server_choice_dialog import ServerChoiceDialog
from desktop.ui.dialogs.sign_in_dialog import SignInDialog
from tests.desktop.services.harness import MemoryKeyring, make_config, wait_for
from tests.helpers.factories import rpps_number, unique_email
from tests.helpers.live_server import LiveServer

W = TypeVar("W", bound=QWidget)


def visible(kind: type[W]) -> W | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, kind) and widget.isVisible():
            return widget
    return None


def fill_sign_up(dialog: SignInDialog, email: str, rpps: str) -> None:
    form = dialog.sign_up
    dialog.tabs.setCurrentWidget(form)
    form.first_name.setText("Claire")
    form.last_name.setText("Martin")
    form.email.setText(email)
    form.password.setText("correct-horse-42")
    form.password_again.setText("correct-horse-42")
    form.rpps.setText(rpps)


@pytest.mark.asyncio
async def test_remote_server_sign_up_without_a_keyring(sqlite_server: LiveServer, tmp_path: Path) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    home = tmp_path / "home"
    services = build_app_services(make_config(home), CredentialStore(fail.Keyring()))
    controller = AppController(app, services)
    running = asyncio.ensure_future(controller.run())
    try:
        await wait_for(lambda: visible(ServerChoiceDialog) is not None)
        choice = visible(ServerChoiceDialog)
        assert choice is not None and choice.local.isChecked()
        choice.remote.setChecked(True)
        choice.url.setText("127.0.0.1:1")  # nothing answers there
        choice.buttons.accepted.emit()
        await wait_for(lambda: choice.error.isVisible())
        assert "injoignable" in choice.error.text()
        choice.url.setText(sqlite_server.url)
        choice.buttons.accepted.emit()

        await wait_for(lambda: visible(SignInDialog) is not None)
        sign_in = visible(SignInDialog)
        assert sign_in is not None
        fill_sign_up(sign_in, unique_email("claire"), "12345678901")  # a wrong RPPS key
        sign_in.sign_up.submit.click()
        assert "RPPS" in sign_in.sign_up.error.text()  # checked before asking the server
        email = unique_email("claire")
        fill_sign_up(sign_in, email, rpps_number(987_654))
        sign_in.sign_up.submit.click()

        await wait_for(lambda: controller.window is not None and controller.workspace is not None)
        assert controller.window is not None and controller.workspace is not None
        window, workspace = controller.window, controller.workspace
        assert window.account.text() == "Claire Martin · PRO"
        await wait_for(lambda: workspace.sync.status is ConnectionStatus.ONLINE)
        assert window.status.text_label == "connecté"
        await wait_for(lambda: "trousseau" in window.message_bar.text)  # said once, in French
        saved = (home / "config" / "settings.json").read_text(encoding="utf-8")
        assert workspace.signed_in.token not in saved  # never a token on disk
        assert json.loads(saved)["last_email"] == email
        window.close()
        assert await asyncio.wait_for(running, 30) == 0
    finally:
        if not running.done():
            running.cancel()


@pytest.mark.asyncio
async def test_local_server_is_started_and_stopped(tmp_path: Path) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    services = build_app_services(make_config(tmp_path / "home"), CredentialStore(MemoryKeyring()))
    controller = AppController(app, services)
    running = asyncio.ensure_future(controller.run())
    local = services.session.local_server
    try:
        await wait_for(lambda: visible(ServerChoiceDialog) is not None)
        choice = visible(ServerChoiceDialog)
        assert choice is not None
        choice.buttons.accepted.emit()  # « Utiliser ce poste (serveur local) »
        await wait_for(lambda: visible(SignInDialog) is not None, timeout=60)
        sign_in = visible(SignInDialog)
        assert sign_in is not None and local.running
        assert (
            sign_in.tabs.currentWidget() is sign_in.sign_up
        )  # first run on a local server: create the account
        fill_sign_up(sign_in, unique_email("claire"), rpps_number(123_457))
        sign_in.sign_up.submit.click()
        await wait_for(lambda: controller.workspace is not None and controller.window is not None, timeout=30)
        assert controller.workspace is not None and controller.window is not None
        await wait_for(lambda: controller.workspace.sync.status is ConnectionStatus.ONLINE, timeout=30)  # type: ignore[union-attr]
        assert (
            tmp_path / "home" / "data" / "server" / "teleconsult.db"
        ).exists()  # SQLite in the user data folder
        assert services.session.settings.local_port == local.port
        controller.window.close()
        assert await asyncio.wait_for(running, 30) == 0
        assert not local.running  # stopped with the app
    finally:
        if not running.done():
            running.cancel()
        local.stop_now()
