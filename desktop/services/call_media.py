"""Which camera, microphone and speaker a call uses: the system's devices, or synthetic ones.

`teleconsult --fake-media` (and the tests) use the moving test pattern and a 440 Hz beep; the
real ones are the camera through PyAV (`desktop.video.devices`) and the microphone and speaker
through PortAudio (`desktop.video.audio_device`). Modules that load aiortc, av or PortAudio are
imported here only when a call starts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

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


def system_media(width: int = 1280, height: int = 720) -> CallMedia:
    """The default camera (PyAV), microphone and speaker (PortAudio)."""
    from desktop.video.audio_device import SoundDeviceMicrophone, SoundDeviceSpeaker
    from desktop.video.devices import MediaChoice, open_media

    video, _pyav_microphone = open_media(MediaChoice(width=width, height=height))
    return CallMedia(video, SoundDeviceMicrophone(), SoundDeviceSpeaker())


def synthetic_media(width: int = 1280, height: int = 720, *, speaker: bool = True) -> CallMedia:
    """`--fake-media`: test pattern and beep; remote audio still plays when `speaker` is True."""
    from desktop.video.audio_device import SoundDeviceSpeaker
    from desktop.video.sources import TestPatternSource, ToneSource

    return CallMedia(
        TestPatternSource(width, height), ToneSource(), SoundDeviceSpeaker() if speaker else SilentSpeaker()
    )


def media_factory(fake: bool) -> MediaFactory:
    """What the app uses: synthetic media with `--fake-media`, the system's devices otherwise."""
    return synthetic_media if fake else system_media
