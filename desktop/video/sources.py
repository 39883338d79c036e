"""Media source ports, and the synthetic sources used by tests and ``teleconsult --fake-media``.

A source is opened once per call and outlives the peer connections of that call: when the call
renegotiates, new aiortc tracks wrap the same sources. `read()` returns the next frame, paced by
the source itself (the camera's clock, or a timer here); timestamps are the track's business.

The test pattern is cheap to make (slices of a precomputed texture, ~0.5 ms at 720p) but not
trivial to encode: a panning textured background and a moving box, so codec cost is realistic.
Its top-left corner carries a marker, 20 bits of the sender's monotonic clock (ms) plus a 4-bit
checksum, drawn as large black/white blocks that survive VP8 and downscaling: a receiver in the
same machine reads it back with `read_marker` to measure glass-to-glass latency.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Protocol

import av
import numpy as np
from numpy.typing import NDArray

AUDIO_RATE = 48_000
AUDIO_FRAME_SAMPLES = 960  # 20 ms, Opus' frame

_MARKER_BITS = 24
_MARKER_COLUMNS = 12
_WHITE, _BLACK = 235, 16


class VideoSource(Protocol):
    """A camera-like source of `av.VideoFrame` (any pixel format; the encoder converts)."""

    async def open(self) -> None:
        """Acquire the device. Raises `DeviceError` with a French message."""

    async def read(self) -> av.VideoFrame:
        """The next frame, waiting for it. Raises `DeviceError` if the device was lost."""

    async def close(self) -> None:
        """Release the device; idempotent."""


class AudioSource(Protocol):
    """A microphone-like source of 48 kHz s16 `av.AudioFrame` (mono or stereo)."""

    async def open(self) -> None: ...

    async def read(self) -> av.AudioFrame: ...

    async def close(self) -> None: ...


class Pacer:
    """Sleeps until the next frame time; after a stall it skips ahead rather than bursting."""

    def __init__(self, interval: float) -> None:
        self._interval = interval
        self._next: float | None = None

    async def wait(self) -> None:
        now = time.monotonic()
        if self._next is None or now - self._next > self._interval:
            self._next = now
        elif self._next > now:
            await asyncio.sleep(self._next - now)
        self._next += self._interval


def _marker_blocks(value: int) -> list[int]:
    value &= (1 << 20) - 1
    checksum = sum((value >> shift) & 0xF for shift in range(0, 20, 4)) & 0xF
    word = (value << 4) | checksum
    return [(word >> (_MARKER_BITS - 1 - i)) & 1 for i in range(_MARKER_BITS)]


def _block_size(height: int) -> int:
    return max(8, height // 30)


def draw_marker(luma: NDArray[np.uint8], value: int) -> None:
    """Draw `value` (20 bits kept) as blocks in the top-left corner of a luma plane."""
    size = _block_size(luma.shape[0])
    for i, bit in enumerate(_marker_blocks(value)):
        row, col = divmod(i, _MARKER_COLUMNS)
        luma[row * size : (row + 1) * size, col * size : (col + 1) * size] = _WHITE if bit else _BLACK


def read_marker(frame: av.VideoFrame, source_height: int) -> int | None:
    """The marker drawn by `draw_marker` on a frame of `source_height` lines, even if rescaled.

    Returns None when the corner does not hold a valid marker (checksum mismatch).
    """
    luma = frame.to_ndarray(format="gray")
    scale = frame.height / source_height
    size = _block_size(source_height) * scale
    word = 0
    for i in range(_MARKER_BITS):
        row, col = divmod(i, _MARKER_COLUMNS)
        y, x = int((row + 0.5) * size), int((col + 0.5) * size)
        word = (word << 1) | int(luma[y, x] > 128)
    value, checksum = word >> 4, word & 0xF
    if _marker_blocks(value)[-4:] != [(checksum >> (3 - i)) & 1 for i in range(4)]:
        return None
    return value


def marker_now() -> int:
    """The current marker value: monotonic milliseconds modulo 2**20 (wraps every ~17 min)."""
    return int(time.monotonic() * 1000) & ((1 << 20) - 1)


def marker_age_ms(value: int) -> int:
    """Milliseconds elapsed since a marker value was drawn (same machine, modulo the wrap)."""
    return (marker_now() - value) & ((1 << 20) - 1)


class TestPatternSource:
    """A moving, textured 4:2:0 test pattern with a clock marker, at `fps` frames per second."""

    __test__ = False  # not a pytest class, despite its name

    def __init__(self, width: int = 640, height: int = 480, fps: float = 30.0, seed: int = 7) -> None:
        if width % 2 or height % 2:
            raise ValueError("width and height must be even")
        self.width, self.height, self.fps = width, height, fps
        rng = np.random.default_rng(seed)
        span = 2 * width
        ramp = np.linspace(40, 200, span, dtype=np.float32)[None, :]
        rows = np.linspace(0, 6 * math.pi, height, dtype=np.float32)[:, None]
        texture = ramp + 25 * np.sin(rows + ramp / 9) + rng.normal(0, 6, (height, span)).astype(np.float32)
        self._luma = np.clip(texture, 16, 235).astype(np.uint8)
        # Chroma stays still (luma dominates the encoder's work): written once into the buffer.
        self._buffer = np.empty((height * 3 // 2, width), dtype=np.uint8)
        chroma_x = np.linspace(60, 196, width // 2, dtype=np.float32)[None, :]
        chroma_y = np.linspace(90, 170, height // 2, dtype=np.float32)[:, None]
        u = np.broadcast_to(chroma_x, (height // 2, width // 2))
        v = np.broadcast_to(chroma_y, (height // 2, width // 2))
        chroma = self._buffer[height:].reshape(-1)
        quarter = width * height // 4
        chroma[:quarter] = u.astype(np.uint8).reshape(-1)
        chroma[quarter:] = v.astype(np.uint8).reshape(-1)
        self._pacer = Pacer(1.0 / fps)
        self.frames = 0

    async def open(self) -> None:
        return None

    def make_frame(self, index: int, marker: int | None = None) -> av.VideoFrame:
        """Frame number `index` of the pattern, without pacing."""
        w, h = self.width, self.height
        offset = (index * 4) % w
        luma = self._buffer[:h]
        luma[:] = self._luma[:, offset : offset + w]
        box = h // 6
        t = index / self.fps
        x = int((w - box) * (0.5 + 0.5 * math.sin(t * 1.3)))
        y = int((h - box) * (0.5 + 0.5 * math.sin(t * 0.9 + 1.0)))
        luma[y : y + box, x : x + box] = 220
        draw_marker(luma, marker_now() if marker is None else marker)
        return av.VideoFrame.from_ndarray(self._buffer, format="yuv420p")

    async def read(self) -> av.VideoFrame:
        await self._pacer.wait()
        frame = self.make_frame(self.frames)
        self.frames += 1
        return frame

    async def close(self) -> None:
        return None


class ToneSource:
    """A 440 Hz beep (200 ms each second) at -12 dBFS, mono s16 48 kHz, 20 ms per frame.

    `duty` is the part of each second the tone sounds (1.0: continuous, what the sound tests
    measure); a whole number of hertz keeps the one-second loop seamless.
    """

    def __init__(self, frequency: float = 440.0, duty: float = 0.2) -> None:
        self.frequency = frequency
        t = np.arange(AUDIO_RATE, dtype=np.float32) / AUDIO_RATE
        wave = 0.25 * np.sin(2 * math.pi * frequency * t)
        wave[int(duty * AUDIO_RATE) :] = 0.0
        self._second = (wave * 32767).astype(np.int16)
        self._pacer = Pacer(AUDIO_FRAME_SAMPLES / AUDIO_RATE)
        self.frames = 0

    async def open(self) -> None:
        return None

    async def read(self) -> av.AudioFrame:
        await self._pacer.wait()
        start = (self.frames * AUDIO_FRAME_SAMPLES) % AUDIO_RATE
        chunk = self._second[start : start + AUDIO_FRAME_SAMPLES]
        frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = AUDIO_RATE
        self.frames += 1
        return frame

    async def close(self) -> None:
        return None
