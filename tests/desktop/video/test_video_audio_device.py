"""Call audio through PortAudio: playback buffering, microphone frames, and failing soft.

The machines that run the tests have no sound card: PortAudio itself is exercised through a
stand-in module with the same stream classes (callbacks called as PortAudio's thread would), and
the real library is checked to fail with the French message when it finds no device.
"""

from __future__ import annotations

import asyncio
import importlib
import threading
import types
from typing import Any

import av
import numpy as np
import pytest
from video_loopback import MakeCall, wait_until

from desktop.video import audio_device
from desktop.video.audio_device import (
    NO_MICROPHONE,
    NO_PORTAUDIO,
    NO_SPEAKER,
    SoundDeviceMicrophone,
    SoundDeviceSpeaker,
    load_sounddevice,
)
from desktop.video.errors import MICROPHONE, SPEAKER, DeviceError

BLOCK = 960


class FakeStream:
    def __init__(self, fail: bool = False, **kwargs: Any) -> None:
        if fail:
            raise FakePortAudio.PortAudioError("Error querying device -1")
        self.kwargs = kwargs
        self.callback = kwargs["callback"]
        self.started = self.closed = False

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.started = False

    def close(self) -> None:
        self.closed = True


class FakePortAudio(types.ModuleType):
    """The part of `sounddevice` the adapters use."""

    class PortAudioError(Exception):
        pass

    def __init__(self, fail: bool = False) -> None:
        super().__init__("sounddevice")
        self.fail = fail
        self.streams: list[FakeStream] = []

    def RawOutputStream(self, **kwargs: Any) -> FakeStream:
        stream = FakeStream(self.fail, **kwargs)
        self.streams.append(stream)
        return stream

    RawInputStream = RawOutputStream


def _stereo_frame(value: int) -> av.AudioFrame:
    samples = np.full((1, BLOCK * 2), value, dtype=np.int16)
    frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="stereo")
    frame.sample_rate = 48_000
    return frame


def _pull(stream: FakeStream) -> bytes:
    out = bytearray(BLOCK * 2 * 2)
    stream.callback(out, BLOCK, None, None)
    return bytes(out)


def test_speaker_prebuffers_plays_in_order_and_never_holds_more_than_200_ms() -> None:
    module = FakePortAudio()
    speaker = SoundDeviceSpeaker(loader=lambda: module)
    speaker.open()
    (stream,) = module.streams
    assert stream.started and stream.kwargs["samplerate"] == 48_000 and stream.kwargs["channels"] == 2
    speaker.write(_stereo_frame(100))
    assert _pull(stream) == bytes(BLOCK * 4)  # 20 ms buffered: still waiting for 40 ms
    speaker.write(_stereo_frame(200))
    played = np.frombuffer(_pull(stream), dtype=np.int16)
    assert set(played.tolist()) == {100}
    assert set(np.frombuffer(_pull(stream), dtype=np.int16).tolist()) == {200}
    assert _pull(stream) == bytes(BLOCK * 4) and speaker.underruns == 1
    for n in range(30):  # a 600 ms burst: only the newest 200 ms are kept
        speaker.write(_stereo_frame(n))
    assert speaker.dropped_bytes == 20 * BLOCK * 4
    assert set(np.frombuffer(_pull(stream), dtype=np.int16).tolist()) == {20}
    assert speaker.frames == 32
    speaker.close()
    assert stream.closed and not speaker.available


@pytest.mark.asyncio
async def test_microphone_hands_out_20_ms_mono_frames_from_portaudio_s_thread() -> None:
    module = FakePortAudio()
    microphone = SoundDeviceMicrophone(loader=lambda: module)
    await microphone.open()
    (stream,) = module.streams
    assert stream.kwargs["channels"] == 1 and stream.kwargs["blocksize"] == BLOCK
    chunk = np.arange(BLOCK * 3 // 2, dtype=np.int16).tobytes()  # 30 ms in one callback

    def portaudio_thread() -> None:
        stream.callback(memoryview(chunk), BLOCK * 3 // 2, None, None)
        stream.callback(memoryview(chunk), BLOCK * 3 // 2, None, None)

    threading.Thread(target=portaudio_thread).start()
    first = await asyncio.wait_for(microphone.read(), 2)
    second = await asyncio.wait_for(microphone.read(), 2)
    for frame in (first, second):
        assert (frame.samples, frame.sample_rate, frame.layout.name, frame.format.name) == (
            BLOCK,
            48_000,
            "mono",
            "s16",
        )
    assert first.to_ndarray()[0, :3].tolist() == [0, 1, 2]
    # The 30 ms callbacks are cut on 20 ms boundaries: the second frame starts 960 samples in.
    assert second.to_ndarray()[0, 0] == BLOCK
    await microphone.close()
    assert stream.closed


def test_no_device_fails_soft_with_french_messages() -> None:
    module = FakePortAudio(fail=True)
    speaker = SoundDeviceSpeaker(loader=lambda: module)
    with pytest.raises(DeviceError) as raised:
        speaker.open()
    assert raised.value.message == NO_SPEAKER and raised.value.kind == SPEAKER
    speaker.write(_stereo_frame(1))  # the call goes on: frames are counted and dropped
    assert speaker.frames == 1 and not speaker.available

    async def open_microphone() -> None:
        await SoundDeviceMicrophone(loader=lambda: module).open()

    with pytest.raises(DeviceError) as raised:
        asyncio.run(open_microphone())
    assert raised.value.message == NO_MICROPHONE and raised.value.kind == MICROPHONE


def test_missing_portaudio_library_is_a_french_device_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_library(name: str) -> types.ModuleType:
        raise OSError("PortAudio library not found")

    monkeypatch.setattr(audio_device.importlib, "import_module", no_library)
    with pytest.raises(DeviceError) as raised:
        load_sounddevice()
    assert raised.value.message == NO_PORTAUDIO
    assert "libportaudio2" in NO_PORTAUDIO


def test_real_portaudio_without_a_sound_card() -> None:
    sounddevice = importlib.import_module("sounddevice")
    if len(sounddevice.query_devices()) > 0:
        pytest.skip("this machine has a sound card: opening it here would play or record")
    with pytest.raises(DeviceError) as raised:
        SoundDeviceSpeaker().open()
    assert raised.value.message == NO_SPEAKER


@pytest.mark.asyncio
async def test_decoded_call_audio_reaches_the_speaker(make_call: MakeCall) -> None:
    module = FakePortAudio()
    speaker = SoundDeviceSpeaker(loader=lambda: module)
    speaker.open()
    pair = await make_call(start=False)
    pair.offerer.engine.remote_audio = speaker  # before start(): sessions take it then
    await pair.start()
    await wait_until(lambda: speaker.frames >= 5, 10, "remote audio in the speaker")
    played = bytearray()
    for _ in range(75):  # 1.5 s of playback, as PortAudio would pull it: the beep is 200 ms a second
        played += _pull(module.streams[0])
        await asyncio.sleep(0.02)
    levels = np.abs(np.frombuffer(bytes(played), dtype=np.int16))
    assert levels.max() > 1000  # the answerer's 440 Hz beep, decoded from Opus, is played
    assert speaker.frames >= 50
    speaker.close()


class ListingPortAudio(FakePortAudio):
    """A stand-in that also lists devices, as `sounddevice.query_devices()` does."""

    def __init__(self) -> None:
        super().__init__()
        self.default = types.SimpleNamespace(device=(2, 1))

    def query_devices(self) -> list[dict[str, Any]]:
        return [
            {"name": "HDA Intel PCH: HDMI 0", "max_input_channels": 0, "max_output_channels": 8},
            {"name": "Casque USB", "max_input_channels": 0, "max_output_channels": 2},
            {"name": "Micro intégré", "max_input_channels": 2, "max_output_channels": 0},
            {"name": "Casque USB (micro)", "max_input_channels": 1, "max_output_channels": 0},
        ]


def test_audio_devices_listed_by_direction_default_first() -> None:
    module = ListingPortAudio()
    mics = audio_device.list_audio_devices(MICROPHONE, loader=lambda: module)
    outputs = audio_device.list_audio_devices(SPEAKER, loader=lambda: module)
    assert [(d.label, d.is_default) for d in mics] == [("Micro intégré", True), ("Casque USB (micro)", False)]
    assert [(d.label, d.is_default) for d in outputs] == [
        ("Casque USB", True),
        ("HDA Intel PCH: HDMI 0", False),
    ]


def test_no_portaudio_lists_nothing() -> None:
    def missing() -> types.ModuleType:
        raise DeviceError(NO_PORTAUDIO, SPEAKER)

    assert audio_device.list_audio_devices(SPEAKER, loader=missing) == []


@pytest.mark.asyncio
async def test_chosen_devices_are_the_ones_opened() -> None:
    module = ListingPortAudio()
    speaker = SoundDeviceSpeaker(loader=lambda: module, device="Casque USB")
    speaker.open()
    microphone = SoundDeviceMicrophone(loader=lambda: module, device="Casque USB (micro)")
    await microphone.open()
    assert [s.kwargs["device"] for s in module.streams] == ["Casque USB", "Casque USB (micro)"]
    default = SoundDeviceSpeaker(loader=lambda: module)
    default.open()
    assert module.streams[-1].kwargs["device"] is None  # PortAudio's default output
    speaker.close()
    await microphone.close()
    default.close()
