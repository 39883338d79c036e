"""Devices changed during a call, inside the loopback-only namespace (issue 13, item 6).

The practitioner switches camera, microphone and speaker in the middle of a call with the
patient's page in headless chromium: the page sees the new camera and hears the new microphone
(a Web Audio analyser), the new speaker gets the patient's sound, and the call never drops (same
peer connection, nothing renegotiated). A camera unplugged mid-call (its capture raises) makes
« caméra indisponible », black video goes out and the sound goes on. The patient switches camera
and microphone with the page's own chooser (`enumerateDevices` + `replaceTrack`), and the speaker
(`setSinkId`), which a new connection keeps.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from desktop.domain.call_state import CallState
from desktop.services.call_media import CallMedia, DevicePreferences
from desktop.video.adaptation import LADDER, scaled_size
from desktop.video.errors import CAMERA, device_error
from desktop.video.sources import TestPatternSource, ToneSource, VideoSource
from tests.helpers.call_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DesktopSide,
    PatientPage,
    session_user,
    start_and_join,
    until,
)
from tests.helpers.factories import make_conversation, make_patient, make_practitioner
from tests.helpers.live_server import LiveServer
from tests.helpers.sound_probe import PageSoundProbe, RecordingSpeaker, UnpluggableCamera, bursts

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]


@pytest_asyncio.fixture
async def two_cameras() -> AsyncIterator[Any]:
    """Chromium with fake cameras to choose from (and its fake microphones) for the page's chooser.

    Its second fake camera delivers Y16 (a depth camera) that WebRTC does not encode: the third,
    MJPEG like most webcams, is the one switched to.
    """
    from playwright.async_api import async_playwright

    fake = "--use-fake-device-for-media-stream"
    args = [a for a in CHROMIUM_ARGS if not a.startswith(fake)] + [f"{fake}=device-count=3,fps=30"]
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        yield chromium
        await chromium.close()


class MissingCamera(TestPatternSource):
    """A camera chosen in the menu but gone meanwhile: opening it fails as PyAV's capture does."""

    async def open(self) -> None:
        raise device_error(CAMERA, FileNotFoundError())


class Devices:
    """The devices a choice opens (the camera, microphone and speaker seams), and what was made."""

    def __init__(self) -> None:
        self.speakers: list[RecordingSpeaker] = []

    def __call__(self, choice: DevicePreferences) -> CallMedia:
        video: VideoSource = MissingCamera() if choice.camera == "absente" else UnpluggableCamera(640, 360)
        speaker = RecordingSpeaker()
        self.speakers.append(speaker)
        return CallMedia(video, ToneSource(880.0, duty=1.0), speaker)


async def _call(
    server: LiveServer,
    browser: Any,
    video: VideoSource,
    speaker: RecordingSpeaker,
    devices: Devices | None = None,
) -> tuple[DesktopSide, PatientPage]:
    doctor, patient = make_practitioner(server), make_patient(server)
    conversation_id = make_conversation(server, doctor, patient)
    media = lambda: CallMedia(video, ToneSource(440.0, duty=1.0), speaker)  # noqa: E731
    desktop = await DesktopSide.connect(server.url, doctor.token, media=media, devices=devices)
    user = session_user(patient)
    page = await PatientPage.open(browser, server.url, conversation_id, patient.token, user)
    await start_and_join(desktop, page, conversation_id)
    return desktop, page


def _sizes(width: int, height: int) -> set[tuple[int, int]]:
    """A camera's size as sent: itself, or a step down when encoding cannot keep up (adaptation)."""
    return {scaled_size(width, height, h) for h in (height, *LADDER)}


async def _page_video(
    page: PatientPage, sizes: set[tuple[int, int]] | None, more_than: int = 0, timeout: float = 20
) -> dict[str, Any]:
    """The page's inbound video once it decodes frames of one of `sizes` (more than `more_than`)."""
    deadline = time.monotonic() + timeout
    while True:
        video = (await page.stats())["video"]
        size = (video.get("frameWidth"), video.get("frameHeight"))
        if (sizes is None or size in sizes) and video.get("framesDecoded", 0) > more_than:
            return dict(video)
        assert time.monotonic() < deadline, video
        await page.page.wait_for_timeout(100)


def _warnings(desktop: DesktopSide) -> list[str]:
    return [message.text for message in desktop.messages.history]


async def test_practitioner_switches_devices_mid_call_then_the_camera_is_unplugged(
    call_server: LiveServer, browser: Any
) -> None:
    devices = Devices()
    first_speaker = RecordingSpeaker()
    desktop, page = await _call(call_server, browser, TestPatternSource(640, 480), first_speaker, devices)
    try:
        call = desktop.service.active
        assert call is not None and call.engine.session is not None
        session = call.engine.session.id
        probe = PageSoundProbe(page.page)
        await probe.install()
        await probe.wait_steady_tone(440.0)
        await _page_video(page, _sizes(640, 480))

        # Microphone: the page hears the new one (880 Hz), and no longer the old one.
        switched_at = time.time() * 1000
        assert await desktop.service.switch_microphone("Micro USB")
        steady = await probe.wait_steady_tone(880.0, since_ms=switched_at)
        later = await probe.samples(steady[0]["t"])
        assert all(abs(s["hz"] - 880) < 10 for s in later if s["db"] > -40), later
        assert call.devices.microphone == "Micro USB"

        # Camera: the page decodes the new camera's 16:9 picture on the same connection.
        assert await desktop.service.switch_camera("/dev/video9", "Webcam USB")
        video = await _page_video(page, _sizes(640, 360))
        assert call.devices.camera_label == "Webcam USB"

        # A camera that cannot be opened: a French message, the current camera goes on.
        assert not await desktop.service.switch_camera("absente")
        assert "Aucune caméra n'a été trouvée. Branchez la caméra, puis réessayez." in _warnings(desktop)
        await _page_video(page, _sizes(640, 360), more_than=video["framesDecoded"] + 30)
        assert call.devices.camera == "/dev/video9"

        # Speaker: the patient's sound goes to the new output; the old one is closed.
        assert desktop.service.switch_speaker("Casque")
        speaker = devices.speakers[-1]
        assert call.speaker is speaker and speaker.opened and first_speaker.closed
        before = first_speaker.frames
        await until(lambda: speaker.frames >= 50, 10, "the patient's sound on the new speaker")
        assert first_speaker.frames <= before + 1  # at most a frame already on its way

        # The camera is unplugged mid-call (its capture raises): « caméra indisponible », black
        # frames keep the picture's stream alive, and the sound goes on both ways.
        lost: list[bool] = []
        desktop.service.camera_availability_changed.connect(lost.append)
        camera = call.engine.media.video
        assert isinstance(camera, UnpluggableCamera)
        decoded = (await page.stats())["video"]["framesDecoded"]
        camera.unplug()
        unplugged_at = time.time() * 1000
        await until(lambda: not call.camera_available, 5, "the camera reported unavailable")
        assert lost == [False]
        assert "La caméra s'est déconnectée. Rebranchez-la pour être vu." in _warnings(desktop)
        await _page_video(page, _sizes(640, 360), more_than=decoded + 20)
        await probe.wait_steady_tone(880.0, since_ms=unplugged_at + 200)
        heard = speaker.frames
        await until(lambda: speaker.frames >= heard + 50, 10, "the patient's sound after the camera failed")

        # The call never dropped: same peer connection, connected all along.
        assert call.engine.session is not None and call.engine.session.id == session
        assert call.engine.state is CallState.CONNECTED
        assert page.problems == []
    finally:
        await page.close()
        await desktop.close()


IN_USE = (
    "(kind) => window.teleconsultCall.stream.getTracks().find((t) => t.kind === kind).getSettings().deviceId"
)
# The page's media elements that play the audio track received on the current connection, as
# « class:sinkId » (the output each sends it to).
PLAYERS = """() => {
  const receivers = window.teleconsultCall.peer.pc.getReceivers();
  const heard = receivers.map((r) => r.track).filter((t) => t.kind === "audio");
  return [...document.querySelectorAll("audio, video")]
    .filter((m) => m.srcObject && m.srcObject.getAudioTracks().some((t) => heard.includes(t)))
    .map((m) => `${m.className}:${m.sinkId}`);
}"""


async def _page_audio(page: PatientPage, more_than: int, timeout: float = 15) -> int:
    """The page's received audio packets once they exceed `more_than`."""
    deadline = time.monotonic() + timeout
    while True:
        received = int((await page.stats())["audio"].get("packetsReceived", 0))
        if received > more_than:
            return received
        assert time.monotonic() < deadline, f"no audio on the page beyond {more_than} packets"
        await page.page.wait_for_timeout(100)


async def test_patient_switches_camera_microphone_and_speaker_with_the_page_chooser(
    call_server: LiveServer, two_cameras: Any
) -> None:
    """Real: the call, chromium's fake devices (three cameras, three microphones, three outputs:
    « Fake Default Audio Output », « Fake Audio Output 1 » and « 2 ») and its `setSinkId`. Nothing
    stood in. What comes out of a fake output cannot be heard: the test reads back `sinkId` on the
    element that plays the received audio track."""
    speaker = RecordingSpeaker()
    desktop, page = await _call(call_server, two_cameras, TestPatternSource(640, 480), speaker)
    try:
        call = desktop.service.active
        assert call is not None and call.engine.session is not None
        session = call.engine.session.id
        chooser = page.page.get_by_role("group", name="Changer d'appareil pendant l'appel")
        await chooser.wait_for()
        cameras = page.page.get_by_label("Caméra", exact=True)
        microphones = page.page.get_by_label("Micro", exact=True)
        camera_ids = await cameras.locator("option").evaluate_all("(options) => options.map((o) => o.value)")
        microphone_ids = await microphones.locator("option").evaluate_all(
            "(options) => options.map((o) => o.value)"
        )
        assert len(camera_ids) == 3 and len(microphone_ids) >= 2, (camera_ids, microphone_ids)
        camera, microphone = (
            await page.page.evaluate(IN_USE, "video"),
            await page.page.evaluate(IN_USE, "audio"),
        )
        assert await cameras.input_value() == camera and await microphones.input_value() == microphone

        # Another camera, chosen with the keyboard-reachable list: the desktop keeps receiving video.
        other_camera = camera_ids[2]
        assert other_camera != camera
        await cameras.select_option(other_camera)
        await page.page.wait_for_function(f"() => ({IN_USE})('video') === {other_camera!r}")
        frames = call.remote_video.frames
        await until(
            lambda: call.remote_video.frames >= frames + 30, 15, "the desktop's video after the switch"
        )

        # Another microphone: the desktop still hears the fake microphone's 400 Hz beeps.
        other_microphone = next(i for i in microphone_ids if i != microphone)
        await microphones.select_option(other_microphone)
        await page.page.wait_for_function(f"() => ({IN_USE})('audio') === {other_microphone!r}")
        since = speaker.samples
        await until(
            lambda: speaker.samples > since + 1.2 * 48_000, 15, "the patient's sound after the switch"
        )
        beeps = bursts(speaker, since)
        assert len(beeps) >= 2 and all(abs(b.frequency - 400) < 20 for b in beeps), beeps

        # Another speaker: the practitioner's sound goes to it (the one element that plays it, the
        # remote video), and keeps arriving on the same connection.
        speakers = page.page.get_by_label("Haut-parleur", exact=True)
        speaker_ids = await speakers.locator("option").evaluate_all(
            "(options) => options.map((o) => o.value)"
        )
        assert len(speaker_ids) == 3 and await speakers.input_value() == "default", speaker_ids
        assert await page.page.evaluate(PLAYERS) == ["call-remote:"]  # the default output
        chosen = speaker_ids[2]
        await speakers.select_option(chosen)
        await page.page.wait_for_function(f"() => ({PLAYERS})().join() === 'call-remote:{chosen}'")
        assert await speakers.input_value() == chosen
        heard_packets = await _page_audio(page, 0)
        await _page_audio(page, heard_packets + 50)

        # One stream, the old tracks released, the call never renegotiated.
        tracks = await page.page.evaluate(
            "() => window.teleconsultCall.stream.getTracks().map((t) => t.kind + ':' + t.readyState)"
        )
        assert sorted(tracks) == ["audio:live", "video:live"]
        assert await page.page.locator(".call-device-problem").is_hidden()
        assert call.engine.session is not None and call.engine.session.id == session

        # The patient's camera goes away (its track ends, as when unplugged): said, the call goes on.
        await page.page.evaluate(
            "() => window.teleconsultCall.stream.getVideoTracks()[0].dispatchEvent(new Event('ended'))"
        )
        await page.page.get_by_role("alert").filter(has_text="Votre caméra s'est déconnectée").wait_for()
        heard = speaker.frames
        await until(lambda: speaker.frames >= heard + 25, 10, "the patient's sound after the camera went")
        assert call.engine.state is CallState.CONNECTED

        # A new connection (the page asks for one, as when its network changed): a new
        # RTCPeerConnection and new received tracks, played on the speaker chosen before.
        old_session = await page.page.evaluate("() => window.teleconsultCall.peer.session")
        await page.page.evaluate(
            "() => window.teleconsultCall.send({type: 'call.renegotiate',"
            " call_id: window.teleconsultCall.call.id, reason: 'test'})"
        )
        await page.page.wait_for_function(
            "(old) => { const peer = window.teleconsultCall.peer;"
            " return peer.session !== old && peer.pc && peer.pc.connectionState === 'connected'; }",
            arg=old_session,
            timeout=20_000,
        )
        await _page_audio(page, 50)  # counted on the new connection
        assert await page.page.evaluate(PLAYERS) == [f"call-remote:{chosen}"]
        assert await speakers.input_value() == chosen
        assert call.engine.session is not None and call.engine.session.id != session
        assert page.problems == []
    finally:
        await page.close()
        await desktop.close()
