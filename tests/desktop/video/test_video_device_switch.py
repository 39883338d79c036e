"""Devices replaced during a call (`LocalMedia.replace_video` / `replace_audio`), without a network.

The hard case is the read in progress: PyAV's capture, once closed, never delivers the frame a
pending `read()` waits for, so a switch (or the camera switched off) must end that read itself,
or the outgoing track would stall for good. A track really being stopped must still stop.
"""

from __future__ import annotations

import asyncio

import av
import pytest

from desktop.video.errors import CAMERA, DeviceNotFoundError, device_error
from desktop.video.sources import TestPatternSource, ToneSource
from desktop.video.tracks import LocalMedia
from tests.desktop.services.harness import wait_for

pytestmark = pytest.mark.asyncio


class _Sticks:
    """A device whose read hangs once `stuck` (as PyAV's capture does after `close()`)."""

    stuck = False
    waiting = False
    closed = False

    async def _hang_if_stuck(self) -> None:
        if self.stuck:
            self.waiting = True
            await asyncio.Event().wait()

    async def close(self) -> None:
        self.closed = True


class StuckCamera(_Sticks, TestPatternSource):
    def __init__(self) -> None:
        super().__init__(640, 480)

    async def read(self) -> av.VideoFrame:
        await self._hang_if_stuck()
        return await super().read()


class StuckMicrophone(_Sticks, ToneSource):
    def __init__(self, frequency: float) -> None:
        super().__init__(frequency, duty=1.0)

    async def read(self) -> av.AudioFrame:
        await self._hang_if_stuck()
        return await super().read()


class MissingCamera(TestPatternSource):
    async def open(self) -> None:
        raise device_error(CAMERA, FileNotFoundError())


async def _media() -> tuple[LocalMedia, StuckCamera, StuckMicrophone, list[str]]:
    camera, microphone = StuckCamera(), StuckMicrophone(440.0)
    errors: list[str] = []
    media = LocalMedia(camera, microphone, on_error=lambda e: errors.append(e.message))
    await media.open()
    return media, camera, microphone, errors


async def test_a_new_camera_ends_the_read_blocked_on_the_old_one() -> None:
    media, camera, _microphone, errors = await _media()
    assert (await media.next_video_frame()).width == 640
    camera.stuck = True
    pending = asyncio.ensure_future(media.next_video_frame())
    await wait_for(lambda: camera.waiting)
    await media.replace_video(TestPatternSource(320, 240))
    frame = await asyncio.wait_for(pending, 2)
    assert (frame.width, frame.height) == (320, 240)
    assert camera.closed and errors == []


async def test_switching_the_camera_off_ends_a_blocked_read_with_black() -> None:
    media, camera, _microphone, _errors = await _media()
    await media.next_video_frame()
    camera.stuck = True
    pending = asyncio.ensure_future(media.next_video_frame())
    await wait_for(lambda: camera.waiting)
    await media.set_camera(False)
    frame = await asyncio.wait_for(pending, 2)
    assert frame.to_ndarray(format="gray").max() <= 16  # black
    assert camera.closed


async def test_a_camera_that_cannot_be_opened_changes_nothing() -> None:
    media, camera, _microphone, _errors = await _media()
    with pytest.raises(DeviceNotFoundError) as raised:
        await media.replace_video(MissingCamera())
    assert raised.value.message == "Aucune caméra n'a été trouvée. Branchez la caméra, puis réessayez."
    assert media.video is camera and not camera.closed
    assert (await media.next_video_frame()).width == 640


async def test_a_new_microphone_ends_a_blocked_read_and_keeps_the_mute() -> None:
    media, _camera, microphone, _errors = await _media()
    media.set_microphone(False)
    microphone.stuck = True
    pending = asyncio.ensure_future(media.next_audio_frame())
    await wait_for(lambda: microphone.waiting)
    await media.replace_audio(StuckMicrophone(880.0))
    frame = await asyncio.wait_for(pending, 2)
    assert not frame.to_ndarray().any()  # still muted: silence
    assert microphone.closed
    media.set_microphone(True)
    assert (await media.next_audio_frame()).to_ndarray().any()


async def test_a_track_being_stopped_still_stops() -> None:
    media, camera, _microphone, _errors = await _media()
    camera.stuck = True
    pending = asyncio.ensure_future(media.next_video_frame())
    await wait_for(lambda: camera.waiting)
    pending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await pending
    await media.replace_video(TestPatternSource(320, 240))  # nothing left waiting on the old camera
    assert (await media.next_video_frame()).width == 320
