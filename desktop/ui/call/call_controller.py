"""`CallController`: binds the call screens of the main window to the workspace's `CallService`.

It enables the conversation page's camera button (`MainWindow.call_requested`), opens a
`CallWindow` with its `CallPresenter` when the service starts a call (announced to the other
screens by `call_window_opened`), shows « Patient en salle d'attente » on the conversation page
when the patient of the open conversation waits (with « Démarrer la vidéo »), and offers the
choice of camera, microphone and speaker in the ⚙ menu. The service is the workspace's: closing
the workspace (sign-out, quitting) hangs up first, while the socket is still there to tell the
patient.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QFrame, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from desktop.services.call_media import DevicePreferences, list_device_choices
from desktop.services.calls import ActiveCall
from desktop.services.workspace import Workspace
from desktop.ui.call.call_presenter import CallPresenter
from desktop.ui.call.call_window import CallWindow
from desktop.ui.call.devices_dialog import DevicesDialog
from desktop.ui.dialogs.run import run_dialog
from desktop.ui.main_window import MainWindow
from desktop.ui.widgets.plain_text import PlainLabel

log = logging.getLogger(__name__)


class WaitingBanner(QFrame):
    """« Patient en salle d'attente » above the open conversation, with « Démarrer la vidéo »."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("waitingBanner")
        row = QHBoxLayout(self)
        self.label = PlainLabel(self.tr("Patient en salle d'attente : il attend votre appel vidéo."), self)
        self.start = QPushButton(self.tr("Démarrer la vidéo"), self)
        self.start.setAccessibleName(self.tr("Démarrer la vidéo avec le patient en salle d'attente"))
        row.addWidget(self.label, 1)
        row.addWidget(self.start)
        self.setAccessibleName(self.tr("Patient en salle d'attente"))
        self.hide()


class CallController(QObject):
    """Owns the call window of the call in progress; the call itself is the service's."""

    call_window_opened = Signal(object, str)  # the CallWindow of the call that started, its conversation

    def __init__(self, window: MainWindow, workspace: Workspace) -> None:
        super().__init__(window)
        self.window = window
        self.ws = workspace
        self.service = workspace.calls
        self.call_window: CallWindow | None = None
        self.presenter: CallPresenter | None = None
        self.list_devices = list_device_choices  # the device-enumeration seam (tests give fixed lists)
        self.banner = WaitingBanner(window.conversation)
        page_layout = window.conversation.layout()
        if isinstance(page_layout, QVBoxLayout):
            page_layout.insertWidget(1, self.banner)  # under the conversation's header
        self.banner.start.clicked.connect(self._on_banner_start_clicked)
        self._unsubscribe = [
            self.service.call_started.connect(self._on_service_call_started),
            self.service.call_ended.connect(self._on_service_call_ended),
            self.service.presence_changed.connect(self._on_service_presence_changed),
            self.service.devices_switched.connect(self._on_service_devices_switched),
        ]
        window.call_requested.connect(self._on_window_call_requested)
        window.conversation.conversation_shown.connect(self._on_page_conversation_shown)
        window.destroyed.connect(self.dispose)
        window.set_calls_enabled(True)
        self.devices_action = QAction(self.tr("Caméra, micro et haut-parleur…"), window)
        self.devices_action.triggered.connect(self._on_devices_action_triggered)
        window.settings_menu.insertAction(window.settings_menu.actions()[0], self.devices_action)

    # ---------------------------------------------------------------- devices
    def _on_devices_action_triggered(self) -> None:
        self.ws.runner.run(self.choose_devices(), name="call-devices")

    async def choose_devices(self) -> DevicePreferences | None:
        """List the devices (off the UI thread), ask, and keep the choice for the next calls."""
        lists = await asyncio.to_thread(self.list_devices)
        dialog = DevicesDialog(lists, DevicePreferences.of(self.ws.session.settings), self.window)
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
        summary = self.ws.conversations.get(call.conversation_id)
        window = CallWindow(summary.patient.full_name if summary is not None else self.tr("Patient"))
        self.call_window = window
        if call.devices == DevicePreferences():
            call.devices = DevicePreferences.of(self.ws.session.settings)  # what the call opened
        self.presenter = CallPresenter(
            window,
            self.service,
            call,
            self.ws.runner,
            self.ws.help_pages,
            self.ws.messages,
            list_devices=self.list_devices,
        )
        window.show()
        window.raise_()
        window.microphone.setFocus()
        self._refresh_banner()
        self.call_window_opened.emit(window, call.conversation_id)

    def _on_service_call_ended(self, call: ActiveCall) -> None:
        self._refresh_banner()

    def _on_service_devices_switched(self, chosen: DevicePreferences) -> None:
        """A device chosen during the call is also the one of the next calls."""
        self.ws.session.update_settings(
            camera=chosen.camera,
            camera_label=chosen.camera_label,
            microphone=chosen.microphone,
            speaker=chosen.speaker,
        )

    # ---------------------------------------------------------------- waiting room
    def _on_service_presence_changed(self, change: tuple[str, bool]) -> None:
        self._refresh_banner()

    def _on_page_conversation_shown(self, _conversation_id: str) -> None:
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
    def dispose(self) -> None:
        """The main window is going away (its Qt children may already be deleted)."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        window, self.call_window = self.call_window, None
        if window is not None:
            with contextlib.suppress(RuntimeError):
                window.close()
                window.deleteLater()
