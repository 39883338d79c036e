"""Call audio through PortAudio (`sounddevice`): the patient's voice out, the practitioner's mic in.

They implement the engine's `AudioSink` and `AudioSource` ports, so nothing else knows about
PortAudio. `sounddevice` is imported when a call opens them, never before (it loads the PortAudio
library, which may be missing on a Linux machine without `libportaudio2`).

Both fail soft: no PortAudio, no output or input device, or a device refusing 48 kHz becomes a
`DeviceError` with a French message; the caller shows it and the call goes on without sound (the
speaker then only counts what it drops, the engine sends silence instead of the microphone).

- `SoundDeviceSpeaker`: 48 kHz s16 stereo; decoded frames go into a byte buffer that PortAudio's
  callback drains. Playback starts once 40 ms are buffered (and again after an underrun), and the
  buffer never holds more than 200 ms: when the network delivers a burst, the oldest audio goes,
  so delay cannot build up.
- `SoundDeviceMicrophone`: 48 kHz s16 mono, read by PortAudio's callback thread into a bounded
  queue (1 s), handed out as 20 ms `av.AudioFrame`s, the shape Opus wants.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import importlib
import logging
import threading
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import av
import numpy as np

from desktop.video.devices import Device
from desktop.video.errors import MICROPHONE, SPEAKER, DeviceError, DeviceNotFoundError
from desktop.video.sources import AUDIO_FRAME_SAMPLES, AUDIO_RATE

log = logging.getLogger(__name__)

BYTES_PER_SAMPLE = 2
OUT_CHANNELS = 2
PREBUFFER_S = 0.04
MAX_BUFFER_S = 0.2
IN_QUEUE_FRAMES = 50

NO_PORTAUDIO = (
    "Le son de l'appel n'est pas disponible : la bibliothèque audio PortAudio est absente de ce poste "
    "(paquet « libportaudio2 » sous Linux). L'appel continue sans le son."
)
NO_SPEAKER = (
    "Aucun haut-parleur ni casque n'est disponible : l'appel continue, mais vous n'entendrez pas le "
    "patient. Branchez un casque, puis rappelez."
)
NO_MICROPHONE = (
    "Aucun micro n'est disponible : l'appel continue, mais le patient ne vous entendra pas. "
    "Branchez un micro ou un casque, puis rappelez."
)

Loader = Callable[[], ModuleType]
# No PortAudio (DeviceError from the loader), or a host API that fails while listing.
_LIST_ERRORS: tuple[type[Exception], ...] = (
    DeviceError,
    OSError,
    RuntimeError,
    ValueError,
    TypeError,
    AttributeError,
)


def load_sounddevice() -> ModuleType:
    """Import `sounddevice` (and so PortAudio) now.

    Raises:
        DeviceError: PortAudio is missing or broken (French message).
    """
    try:
        return importlib.import_module("sounddevice")
    except (OSError, ImportError) as exc:
        log.warning("audio: PortAudio unavailable (%s)", type(exc).__name__)
        raise DeviceError(NO_PORTAUDIO, SPEAKER) from exc


def _device_failure(kind: str, exc: Exception) -> DeviceError:
    log.warning("audio: %s unavailable (%s)", kind, type(exc).__name__)
    return DeviceNotFoundError(NO_SPEAKER if kind == SPEAKER else NO_MICROPHONE, kind)


def _errors(module: ModuleType) -> tuple[type[Exception], ...]:
    port_audio = getattr(module, "PortAudioError", OSError)
    return (port_audio, OSError, ValueError, RuntimeError)


def list_audio_devices(kind: str, loader: Loader = load_sounddevice) -> list[Device]:
    """Microphones (`kind=MICROPHONE`) or outputs (`SPEAKER`) PortAudio knows, the default first.

    A device is named by its PortAudio name (what `device=` accepts); no PortAudio → an empty list.
    """
    try:
        module = loader()
        found = module.query_devices()
        default_in, default_out = module.default.device
    except _LIST_ERRORS:
        return []
    channels = "max_input_channels" if kind == MICROPHONE else "max_output_channels"
    default = default_in if kind == MICROPHONE else default_out
    devices = []
    for index, info in enumerate(found):
        if int(info.get(channels, 0)) > 0:
            name = str(info.get("name", ""))
            devices.append(Device(kind, name, name, index == default))
    return sorted(devices, key=lambda d: not d.is_default)


class SoundDeviceSpeaker:
    """An `AudioSink` playing remote audio on an output (the default one unless `device` names one)."""

    def __init__(self, loader: Loader = load_sounddevice, device: str | None = None) -> None:
        self._loader = loader
        self._device = device or None
        self._lock = threading.Lock()
        self._buffer = bytearray()
        self._playing = False
        self._stream: Any = None
        self._resampler = av.AudioResampler(format="s16", layout="stereo", rate=AUDIO_RATE)
        self.frames = 0
        self.samples = 0
        self.first_at: float | None = None
        self.underruns = 0
        self.dropped_bytes = 0

    @property
    def available(self) -> bool:
        return self._stream is not None

    def open(self) -> None:
        """Open and start the output stream.

        Raises:
            DeviceError: no PortAudio or no usable output device; the sink then drops audio.
        """
        if self._stream is not None:
            return
        module = self._loader()
        try:
            stream = module.RawOutputStream(
                device=self._device,
                samplerate=AUDIO_RATE,
                channels=OUT_CHANNELS,
                dtype="int16",
                blocksize=AUDIO_FRAME_SAMPLES,
                latency="low",
                callback=self._callback,
            )
            stream.start()
        except _errors(module) as exc:
            raise _device_failure(SPEAKER, exc) from exc
        self._stream = stream

    def write(self, frame: av.AudioFrame) -> None:
        self.frames += 1
        self.samples += frame.samples
        if self.first_at is None:
            self.first_at = time.monotonic()
        if self._stream is None:
            return
        frame.pts = None
        data = b"".join(out.to_ndarray().tobytes() for out in self._resampler.resample(frame))
        limit = int(MAX_BUFFER_S * AUDIO_RATE) * OUT_CHANNELS * BYTES_PER_SAMPLE
        with self._lock:
            self._buffer += data
            excess = len(self._buffer) - limit
            if excess > 0:
                excess += (-excess) % (OUT_CHANNELS * BYTES_PER_SAMPLE)  # whole samples only
                del self._buffer[:excess]
                self.dropped_bytes += excess

    def _callback(self, outdata: Any, frames: int, _time: Any, _status: Any) -> None:
        """PortAudio's thread: copy what is buffered, silence for the rest."""
        wanted = len(outdata)
        prebuffer = int(PREBUFFER_S * AUDIO_RATE) * OUT_CHANNELS * BYTES_PER_SAMPLE
        with self._lock:
            if not self._playing and len(self._buffer) >= prebuffer:
                self._playing = True
            chunk = b""
            if self._playing:
                chunk = bytes(self._buffer[:wanted])
                del self._buffer[:wanted]
                if len(chunk) < wanted:
                    self._playing = False
                    self.underruns += 1
        outdata[: len(chunk)] = chunk
        outdata[len(chunk) :] = bytes(wanted - len(chunk))

    def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.stop()
                stream.close()
        with self._lock:
            self._buffer.clear()
            self._playing = False


class SoundDeviceMicrophone:
    """An `AudioSource` reading an input (the default one unless `device` names one), 48 kHz mono."""

    def __init__(self, loader: Loader = load_sounddevice, device: str | None = None) -> None:
        self._loader = loader
        self._device = device or None
        self._lock = threading.Lock()
        self._pending = bytearray()
        self._queue: collections.deque[bytes] = collections.deque(maxlen=IN_QUEUE_FRAMES)
        self._stream: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake = asyncio.Event()
        self.frames = 0

    async def open(self) -> None:
        """Open and start the input stream.

        Raises:
            DeviceError: no PortAudio or no usable microphone (French message).
        """
        if self._stream is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        try:
            module = self._loader()
        except DeviceError as exc:
            raise DeviceError(exc.message, MICROPHONE) from exc
        try:
            stream = module.RawInputStream(
                device=self._device,
                samplerate=AUDIO_RATE,
                channels=1,
                dtype="int16",
                blocksize=AUDIO_FRAME_SAMPLES,
                latency="low",
                callback=self._callback,
            )
            stream.start()
        except _errors(module) as exc:
            raise _device_failure(MICROPHONE, exc) from exc
        self._stream = stream

    def _callback(self, indata: Any, frames: int, _time: Any, _status: Any) -> None:
        """PortAudio's thread: cut what arrives into 20 ms chunks and wake the reader."""
        size = AUDIO_FRAME_SAMPLES * BYTES_PER_SAMPLE
        with self._lock:
            self._pending += bytes(indata)
            while len(self._pending) >= size:
                self._queue.append(bytes(self._pending[:size]))
                del self._pending[:size]
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._wake.set)

    async def read(self) -> av.AudioFrame:
        while True:
            with self._lock:
                chunk = self._queue.popleft() if self._queue else None
            if chunk is not None:
                samples = np.frombuffer(chunk, dtype=np.int16).reshape(1, -1)
                frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
                frame.sample_rate = AUDIO_RATE
                self.frames += 1
                return frame
            if self._stream is None:
                raise DeviceNotFoundError(NO_MICROPHONE, MICROPHONE)
            self._wake.clear()
            await self._wake.wait()

    async def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.stop()
                stream.close()
        self._wake.set()
        with self._lock:
            self._queue.clear()
            self._pending.clear()
