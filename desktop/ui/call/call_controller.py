"""`CallController`: the video feature of the main window (camera button, waiting room, call window).

Attached once per workspace (`CallController.attach(window, workspace, notifier)`): it builds the
`CallService` on the workspace's socket and task runner, enables the conversation page's camera
button (`MainWindow.call_requested`), opens a `CallWindow` with its `CallPresenter` for each
call, and shows « Patient en salle d'attente » on the conversation page when the patient of the
open conversation waits (with « Démarrer la vidéo »). Closing the main window or signing out
hangs up first, while the socket is still there to tell the patient.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.api.calls import CallApiClient
from desktop.services.call_media import (
    DevicePreferences,
    MediaFactory,
    list_device_choices,
    media_factory,
)
from desktop.services.calls import ActiveCall, CallService
from desktop.services.help_pages import HelpPageService
from desktop.services.ports import Notifier
from desktop.services.workspace import Workspace
from desktop.ui.call.call_presenter import CallPresenter
from desktop.ui.call.call_window import CallWindow
from desktop.ui.call.devices_dialog import DevicesDialog
from desktop.ui.dialogs.run import run_dialog
from desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)


class WaitingBanner(QFrame):
    """« Patient en salle d'attente » above the open conversation, with « Démarrer la vidéo »."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("waitingBanner")
        self.setStyleSheet("QFrame#waitingBanner { background: #e8f5e9; border-bottom: 1px solid #a5d6a7; }")
        row = QHBoxLayout(self)
        self.label = QLabel(self.tr("Patient en salle d'attente : il attend votre appel vidéo."), self)
        self.label.setStyleSheet("color: #1b5e20; font-weight: bold;")
        self.start = QPushButton(self.tr("Démarrer la vidéo"), self)
        self.start.setAccessibleName(self.tr("Démarrer la vidéo avec le patient en salle d'attente"))
        row.addWidget(self.label, 1)
        row.addWidget(self.start)
        self.setAccessibleName(self.tr("Patient en salle d'attente"))
        self.hide()


class CallController(QObject):
    """Owns the call service of a workspace and the call window of the call in progress."""

    def __init__(
        self, window: MainWindow, workspace: Workspace, notifier: Notifier, media: MediaFactory | None = None
    ) -> None:
        super().__init__(window)
        self.window = window
        self.ws = workspace
        api = workspace.api
        self.api = CallApiClient(api.server_url, lambda: api.token)
        self.service = CallService(
            self.api,
            workspace.sync.realtime,
            workspace.runner,
            workspace.messages,
            notifier,
            media or media_factory(workspace.config.fake_media, self._device_preferences),
            patient_name=self._patient_name,
            show_names=lambda: workspace.session.settings.show_patient_names_in_notifications,
        )
        workspace.extra["calls"] = self.service
        self.call_window: CallWindow | None = None
        self.presenter: CallPresenter | None = None
        self.list_devices = list_device_choices  # the device-enumeration seam (tests give fixed lists)
        self.banner = WaitingBanner(window.conversation)
        page_layout = window.conversation.layout()
        if isinstance(page_layout, QVBoxLayout):
            page_layout.insertWidget(1, self.banner)  # under the conversation's header
        self.banner.start.clicked.connect(self._on_banner_start_clicked)
        self._unsubscribe = [
            workspace.sync.status_changed.connect(self.service.connection_changed),
            self.service.call_started.connect(self._on_service_call_started),
            self.service.call_ended.connect(self._on_service_call_ended),
            self.service.presence_changed.connect(self._on_service_presence_changed),
        ]
        window.call_requested.connect(self._on_window_call_requested)
        window.close_requested.connect(self._on_window_leaving)
        window.sign_out_requested.connect(self._on_window_leaving)
        window.destroyed.connect(self.dispose)
        window.set_calls_enabled(True)
        self.devices_action = QAction(self.tr("Caméra, micro et haut-parleur…"), window)
        self.devices_action.triggered.connect(self._on_devices_action_triggered)
        window.settings_menu.insertAction(window.settings_menu.actions()[0], self.devices_action)
        # The page has no "conversation changed" signal: follow it cheaply for the banner.
        self._watch = QTimer(self)
        self._watch.setInterval(400)
        self._watch.timeout.connect(self._refresh_banner)
        self._watch.start()

    @classmethod
    def attach(cls, window: MainWindow, workspace: Workspace, notifier: Notifier) -> CallController:
        return cls(window, workspace, notifier)

    # ---------------------------------------------------------------- devices
    def _device_preferences(self) -> DevicePreferences:
        settings = self.ws.session.settings
        return DevicePreferences(
            settings.camera, settings.camera_label, settings.microphone, settings.speaker
        )

    def _on_devices_action_triggered(self) -> None:
        self.ws.runner.run(self.choose_devices(), name="call-devices")

    async def choose_devices(self) -> DevicePreferences | None:
        """List the devices (off the UI thread), ask, and keep the choice for the next calls."""
        lists = await asyncio.to_thread(self.list_devices)
        dialog = DevicesDialog(lists, self._device_preferences(), self.window)
        try:
            if await run_dialog(dialog) != QDialog.DialogCode.Accepted:
                return None
            chosen = dialog.preferences()
        finally:
            dialog.deleteLater()
        self.ws.session.update_settings(
            camera=chosen.camera,
            camera_label=chosen.camera_label,
            microphone=chosen.microphone,
            speaker=chosen.speaker,
        )
        self.ws.messages.info(self.tr("Appareils enregistrés : ils serviront au prochain appel."))
        return chosen

    def _patient_name(self, conversation_id: str) -> str | None:
        summary = self.ws.conversations.get(conversation_id)
        return summary.patient.full_name if summary is not None else None

    # ---------------------------------------------------------------- starting a call
    def _on_window_call_requested(self, conversation_id: str) -> None:
        if self.call_window is not None and self.service.active is not None:
            self.call_window.showNormal()
            self.call_window.raise_()
            self.call_window.activateWindow()
            if self.service.active.conversation_id == conversation_id:
                return
        self.ws.runner.run(self.service.start(conversation_id), name="call-start")

    def _on_banner_start_clicked(self) -> None:
        conversation_id = self.window.conversation.conversation_id
        if conversation_id:
            self._on_window_call_requested(conversation_id)

    def _on_service_call_started(self, call: ActiveCall) -> None:
        old = self.call_window
        if old is not None:
            old.close()
            old.deleteLater()
        name = self._patient_name(call.conversation_id) or self.tr("Patient")
        window = CallWindow(name)
        self.call_window = window
        self.presenter = CallPresenter(window, self.service, call, self.ws.runner, self.post_help)
        window.show()
        window.raise_()
        window.microphone.setFocus()
        self._refresh_banner()

    def _on_service_call_ended(self, call: ActiveCall) -> None:
        self._refresh_banner()

    async def post_help(self, conversation_id: str, slug: str) -> None:
        """Post the patient help page `slug` into the conversation, as a message from the practitioner."""
        pages = await self.ws.help_pages.pages()
        page = next((p for p in pages if p.slug == slug), None)
        if page is None:
            self.ws.messages.warning(self.tr("Cette page d'aide n'existe pas sur le serveur."))
            return
        await self.ws.outbox.send_text(conversation_id, HelpPageService.snippet(page))
        self.ws.messages.info(self.tr("Aide envoyée au patient : %1").replace("%1", page.title))

    # ---------------------------------------------------------------- waiting room
    def _on_service_presence_changed(self, change: tuple[str, bool]) -> None:
        self._refresh_banner()

    def _refresh_banner(self) -> None:
        page = self.window.conversation
        conversation_id = page.conversation_id
        active = self.service.active
        waiting = bool(conversation_id) and conversation_id in self.service.waiting
        in_call = active is not None and active.conversation_id == conversation_id
        self.banner.setVisible(waiting and not in_call)
        description = self.tr("Patient en salle d'attente") if waiting else ""
        if page.camera.accessibleDescription() != description:
            page.camera.setAccessibleDescription(description)
            page.camera.setToolTip(
                self.tr("Démarrer la vidéo — le patient est en salle d'attente")
                if waiting
                else self.tr("Démarrer la vidéo")
            )

    # ---------------------------------------------------------------- leaving
    def _on_window_leaving(self) -> None:
        if self.service.active is not None:
            self.ws.runner.run(self.service.close(), name="call-close", report=False)

    def dispose(self) -> None:
        """The main window is going away (its Qt children may already be deleted)."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        with contextlib.suppress(RuntimeError):
            self._watch.stop()
        window, self.call_window = self.call_window, None
        if window is not None:
            with contextlib.suppress(RuntimeError):
                window.close()
                window.deleteLater()
        with contextlib.suppress(RuntimeError):  # the runner is closed when the app quits
            self.ws.runner.run(self.api.aclose(), name="call-api-close", report=False)
