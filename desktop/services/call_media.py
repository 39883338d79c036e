"""Which camera, microphone and speaker a call uses: the system's devices, or synthetic ones.

`teleconsult --fake-media` (and the tests) use the moving test pattern and a 440 Hz beep; the
real ones are the camera through PyAV (`desktop.video.devices`) and the microphone and speaker
through PortAudio (`desktop.video.audio_device`). Modules that load aiortc, av or PortAudio are
imported here only when a call starts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from desktop.domain.app_settings import AppSettings

if TYPE_CHECKING:
    import av

    from desktop.video.sources import AudioSource, VideoSource


class Speaker(Protocol):
    """An `AudioSink` with a device to open and close (`SoundDeviceSpeaker`, or a silent one)."""

    frames: int

    def open(self) -> None: ...
    def write(self, frame: av.AudioFrame) -> None: ...
    def close(self) -> None: ...


class SilentSpeaker:
    """Plays nothing (tests, benchmarks); counts frames like the engine's `NullAudioSink`."""

    def __init__(self) -> None:
        self.frames = 0
        self.samples = 0

    def open(self) -> None:
        return None

    def write(self, frame: av.AudioFrame) -> None:
        self.frames += 1
        self.samples += frame.samples

    def close(self) -> None:
        return None


@dataclass
class CallMedia:
    """The devices of one call; the engine opens and closes the two sources itself."""

    video: VideoSource
    audio: AudioSource
    speaker: Speaker


MediaFactory = Callable[[], CallMedia]
#: The devices of a choice made during a call (`CallService.switch_*` use one part of it).
ChoiceFactory = Callable[["DevicePreferences"], CallMedia]


@dataclass(frozen=True)
class DevicePreferences:
    """The practitioner's chosen devices ("" = the system's default), kept in the settings file."""

    camera: str = ""  # what FFmpeg opens (`Device.target`)
    camera_label: str = ""
    microphone: str = ""  # PortAudio device name
    speaker: str = ""

    @classmethod
    def of(cls, settings: AppSettings) -> DevicePreferences:
        return cls(settings.camera, settings.camera_label, settings.microphone, settings.speaker)


@dataclass(frozen=True)
class DeviceLists:
    """What can be chosen on this computer right now (`Device` objects of desktop.video)."""

    cameras: list[Any]
    microphones: list[Any]
    speakers: list[Any]


def list_device_choices() -> DeviceLists:
    """Cameras (PyAV), microphones and outputs (PortAudio). Blocking: run it in a thread."""
    from desktop.video.audio_device import list_audio_devices
    from desktop.video.devices import list_devices
    from desktop.video.errors import CAMERA, MICROPHONE, SPEAKER

    return DeviceLists(list_devices(CAMERA), list_audio_devices(MICROPHONE), list_audio_devices(SPEAKER))


def system_media(
    width: int = 1280, height: int = 720, preferences: DevicePreferences | None = None
) -> CallMedia:
    """The chosen (or default) camera through PyAV, microphone and speaker through PortAudio."""
    from desktop.video.audio_device import SoundDeviceMicrophone, SoundDeviceSpeaker
    from desktop.video.devices import Device, MediaChoice, open_media
    from desktop.video.errors import CAMERA

    prefs = preferences or DevicePreferences()
    camera = Device(CAMERA, prefs.camera_label or prefs.camera, prefs.camera) if prefs.camera else None
    video, _pyav_microphone = open_media(MediaChoice(camera=camera, width=width, height=height))
    return CallMedia(
        video, SoundDeviceMicrophone(device=prefs.microphone), SoundDeviceSpeaker(device=prefs.speaker)
    )


def synthetic_media(width: int = 1280, height: int = 720, *, speaker: bool = True) -> CallMedia:
    """`--fake-media`: test pattern and beep; remote audio still plays when `speaker` is True."""
    from desktop.video.audio_device import SoundDeviceSpeaker
    from desktop.video.sources import TestPatternSource, ToneSource

    return CallMedia(
        TestPatternSource(width, height), ToneSource(), SoundDeviceSpeaker() if speaker else SilentSpeaker()
    )


def media_factory(fake: bool, preferences: Callable[[], DevicePreferences] | None = None) -> MediaFactory:
    """What the app uses: synthetic media with `--fake-media`, the chosen devices otherwise.

    `preferences` is read when each call starts, so a choice made between calls applies.
    """
    if fake:
        return synthetic_media
    return lambda: system_media(preferences=preferences() if preferences is not None else None)


def choice_factory(fake: bool) -> ChoiceFactory:
    """Devices for a choice made during a call: only the part switched is opened.

    Building a `CallMedia` opens nothing (sources open when the engine takes them, the speaker when
    the service does), so the parts not switched cost nothing. `--fake-media` switches between
    synthetic devices.
    """
    if fake:
        return lambda _choice: synthetic_media()
    return lambda choice: system_media(preferences=choice)
