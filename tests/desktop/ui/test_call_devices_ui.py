"""The call screen's device menu (issue 13, item 6), with a real call through the real server.

« Appareils » lists cameras, microphones and outputs (« Par défaut du système » first, the one in
use checked); a choice switches the device without dropping the call (the patient's engine
receives the new camera) and is kept for the next calls; a camera that cannot be opened gives a
French message and changes nothing; a camera unplugged mid-call shows « Caméra indisponible ».
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from desktop.domain.call_state import CallState
from desktop.services.call_media import CallMedia, DeviceLists, DevicePreferences, SilentSpeaker
from desktop.video.adaptation import LADDER, scaled_size
from desktop.video.devices import Device
from desktop.video.errors import CAMERA, MICROPHONE, SPEAKER, device_error
from desktop.video.sources import TestPatternSource, ToneSource, VideoSource
from tests.desktop.services.harness import wait_for
from tests.desktop.ui.test_call_ui import call_desktop
from tests.helpers.live_server import LiveServer
from tests.helpers.sound_probe import UnpluggableCamera

LISTS = DeviceLists(
    [Device(CAMERA, "Webcam USB", "/dev/video2"), Device(CAMERA, "Caméra absente", "/dev/video7")],
    [Device(MICROPHONE, "Micro du casque", "Jabra")],
    [Device(SPEAKER, "Casque Jabra", "Jabra")],
)


class MissingCamera(TestPatternSource):
    async def open(self) -> None:
        raise device_error(CAMERA, FileNotFoundError())


def _entries(menu: QMenu) -> list[tuple[str, bool]]:
    return [(action.text(), action.isChecked()) for action in menu.actions()]


@pytest.mark.asyncio
async def test_device_menu_switches_during_the_call_and_a_lost_camera_shows(
    sqlite_server: LiveServer, tmp_path: Path, qtbot: QtBot
) -> None:
    cameras: list[UnpluggableCamera] = []

    def devices(choice: DevicePreferences) -> CallMedia:
        video: VideoSource
        if choice.camera == "/dev/video7":
            video = MissingCamera()
        else:
            camera = UnpluggableCamera(640, 360)
            cameras.append(camera)
            video = camera
        return CallMedia(video, ToneSource(), SilentSpeaker())

    async with call_desktop(sqlite_server, tmp_path) as (desktop, controller, patient, _conversation_id):
        controller.list_devices = lambda: LISTS
        service = controller.service
        service._devices = devices  # the camera/microphone/speaker seam of a choice made in the call
        qtbot.mouseClick(desktop.window.conversation.camera, Qt.MouseButton.LeftButton)
        await wait_for(lambda: controller.call_window is not None and service.active is not None)
        window, call = controller.call_window, service.active
        assert window is not None and call is not None
        engine = await patient.join(call.call_id)
        await wait_for(lambda: patient.remote.frames >= 10 and call.state is CallState.CONNECTED, 20)
        session = call.engine.session
        assert session is not None

        # The menu: keyboard reachable (tab order, Ctrl+Maj+A), named, three lists, default checked.
        button = window.devices_button
        assert button.accessibleName() == "Changer de caméra, de micro ou de haut-parleur"
        assert "Ctrl+Maj+A" in button.toolTip() and button.focusPolicy() != Qt.FocusPolicy.NoFocus
        assert [a.text() for a in window.devices_menu.actions()] == [
            "&Caméra",
            "&Micro",
            "&Haut-parleur ou casque",
        ]
        await wait_for(lambda: len(window.camera_menu.actions()) == 3)
        assert _entries(window.camera_menu) == [
            ("Par défaut du système", True),
            ("Webcam USB", False),
            ("Caméra absente", False),
        ]
        assert _entries(window.speaker_menu) == [("Par défaut du système", True), ("Casque Jabra", False)]

        # Another camera: the patient receives it (16:9) on the same connection; kept for next calls.
        window.camera_menu.actions()[1].trigger()
        sizes = {scaled_size(640, 360, h) for h in (360, *LADDER)}
        await wait_for(lambda: patient.remote.size in sizes, 20)
        assert call.engine.session is session and call.state is CallState.CONNECTED
        await wait_for(lambda: _entries(window.camera_menu)[1] == ("Webcam USB", True))
        settings = desktop.workspace.session.settings
        assert (settings.camera, settings.camera_label) == ("/dev/video2", "Webcam USB")

        # A camera that cannot be opened: said in French, the check mark and the camera stay.
        window.camera_menu.actions()[2].trigger()
        await wait_for(
            lambda: any("Aucune caméra n'a été trouvée" in m.text for m in desktop.workspace.messages.history)
        )
        assert _entries(window.camera_menu)[1:] == [("Webcam USB", True), ("Caméra absente", False)]
        assert call.devices.camera == "/dev/video2" and not cameras[-1].closed

        # Microphone and speaker through the menu too.
        window.microphone_menu.actions()[1].trigger()
        await wait_for(lambda: call.devices.microphone == "Jabra")
        window.speaker_menu.actions()[1].trigger()
        await wait_for(lambda: call.devices.speaker == "Jabra")
        assert _entries(window.speaker_menu)[1] == ("Casque Jabra", True)

        # The camera is unplugged mid-call: « Caméra indisponible », the call goes on with sound.
        assert not window.camera_state.isVisible()
        in_use = call.engine.media.video
        assert isinstance(in_use, UnpluggableCamera) and in_use in cameras
        in_use.unplug()
        await wait_for(lambda: window.camera_state.isVisible())
        assert window.camera_state.text() == "Caméra indisponible"
        assert window.local.frame_size is None  # no frozen picture in the preview
        assert "La caméra s'est déconnectée" in window.notice.text()
        heard = engine.remote_audio.frames  # type: ignore[attr-defined]
        await wait_for(lambda: engine.remote_audio.frames >= heard + 25)  # type: ignore[attr-defined]
        assert call.state is CallState.CONNECTED and call.engine.session is session
        # Plugged back in, « Caméra » off and on again: the picture is back.
        in_use.replug()
        qtbot.mouseClick(window.camera, Qt.MouseButton.LeftButton)
        await wait_for(lambda: call.engine.media.camera_on is False)
        qtbot.mouseClick(window.camera, Qt.MouseButton.LeftButton)
        await wait_for(lambda: not window.camera_state.isVisible())
        await wait_for(lambda: window.local.frame_size is not None)
        # Lost again; choosing a camera in the menu brings the picture back too.
        in_use.unplug()
        await wait_for(lambda: window.camera_state.isVisible())
        window.camera_menu.actions()[0].trigger()
        await wait_for(lambda: not window.camera_state.isVisible())
        await wait_for(lambda: window.local.frame_size is not None)
