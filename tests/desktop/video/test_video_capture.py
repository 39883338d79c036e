"""PyAV capture (driven by FFmpeg's lavfi test sources, as no camera exists here) and devices."""

from __future__ import annotations

import asyncio
import errno
import threading
from pathlib import Path
from typing import Any

import av
import pytest

from desktop.video import devices
from desktop.video.capture import CameraCapture, CaptureSpec, MicrophoneCapture
from desktop.video.devices import Device, MediaChoice, camera_spec, list_devices, open_media
from desktop.video.errors import (
    DeviceBusyError,
    DeviceError,
    DeviceNotFoundError,
    DevicePermissionError,
)
from desktop.video.sources import TestPatternSource, ToneSource


def capture_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.endswith("-capture")]


@pytest.mark.asyncio
async def test_camera_capture_reads_frames_keeps_the_newest_and_joins_its_thread() -> None:
    camera = CameraCapture(CaptureSpec("camera", "lavfi", "testsrc2=size=320x240:rate=30,realtime"))
    await camera.open()
    try:
        first = await camera.read()
        assert (first.width, first.height) == (320, 240)
        await asyncio.sleep(0.3)  # ~9 frames arrive meanwhile: only the newest is kept
        newest = await camera.read()
        assert newest.pts - first.pts >= 8
        assert capture_threads() == ["camera-capture"]
    finally:
        await camera.close()
    assert capture_threads() == []
    await camera.close()  # idempotent


@pytest.mark.asyncio
async def test_microphone_capture_resamples_to_48k_mono_20ms() -> None:
    mic = MicrophoneCapture(
        CaptureSpec("microphone", "lavfi", "sine=frequency=440:sample_rate=44100,arealtime")
    )
    await mic.open()
    try:
        frames = [await mic.read() for _ in range(10)]
    finally:
        await mic.close()
    assert {(f.samples, f.sample_rate, f.format.name, f.layout.name) for f in frames} == {
        (960, 48000, "s16", "mono")
    }
    assert capture_threads() == []


@pytest.mark.asyncio
async def test_a_device_that_stops_is_reported_as_disconnected() -> None:
    camera = CameraCapture(
        CaptureSpec("camera", "lavfi", "testsrc2=size=64x48:rate=30:duration=0.2,realtime")
    )
    await camera.open()
    with pytest.raises(DeviceNotFoundError, match="déconnectée"):
        for _ in range(100):
            await camera.read()
    await camera.close()


@pytest.mark.asyncio
async def test_missing_camera_gives_a_french_message() -> None:
    camera = CameraCapture(CaptureSpec("camera", "v4l2", "/dev/video-absente"))
    with pytest.raises(DeviceNotFoundError) as caught:
        await camera.open()
    assert caught.value.message == "Aucune caméra n'a été trouvée. Branchez la caméra, puis réessayez."
    assert capture_threads() == []


def refusing(exc: BaseException) -> Any:
    def opener(*args: Any, **kwargs: Any) -> Any:
        raise exc

    return opener


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("exc", "expected", "words"),
    [
        (OSError(errno.EBUSY, "busy"), DeviceBusyError, "déjà utilisée par une autre application"),
        (PermissionError(errno.EACCES, "denied"), DevicePermissionError, "a été refusé"),
        (OSError(errno.EIO, "io"), DeviceError, "Impossible d'utiliser la caméra"),
    ],
)
async def test_busy_and_forbidden_cameras_give_french_messages(
    exc: BaseException, expected: type[DeviceError], words: str
) -> None:
    camera = CameraCapture(
        CaptureSpec("camera", "v4l2", "/dev/video0", [{"input_format": "mjpeg"}, {}]), refusing(exc)
    )
    with pytest.raises(expected) as caught:
        await camera.open()
    assert type(caught.value) is expected
    assert words in str(caught.value)
    assert "/dev" not in str(caught.value)  # no device path in what the practitioner reads


@pytest.mark.asyncio
async def test_option_sets_are_tried_in_order() -> None:
    tried: list[dict[str, str]] = []

    def opener(target: str, *, format: str, options: dict[str, str]) -> Any:
        tried.append(options)
        if options.get("input_format") == "mjpeg":
            raise OSError(errno.EINVAL, "no mjpeg")
        return av.open("testsrc2=size=64x48:rate=30,realtime", format="lavfi")

    camera = CameraCapture(
        CaptureSpec("camera", "v4l2", "/dev/video0", [{"input_format": "mjpeg"}, {}]), opener
    )
    await camera.open()
    await camera.read()
    await camera.close()
    assert tried == [{"input_format": "mjpeg"}, {}]


def test_linux_camera_listing_skips_metadata_nodes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dev, sysfs = tmp_path / "dev", tmp_path / "sys"
    for name, index, label in [
        ("video0", 0, "Integrated Camera"),
        ("video1", 1, "Integrated Camera"),
        ("video2", 0, ""),
    ]:
        (dev / name).parent.mkdir(exist_ok=True)
        (dev / name).touch()
        (sysfs / name).mkdir(parents=True)
        (sysfs / name / "index").write_text(f"{index}\n")
        (sysfs / name / "name").write_text(f"{label}\n")
    monkeypatch.setattr(devices, "DEV", dev)
    monkeypatch.setattr(devices, "SYSFS_V4L", sysfs)
    found = list_devices("camera", platform="linux")
    assert [(d.label, d.target, d.is_default) for d in found] == [
        ("Integrated Camera", str(dev / "video0"), True),
        ("video2", str(dev / "video2"), False),
    ]


def test_microphones_always_offer_the_default() -> None:
    found = list_devices("microphone")
    assert found and found[0].target == "default" and found[0].is_default
    assert found[0].label == "Microphone par défaut"


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_other_platforms_list_without_crashing(platform: str) -> None:
    assert isinstance(list_devices("camera", platform=platform), list)
    assert isinstance(list_devices("microphone", platform=platform), list)


def test_camera_spec_prefers_mjpeg_720p_on_linux() -> None:
    spec = camera_spec(Device("camera", "Cam", "/dev/video0"))
    if spec.format == "v4l2":
        assert spec.attempts[0] == {"video_size": "1280x720", "framerate": "30", "input_format": "mjpeg"}
        assert spec.attempts[-1] == {}


def test_fake_media_is_synthetic() -> None:
    video, audio = open_media(MediaChoice(fake=True, width=640, height=360))
    assert isinstance(video, TestPatternSource) and (video.width, video.height) == (640, 360)
    assert isinstance(audio, ToneSource)
