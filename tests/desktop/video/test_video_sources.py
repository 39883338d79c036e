"""Synthetic sources, the clock marker, the latest-frame sink and the outgoing tracks."""

from __future__ import annotations

import asyncio
import time

import av
import numpy as np
import pytest
from aiortc.mediastreams import MediaStreamError

from desktop.video.adaptation import ResolutionController
from desktop.video.errors import DeviceNotFoundError
from desktop.video.sinks import LatestFrameSink
from desktop.video.sources import (
    AUDIO_FRAME_SAMPLES,
    TestPatternSource,
    ToneSource,
    marker_age_ms,
    marker_now,
    read_marker,
)
from desktop.video.tracks import LocalMedia, OutgoingAudioTrack, OutgoingVideoTrack


def test_pattern_moves_and_is_textured() -> None:
    source = TestPatternSource(320, 240)
    first = source.make_frame(0, marker=1).to_ndarray(format="gray").astype(int)
    second = source.make_frame(1, marker=1).to_ndarray(format="gray").astype(int)
    assert first.shape == (240, 320)
    assert np.abs(first - second).mean() > 2  # it moves
    assert first[100:, :].std() > 20  # and is not flat: the encoder has real work


@pytest.mark.parametrize("size", [(640, 480), (1280, 720)])
def test_marker_survives_vp8_and_downscaling(size: tuple[int, int]) -> None:
    width, height = size
    source = TestPatternSource(width, height)
    encoder = av.CodecContext.create("libvpx", "w")
    encoder.width, encoder.height, encoder.pix_fmt, encoder.bit_rate = (
        width // 2,
        height // 2,
        "yuv420p",
        300_000,
    )
    decoder = av.CodecContext.create("libvpx", "r")
    values = [12345, 1, (1 << 20) - 1]
    decoded: list[int | None] = []
    for i, value in enumerate(values):
        frame = source.make_frame(i, marker=value).reformat(width=width // 2, height=height // 2)
        frame.pts = i
        for packet in encoder.encode(frame):
            decoded += [read_marker(f, height) for f in decoder.decode(packet)]
    for packet in encoder.encode(None):
        decoded += [read_marker(f, height) for f in decoder.decode(packet)]
    assert decoded == values


def test_marker_measures_age_and_rejects_garbage() -> None:
    value = marker_now()
    time.sleep(0.02)
    assert 15 <= marker_age_ms(value) < 1000
    blank = av.VideoFrame.from_ndarray(np.full((240, 320), 128, np.uint8), format="gray")
    assert read_marker(blank, 240) in (None, 0)  # all-grey reads as zeros: checksum 0 is valid
    noisy = av.VideoFrame.from_ndarray(
        np.random.default_rng(3).integers(0, 255, (240, 320), np.uint8), "gray"
    )
    assert read_marker(noisy, 240) is None or isinstance(read_marker(noisy, 240), int)


@pytest.mark.asyncio
async def test_sources_pace_themselves() -> None:
    video, audio = TestPatternSource(160, 120, fps=50), ToneSource()
    started = time.monotonic()
    for _ in range(10):
        await video.read()
    assert 0.15 < time.monotonic() - started < 0.5
    frames = [await audio.read() for _ in range(10)]
    assert all(f.samples == AUDIO_FRAME_SAMPLES and f.sample_rate == 48_000 for f in frames)
    assert frames[0].format.name == "s16" and frames[0].layout.name == "mono"
    assert np.abs(frames[0].to_ndarray()).max() > 1000  # the beep starts each second


def test_latest_frame_sink_keeps_only_the_newest() -> None:
    wakes: list[None] = []
    sink = LatestFrameSink(on_frame=lambda: wakes.append(None))
    source = TestPatternSource(64, 48)
    frames = [source.make_frame(i) for i in range(3)]
    for frame in frames:
        sink.put(frame)
    assert sink.take() is frames[2]
    assert sink.take() is None  # nothing new to paint
    assert sink.latest is frames[2] and sink.size == (64, 48)
    assert (sink.frames, sink.dropped, len(wakes)) == (3, 2, 3)
    sink.clear()
    assert sink.latest is None


class FailingCamera(TestPatternSource):
    async def read(self) -> av.VideoFrame:
        raise DeviceNotFoundError("La caméra s'est déconnectée.", "camera")


@pytest.mark.asyncio
async def test_video_track_scales_to_the_controller_and_stamps_monotonic_pts() -> None:
    controller = ResolutionController()
    preview = LatestFrameSink()
    media = LocalMedia(
        TestPatternSource(1280, 720, fps=100), ToneSource(), preview=preview, controller=controller
    )
    await media.open()
    track = OutgoingVideoTrack(media)
    first = await track.recv()
    assert (first.width, first.height) == (1280, 720)
    for t in range(80):  # 2.6 s at 30 ms per frame: over budget
        controller.observe(30.0, t / 30)
    second = await track.recv()
    assert (second.width, second.height) == (960, 540)
    assert preview.size == (1280, 720)  # the preview shows the camera, not what is sent
    assert second.pts > first.pts and second.time_base == first.time_base
    assert media.sent_size == (960, 540) and media.frames_sent == 2


@pytest.mark.asyncio
async def test_camera_off_sends_black_and_a_lost_camera_is_reported() -> None:
    errors: list[Exception] = []
    media = LocalMedia(FailingCamera(320, 240), ToneSource(), on_error=errors.append)
    await media.open()
    track = OutgoingVideoTrack(media)
    frame = await track.recv()
    assert [type(e) for e in errors] == [DeviceNotFoundError]
    assert "déconnectée" in str(errors[0])
    assert frame.to_ndarray(format="gray").max() <= 20  # black
    await media.set_camera(False)
    await media.set_camera(True)  # reopening the (fake) device works again
    assert media.camera_on


@pytest.mark.asyncio
async def test_muted_microphone_sends_continuous_silence() -> None:
    media = LocalMedia(TestPatternSource(64, 48), ToneSource())
    await media.open()
    track = OutgoingAudioTrack(media)
    loud = await track.recv()
    media.set_microphone(False)
    silent = await track.recv()
    assert np.abs(loud.to_ndarray()).max() > 1000
    assert np.abs(silent.to_ndarray()).max() == 0
    assert silent.pts == loud.pts + loud.samples  # no gap in the timestamps
    track.stop()
    with pytest.raises(MediaStreamError):
        await asyncio.wait_for(track.recv(), 1)
