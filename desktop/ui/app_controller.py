"""The life of the app: first run, sign-in, the main window, expired sessions, sign-out, quitting.

Dialogs are opened with `open()` and awaited through a future, never `exec()`: a nested Qt event
loop inside a qasync coroutine would re-enter the asyncio loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QVBoxLayout

from contracts.wire.accounts import PractitionerCreate
from desktop.domain.app_settings import LOCAL
from desktop.domain.connection_status import ConnectionStatus
from desktop.domain.errors import UserFacingError
from desktop.domain.keyring_status import keyring_help
from desktop.services.app_services import AppServices
from desktop.services.session import SignedIn
from desktop.services.workspace import Workspace
from desktop.ui.billing.billing_controller import BillingController
from desktop.ui.call.call_controller import CallController
from desktop.ui.dialogs.run import run_dialog
from desktop.ui.dialogs.server_choice_dialog import ServerChoiceDialog
from desktop.ui.dialogs.sign_in_dialog import SignInDialog
from desktop.ui.main_presenter import MainPresenter
from desktop.ui.main_window import MainWindow
from desktop.ui.tray_notifier import TrayNotifier
from desktop.ui.widgets.conversation_list_model import ConversationListModel
from desktop.ui.widgets.plain_text import PlainLabel

log = logging.getLogger(__name__)

READY_VARIABLE = "TELECONSULT_PRINT_READY"  # the start-up bench waits for this line on stdout


class AppController(QObject):
    """Runs as the main coroutine: `await run()` returns when the app should quit."""

    def __init__(self, app: QApplication, services: AppServices) -> None:
        super().__init__(app)
        self.app = app
        self.services = services
        self.notifier = TrayNotifier(app)
        self.workspace: Workspace | None = None
        self.window: MainWindow | None = None
        self.presenter: MainPresenter | None = None
        self._quit = asyncio.Event()
        self._restart = False
        self._reauth_open = False
        app.aboutToQuit.connect(self._on_app_about_to_quit)

    async def run(self) -> int:
        try:
            while True:
                self._restart = False
                if not await self._start():
                    return 0
                await self._quit.wait()
                self._quit.clear()
                await self._close_workspace()
                if not self._restart:
                    return 0
        finally:
            await self._close_workspace()
            await self.services.close()
            self.notifier.close()

    # ---------------------------------------------------------------- start-up
    async def _start(self) -> bool:
        session = self.services.session
        while session.needs_server_choice:
            if not await self._choose_server():
                return False
        restored = session.settings.account_id and session.settings.last_email
        try:
            # A remembered local session opens at once; the socket connects when the server is up.
            url = await self._server_url(wait=not (restored and session.is_local))
        except UserFacingError as exc:
            self.services.messages.error(exc.message)
            session.reset_server()
            return await self._start()
        signed = await session.restore(url)
        if signed is None:
            signed = await self._sign_in(url)
        if signed is None:
            return False
        await self.open_workspace(signed)
        return True

    async def _server_url(self, *, wait: bool) -> str:
        session = self.services.session
        if not (session.is_local and wait):
            return await session.server_url(wait=wait)
        busy = QDialog()
        busy.setWindowTitle(self.tr("Teleconsult"))
        QVBoxLayout(busy).addWidget(PlainLabel(self.tr("Démarrage du serveur local…"), busy))
        busy.open()
        try:
            return await session.server_url(wait=True)
        finally:
            busy.close()
            busy.deleteLater()

    async def _choose_server(self) -> bool:
        dialog = ServerChoiceDialog()
        session = self.services.session

        def on_choice(mode: str, url: str) -> None:
            async def apply() -> None:
                try:
                    if mode == LOCAL:
                        session.choose_local()
                    else:
                        await session.choose_remote(url)
                except UserFacingError as exc:
                    dialog.show_error(exc.message)
                    return
                dialog.accept()

            self.services.runner.run(apply(), name="choose-server", report=False)

        dialog.choice_requested.connect(on_choice)
        result = await run_dialog(dialog)
        dialog.deleteLater()
        return result == QDialog.DialogCode.Accepted.value

    async def _sign_in(self, url: str, *, reason: str = "", sign_up: bool = True) -> SignedIn | None:
        session = self.services.session
        keyring = await session.keyring_status()
        dialog = SignInDialog(
            self.window,
            email=session.settings.last_email,
            allow_sign_up=sign_up,
            prefer_sign_up=session.is_local and not session.settings.last_email,
            reason=reason,
            keyring_help="" if keyring.secure else keyring_help(sys.platform),
        )
        outcome: list[SignedIn] = []

        def attempt(coro_factory: Callable[[], Awaitable[SignedIn]]) -> None:
            async def go() -> None:
                try:
                    outcome.append(await coro_factory())
                except UserFacingError as exc:
                    dialog.show_error(exc.message)
                    return
                dialog.accept()

            self.services.runner.run(go(), name="sign-in", report=False)

        def on_sign_in(email: str, password: str) -> None:
            attempt(lambda: session.sign_in(url, email, password))

        def on_sign_up(account: PractitionerCreate) -> None:
            attempt(lambda: session.sign_up(url, account))

        reset_ids: list[str] = []

        def on_reset_code(email: str) -> None:
            async def go() -> None:
                try:
                    started = await session.request_password_reset(url, email)
                except UserFacingError as exc:
                    dialog.show_error(exc.message)
                    return
                reset_ids[:] = [started.reset_id]  # only the newest code works
                dialog.show_reset_sent(started.detail)

            self.services.runner.run(go(), name="password-reset", report=False)

        def on_reset(code: str, password: str) -> None:
            if reset_ids:
                attempt(lambda: session.reset_password(url, reset_ids[0], code, password))
            else:
                dialog.show_error(self.tr("Demandez d'abord un code."))

        dialog.sign_in_requested.connect(on_sign_in)
        dialog.sign_up_requested.connect(on_sign_up)
        dialog.reset_code_requested.connect(on_reset_code)
        dialog.reset_requested.connect(on_reset)
        await run_dialog(dialog)
        dialog.deleteLater()
        return outcome[0] if outcome else None

    # ---------------------------------------------------------------- the main window
    async def open_workspace(self, signed: SignedIn) -> MainWindow:
        workspace = self.services.open_workspace(signed, self.notifier)
        self.workspace = workspace
        model = ConversationListModel(workspace.conversations.get, workspace.clock)
        window = MainWindow(model)
        self.window = window
        self.presenter = MainPresenter(window, workspace)
        self.calls = CallController(window, workspace)
        self.billing = BillingController(window, workspace, self.calls)
        window.close_requested.connect(self._on_window_close_requested)
        window.sign_out_requested.connect(self._on_window_sign_out_requested)
        window.change_server_requested.connect(self._on_window_change_server_requested)
        window.status.reconnect_requested.connect(self._on_status_reconnect_requested)
        workspace.sync.status_changed.connect(self._on_sync_status_changed)
        window.show()
        await workspace.start()
        if self.services.session.is_local and self.services.session.local_server.running:
            # Restored local session: the window is up; report if the server fails to come up.
            self.services.runner.run(self.services.session.local_server.wait_ready(), name="local-server")
        await self.services.session.warn_if_no_keyring()
        if os.environ.get(READY_VARIABLE):
            QTimer.singleShot(0, lambda: print("teleconsult-ready", flush=True, file=sys.stdout))
        return window

    async def _close_workspace(self) -> None:
        workspace, window = self.workspace, self.window
        self.workspace, self.window, self.presenter = None, None, None
        if window is not None:
            window.allow_close = True
            window.close()
            window.deleteLater()
        if workspace is not None:
            await workspace.close()

    # ---------------------------------------------------------------- events
    def _on_window_close_requested(self) -> None:
        self._quit.set()

    def _on_window_sign_out_requested(self) -> None:
        self.services.runner.run(self._sign_out(), name="sign-out")

    async def _sign_out(self) -> None:
        if self.workspace is not None:
            await self.workspace.calls.close()  # hang up while the session can still tell the patient
            await self.services.session.sign_out(self.workspace.signed_in)
        self._restart = True
        self._quit.set()

    def _on_window_change_server_requested(self) -> None:
        self.services.session.reset_server()
        self._on_window_sign_out_requested()

    def _on_sync_status_changed(self, status: ConnectionStatus) -> None:
        if status is ConnectionStatus.SIGNED_OUT:
            self._reauthenticate()

    def _on_status_reconnect_requested(self) -> None:
        if self.workspace is not None and self.workspace.sync.status is ConnectionStatus.SIGNED_OUT:
            self._reauthenticate()

    def _reauthenticate(self) -> None:
        workspace = self.workspace
        if workspace is None or self._reauth_open:
            return
        self._reauth_open = True

        async def again() -> None:
            try:
                signed = await self._sign_in(
                    workspace.signed_in.server_url,
                    reason=self.tr("Votre session a expiré : reconnectez-vous pour continuer."),
                    sign_up=False,
                )
            finally:
                self._reauth_open = False
            if signed is None or self.workspace is not workspace:
                return
            if signed.account.id != workspace.account.id:
                self._restart = True  # another practitioner: a workspace of their own
                self._quit.set()
                return
            workspace.replace_token(signed)

        self.services.runner.run(again(), name="reauthenticate")

    def _on_app_about_to_quit(self) -> None:
        # The OS is ending the session: no time for async cleanup, but never leave the server behind.
        self.services.session.local_server.stop_now()
