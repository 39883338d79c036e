"""`CallPresenter`: gives a `CallWindow` life from the `CallService` and its call in progress.

The window's video surfaces paint the call's sinks directly (latest frame only); everything else
goes through here: the engine's state and statistics, the patient's presence and pre-call check,
device problems, and the window's intents (micro, caméra, appareils, raccrocher, aide patient),
which reach the service through the task runner (widgets never await). The device menu is listed
off the UI thread when the window opens and each time the menu opens (a device plugged in since).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from PySide6.QtCore import QObject, QTimer

from contracts.wire.invitations import HelpPagePublic
from desktop.domain.call_precheck import Precheck
from desktop.domain.call_state import CallState, EndReason
from desktop.kernel.messages import Messages
from desktop.kernel.tasks import TaskRunner
from desktop.services.call_media import DeviceLists, DevicePreferences
from desktop.services.calls import ActiveCall, CallService
from desktop.services.help_pages import HelpPageService
from desktop.ui.call.call_window import CallWindow
from desktop.ui.dialogs.help_preview_dialog import HelpPreviewDialog
from desktop.video.stats import CallStats

CLOSE_AFTER_MS = 2500  # after the patient hung up: long enough to read it


class CallPresenter(QObject):
    """One presenter per call window."""

    def __init__(
        self,
        window: CallWindow,
        service: CallService,
        call: ActiveCall,
        runner: TaskRunner,
        help_pages: HelpPageService,
        messages: Messages,
        list_devices: Callable[[], DeviceLists] | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.service = service
        self.call = call
        self._runner = runner
        self._help_pages = help_pages
        self._messages = messages
        self.help_preview: HelpPreviewDialog | None = None
        self._list_devices = list_devices
        self._lists = DeviceLists([], [], [])
        window.remote.set_sink(call.remote_video)
        window.local.set_sink(call.local_video)
        self._unsubscribe = [
            service.state_changed.connect(self._on_service_state_changed),
            service.stats_updated.connect(self._on_service_stats_updated),
            service.presence_changed.connect(self._on_service_presence_changed),
            service.precheck_received.connect(self._on_service_precheck_received),
            service.device_failed.connect(self._on_service_device_failed),
            service.camera_availability_changed.connect(self._on_service_camera_availability_changed),
            service.devices_switched.connect(self._on_service_devices_switched),
            service.call_ended.connect(self._on_service_call_ended),
        ]
        window.microphone_toggled.connect(self._on_window_microphone_toggled)
        window.camera_toggled.connect(self._on_window_camera_toggled)
        window.hangup_requested.connect(self._on_window_hangup_requested)
        window.help_requested.connect(self._on_window_help_requested)
        window.camera_change_requested.connect(self._on_window_camera_change_requested)
        window.microphone_change_requested.connect(self._on_window_microphone_change_requested)
        window.speaker_change_requested.connect(self._on_window_speaker_change_requested)
        window.devices_menu_shown.connect(self._on_window_devices_menu_shown)
        window.closed.connect(self._on_window_closed)
        window.set_microphone(call.microphone_on)
        window.set_camera(call.camera_on)
        window.set_camera_available(call.camera_available)
        self._show_devices()
        self._on_window_devices_menu_shown()
        for error in call.errors:
            window.show_notice(error)
        precheck = service.prechecks.get(call.conversation_id)
        if precheck is not None:
            self._show_precheck(precheck)
        self._on_service_state_changed(call.state)

    # ---------------------------------------------------------------- service events
    def _state_text(self, state: CallState) -> str:
        waiting = self.call.conversation_id in self.service.waiting
        texts = {
            CallState.IDLE: self.tr("Préparation de l'appel…"),
            CallState.WAITING: self.tr("Le patient arrive : connexion…")
            if waiting
            else self.tr("En attente du patient : il a été prévenu."),
            CallState.CONNECTING: self.tr("Connexion avec le patient…"),
            CallState.CONNECTED: self.tr("En communication"),
            CallState.RECONNECTING: self.tr("Connexion instable : reconnexion en cours…"),
            CallState.ENDED: self.tr("Appel terminé."),
        }
        return texts[state]

    def _on_service_state_changed(self, state: CallState) -> None:
        if self.service.active is not self.call and state is not CallState.ENDED:
            return
        self.window.set_state_text(self._state_text(state))
        waiting = self.call.conversation_id in self.service.waiting
        self.window.set_presence(waiting and state in (CallState.IDLE, CallState.WAITING))
        if state is CallState.CONNECTED:
            self.window.remote.set_placeholder(self.tr("Image du patient interrompue…"))

    def _on_service_stats_updated(self, stats: CallStats) -> None:
        if self.service.active is self.call:
            self.window.quality.show_stats(stats)

    def _on_service_presence_changed(self, change: tuple[str, bool]) -> None:
        if change[0] == self.call.conversation_id:
            self._on_service_state_changed(self.call.state)

    def _on_service_precheck_received(self, item: tuple[str, Precheck]) -> None:
        if item[0] == self.call.conversation_id:
            self._show_precheck(item[1])

    def _show_precheck(self, precheck: Precheck) -> None:
        self.window.set_precheck(precheck.summary, precheck.ok)

    def _on_service_device_failed(self, message: str) -> None:
        if self.service.active is self.call:
            self.window.show_notice(message)

    def _on_service_camera_availability_changed(self, available: bool) -> None:
        if self.service.active is self.call:
            if not available:
                self.call.local_video.clear()  # no frozen last picture in the preview
            self.window.set_camera_available(available)

    def _on_service_devices_switched(self, _devices: DevicePreferences) -> None:
        self._show_devices()

    def _show_devices(self) -> None:
        chosen = self.call.devices
        lists = self._lists
        cameras = [(d.label, d.target) for d in lists.cameras]
        if chosen.camera and chosen.camera not in {target for _label, target in cameras}:
            cameras.append((chosen.camera_label or chosen.camera, chosen.camera))  # chosen, not listed
        self.window.set_devices(
            cameras,
            [(d.label, d.target) for d in lists.microphones],
            [(d.label, d.target) for d in lists.speakers],
            (chosen.camera, chosen.microphone, chosen.speaker),
        )

    async def _refresh_devices(self) -> None:
        if self._list_devices is None:
            return
        self._lists = await asyncio.to_thread(self._list_devices)
        if self.service.active is self.call:
            self._show_devices()

    def _on_service_call_ended(self, call: ActiveCall) -> None:
        if call is not self.call:
            return
        remote = call.engine.end_reason is EndReason.REMOTE_HANGUP
        self.window.show_ended(self.tr("Le patient a raccroché.") if remote else self.tr("Appel terminé."))
        self.window.quality.reset()
        if remote:
            QTimer.singleShot(CLOSE_AFTER_MS, self.window.close)
        else:
            self.window.close()

    # ---------------------------------------------------------------- intents
    def _on_window_microphone_toggled(self, on: bool) -> None:
        self.service.set_microphone(on)

    def _on_window_camera_toggled(self, on: bool) -> None:
        self._runner.run(self.service.set_camera(on), name="call-camera")
        if not on:
            self.window.local.clear()

    def _on_window_devices_menu_shown(self) -> None:
        self._runner.run(self._refresh_devices(), name="call-devices-list")

    def _on_window_camera_change_requested(self, device: str, label: str) -> None:
        self._runner.run(self._switch(self.service.switch_camera(device, label)), name="call-camera-switch")

    def _on_window_microphone_change_requested(self, device: str) -> None:
        self._runner.run(self._switch(self.service.switch_microphone(device)), name="call-microphone-switch")

    def _on_window_speaker_change_requested(self, device: str) -> None:
        self.service.switch_speaker(device)
        self._show_devices()  # a refused switch puts the check mark back

    async def _switch(self, switching: Awaitable[bool]) -> None:
        await switching
        if self.service.active is self.call:
            self._show_devices()  # a refused switch puts the check mark back

    def _on_window_hangup_requested(self) -> None:
        self._runner.run(self.service.hang_up(), name="call-hangup")

    def _on_window_help_requested(self, slug: str) -> None:
        self._runner.run(self._preview_help(slug), name="call-help")

    async def _preview_help(self, slug: str) -> None:
        """« Aide patient »: show the message the patient will get; it is sent only on « Envoyer »."""
        page = await self._help_pages.page(slug)
        if page is None:
            self._messages.warning(self.tr("Cette page d'aide n'existe pas sur le serveur."))
            return
        if self.help_preview is not None:
            self.help_preview.close()
        dialog = HelpPreviewDialog(HelpPageService.snippet(page), self.window)
        dialog.accepted.connect(lambda p=page: self._runner.run(self._send_help(p), name="call-help-send"))
        dialog.finished.connect(self._on_help_preview_finished)
        self.help_preview = dialog
        dialog.open()

    def _on_help_preview_finished(self, _result: int) -> None:
        self.help_preview = None

    async def _send_help(self, page: HelpPagePublic) -> None:
        await self._help_pages.send(self.call.conversation_id, page)
        self._messages.info(self.tr("Aide envoyée au patient : %1").replace("%1", page.title))

    def _on_window_closed(self) -> None:
        if self.service.active is self.call:
            self._runner.run(self.service.hang_up(), name="call-hangup")
        self.dispose()

    def dispose(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        self.window.remote.set_sink(None)
        self.window.local.set_sink(None)
