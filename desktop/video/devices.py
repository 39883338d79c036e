"""Cameras and microphones: listing, choice, and opening them (or synthetic stand-ins).

FFmpeg's capture input differs per system: v4l2 (cameras) and ALSA (microphones) on Linux,
avfoundation on macOS, dshow on Windows. PyAV >= 14 lists devices with
`av.enumerate_input_devices(format)`; where FFmpeg cannot enumerate (v4l2 and ALSA in the PyPI
wheel answer []), Linux falls back on /dev/video* with the names in sysfs, and on the ALSA
"default" device plus the cards in /proc/asound. macOS and Windows fall back on the system's
default device.

Nothing here is Qt: the device menu of the call screen shows `Device.label` and passes the
chosen `Device` back to `open_media`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import av

from desktop.video.capture import CameraCapture, CaptureSpec, MicrophoneCapture
from desktop.video.errors import CAMERA, MICROPHONE
from desktop.video.sources import AudioSource, TestPatternSource, ToneSource, VideoSource

log = logging.getLogger(__name__)

DEV = Path("/dev")
SYSFS_V4L = Path("/sys/class/video4linux")
PROC_ASOUND = Path("/proc/asound/cards")


@dataclass(frozen=True, slots=True)
class Device:
    """A capture device as the settings and call screens show it."""

    kind: str  # "camera" or "microphone"
    label: str  # shown to the practitioner
    target: str  # what FFmpeg opens
    is_default: bool = False


def backend(platform: str | None = None) -> tuple[str, str]:
    """The FFmpeg input formats (camera, microphone) for a platform (`sys.platform` by default)."""
    platform = platform or sys.platform
    if platform == "darwin":
        return "avfoundation", "avfoundation"
    if platform.startswith("win"):
        return "dshow", "dshow"
    return "v4l2", "alsa"


def _enumerate(fmt: str, media: str) -> list[Device]:
    kind = CAMERA if media == "video" else MICROPHONE
    try:
        infos = av.enumerate_input_devices(fmt)
    except (ValueError, av.FFmpegError, AttributeError):  # unknown format, or no enumeration support
        return []
    return [
        Device(kind, info.description or info.name, info.name, info.is_default)
        for info in infos
        if not info.media_types or media in info.media_types
    ]


def _linux_cameras() -> list[Device]:
    devices: list[Device] = []
    for node in sorted(DEV.glob("video*"), key=lambda p: (len(p.name), p.name)):
        label = node.name
        with contextlib.suppress(OSError, ValueError):
            # UVC cameras expose a second node (index 1) for metadata, which cannot capture.
            if int((SYSFS_V4L / node.name / "index").read_text(encoding="utf-8")) != 0:
                continue
        with contextlib.suppress(OSError):
            label = (SYSFS_V4L / node.name / "name").read_text(encoding="utf-8").strip() or label
        devices.append(Device(CAMERA, label, str(node), is_default=not devices))
    return devices


def _linux_microphones() -> list[Device]:
    devices = [Device(MICROPHONE, "Microphone par défaut", "default", is_default=True)]
    with contextlib.suppress(OSError):
        for line in PROC_ASOUND.read_text(encoding="utf-8").splitlines():
            number, _, rest = line.strip().partition(" ")
            if number.isdigit() and "]: " in rest:
                devices.append(Device(MICROPHONE, rest.split("]: ", 1)[1].strip(), f"hw:{number}"))
    return devices


def list_devices(kind: str, platform: str | None = None) -> list[Device]:
    """Cameras (`kind="camera"`) or microphones (`"microphone"`), default first."""
    video_fmt, audio_fmt = backend(platform)
    platform = platform or sys.platform
    if kind == CAMERA:
        found = _enumerate(video_fmt, "video")
        if not found and video_fmt == "v4l2":
            found = _linux_cameras()
        if not found and video_fmt == "avfoundation":
            found = [Device(CAMERA, "Caméra par défaut", "default", True)]
    else:
        if audio_fmt == "alsa":
            _fix_alsa_config()
        found = _enumerate(audio_fmt, "audio")
        if audio_fmt == "alsa":
            # ALSA also lists its "null" sink, and may not mark "default" as the default.
            found = [d for d in found if d.target not in ("null", "default")]
            found = _linux_microphones()[:1] + found if found else _linux_microphones()
        if not found and audio_fmt == "avfoundation":
            found = [Device(MICROPHONE, "Microphone par défaut", "default", True)]
    return sorted(found, key=lambda d: not d.is_default)


def _fix_alsa_config() -> None:
    # The PyPI av wheel's bundled alsa-lib looks for its configuration under a build path
    # (/tmp/vendor/share/alsa) and fails; point it at the system's (video-stack.md §5).
    system = Path("/usr/share/alsa/alsa.conf")
    if "ALSA_CONFIG_PATH" not in os.environ and system.exists():
        os.environ["ALSA_CONFIG_PATH"] = str(system)


def camera_spec(device: Device, width: int = 1280, height: int = 720, fps: int = 30) -> CaptureSpec:
    """How to open a camera at `width`x`height`@`fps`, with fallbacks to what it can do."""
    fmt, _ = backend()
    size = {"video_size": f"{width}x{height}", "framerate": str(fps)}
    if fmt == "v4l2":
        # Most UVC cameras give 720p30 only in MJPEG; raw YUYV tops out at ~10 fps over USB 2.
        attempts = [{**size, "input_format": "mjpeg"}, size, {}]
        return CaptureSpec(CAMERA, fmt, device.target, attempts)
    if fmt == "avfoundation":
        # avfoundation wants "video:audio"; its frame rates must match a mode exactly.
        target = device.target if ":" in device.target else f"{device.target}:none"
        attempts = [size, {**size, "framerate": "29.97"}, {"framerate": str(fps)}, {}]
        return CaptureSpec(CAMERA, fmt, target, attempts)
    target = device.target if device.target.startswith("video=") else f"video={device.target}"
    return CaptureSpec(CAMERA, fmt, target, [size, {}])


def microphone_spec(device: Device) -> CaptureSpec:
    _, fmt = backend()
    if fmt == "avfoundation":
        target = device.target if ":" in device.target else f"none:{device.target}"
    elif fmt == "dshow":
        target = device.target if device.target.startswith("audio=") else f"audio={device.target}"
    else:
        _fix_alsa_config()
        target = device.target
    return CaptureSpec(MICROPHONE, fmt, target, [{"sample_rate": "48000", "channels": "1"}, {}])


@dataclass(frozen=True, slots=True)
class MediaChoice:
    """What the practitioner chose in the settings; `fake` is `teleconsult --fake-media`."""

    camera: Device | None = None
    microphone: Device | None = None
    fake: bool = False
    width: int = 1280
    height: int = 720


def open_media(choice: MediaChoice) -> tuple[VideoSource, AudioSource]:
    """Sources for a call (not opened yet: the engine opens them when the call starts).

    Without a chosen device, the system's default is used; with none at all, the camera source
    still fails at open with a French "no camera found" error, which the call screen shows.
    """
    if choice.fake:
        return TestPatternSource(choice.width, choice.height), ToneSource()
    camera = choice.camera or next(iter(list_devices(CAMERA)), None)
    microphone = choice.microphone or next(iter(list_devices(MICROPHONE)), None)
    fmt_video, fmt_audio = backend()
    video = CameraCapture(
        camera_spec(camera, choice.width, choice.height)
        if camera
        else CaptureSpec(CAMERA, fmt_video, "/dev/video0" if fmt_video == "v4l2" else "default")
    )
    audio = MicrophoneCapture(
        microphone_spec(microphone) if microphone else CaptureSpec(MICROPHONE, fmt_audio, "default")
    )
    return video, audio
