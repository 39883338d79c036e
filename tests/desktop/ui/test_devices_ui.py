"""« Caméra, micro et haut-parleur » : the choice is listed, saved, and used by the next call."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.services.call_media import DeviceLists, DevicePreferences, media_factory
from desktop.storage.settings_store import SettingsStore
from desktop.ui.call.call_controller import CallController
from desktop.ui.call.devices_dialog import DevicesDialog
from desktop.video.capture import CameraCapture
from desktop.video.devices import Device
from desktop.video.errors import CAMERA, MICROPHONE, SPEAKER
from tests.desktop.services.harness import wait_for
from tests.desktop.ui.desktop_harness import open_desktop
from tests.helpers.factories import make_practitioner
from tests.helpers.live_server import LiveServer

LISTS = DeviceLists(
    cameras=[
        Device(CAMERA, "Webcam intégrée", "/dev/video0", True),
        Device(CAMERA, "Logitech C920", "/dev/video2"),
    ],
    microphones=[
        Device(MICROPHONE, "Micro intégré", "Micro intégré", True),
        Device(MICROPHONE, "Jabra", "Jabra"),
    ],
    speakers=[Device(SPEAKER, "Haut-parleurs", "Haut-parleurs", True), Device(SPEAKER, "Jabra", "Jabra")],
)


def visible_devices_dialog() -> DevicesDialog | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, DevicesDialog) and widget.isVisible():
            return widget
    return None


@pytest.mark.asyncio
async def test_devices_chosen_in_the_settings_menu_are_kept_for_the_next_call(
    sqlite_server: LiveServer, tmp_path: Path, qtbot: QtBot
) -> None:
    doctor = make_practitioner(sqlite_server)
    async with open_desktop(sqlite_server, doctor, tmp_path) as desktop:
        controller = CallController(desktop.window, desktop.workspace)
        controller.list_devices = lambda: LISTS  # the device-enumeration seam: this machine has none
        action = controller.devices_action
        assert action in desktop.window.settings_menu.actions()
        assert action.text() == "Caméra, micro et haut-parleur…"
        task = asyncio.ensure_future(controller.choose_devices())
        await wait_for(lambda: visible_devices_dialog() is not None)
        dialog = visible_devices_dialog()
        assert dialog is not None
        labels = [dialog.camera.itemText(i) for i in range(dialog.camera.count())]
        assert labels == ["Par défaut du système", "Webcam intégrée (par défaut)", "Logitech C920"]
        dialog.camera.setCurrentIndex(2)
        dialog.microphone.setCurrentIndex(dialog.microphone.findData("Jabra"))
        dialog.speaker.setCurrentIndex(dialog.speaker.findData("Jabra"))
        dialog.accept()
        chosen = await task
        assert chosen is not None and chosen.camera == "/dev/video2"
        settings = desktop.workspace.session.settings
        assert (settings.camera, settings.camera_label, settings.microphone, settings.speaker) == (
            "/dev/video2",
            "Logitech C920",
            "Jabra",
            "Jabra",
        )
        # The saved file holds it too (read back from disk, as the next start would).
        saved = SettingsStore(desktop.workspace.config.config_dir).load()
        assert (saved.camera, saved.microphone, saved.speaker) == ("/dev/video2", "Jabra", "Jabra")

        # The next call opens those devices (built, not opened: there is no camera here).
        media = media_factory(False, lambda: DevicePreferences.of(desktop.workspace.session.settings))()
        assert isinstance(media.video, CameraCapture)
        assert media.video.spec.target == "/dev/video2"
        assert media.audio._device == "Jabra"  # type: ignore[attr-defined]
        assert media.speaker._device == "Jabra"  # type: ignore[attr-defined]

        # Cancelling changes nothing.
        task = asyncio.ensure_future(controller.choose_devices())
        await wait_for(lambda: visible_devices_dialog() is not None)
        dialog = visible_devices_dialog()
        assert dialog is not None
        dialog.camera.setCurrentIndex(0)
        dialog.reject()
        assert await task is None
        assert desktop.workspace.session.settings.camera == "/dev/video2"
        await controller.service.close()
