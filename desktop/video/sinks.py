"""Where decoded frames go: sink ports, and the latest-frame-only sink the video widget paints.

The engine pushes every decoded remote frame (and every local preview frame) into a `FrameSink`
from the asyncio loop. The Qt widget must never queue frames: a paint that runs late should show
the newest picture and drop the rest (aiortc/aiortc#1192: queued frames are how delay builds up).
`LatestFrameSink` keeps one frame; the widget calls `take()` in its paint handler and converts only
that frame to RGB. Its `on_frame` hook (called on the loop thread, which under qasync is the Qt
thread) lets the widget schedule an `update()` without polling.

Remote audio goes to an `AudioSink`. Playing it needs an output device, which PyAV cannot open
portably (FFmpeg has no output device on Windows/macOS); see docs/video.md.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

import av


class FrameSink(Protocol):
    """Receives decoded video frames, on the asyncio loop, as fast as they arrive."""

    def put(self, frame: av.VideoFrame) -> None: ...


class AudioSink(Protocol):
    """Receives decoded remote audio (48 kHz s16, usually stereo 20 ms frames)."""

    def write(self, frame: av.AudioFrame) -> None: ...


class LatestFrameSink:
    """Keeps only the newest frame; counts what went through.

    Thread-safe (a lock around two references), so a painter on another thread may `take()`.
    """

    def __init__(self, on_frame: Callable[[], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._latest: av.VideoFrame | None = None
        self._fresh = False
        self._on_frame = on_frame
        self.frames = 0
        self.dropped = 0
        self.first_at: float | None = None  # time.monotonic() of the first frame

    def put(self, frame: av.VideoFrame) -> None:
        with self._lock:
            if self._fresh:
                self.dropped += 1
            self._latest = frame
            self._fresh = True
            self.frames += 1
            if self.first_at is None:
                self.first_at = time.monotonic()
        if self._on_frame is not None:
            self._on_frame()

    def set_listener(self, on_frame: Callable[[], None] | None) -> None:
        """Who to tell (on the loop thread) that a frame arrived; None to stop telling."""
        self._on_frame = on_frame

    def take(self) -> av.VideoFrame | None:
        """The newest frame if it was not taken yet, else None (nothing new to paint)."""
        with self._lock:
            if not self._fresh:
                return None
            self._fresh = False
            return self._latest

    @property
    def latest(self) -> av.VideoFrame | None:
        """The newest frame, taken or not (for repainting after a resize)."""
        with self._lock:
            return self._latest

    @property
    def size(self) -> tuple[int, int] | None:
        frame = self.latest
        return None if frame is None else (frame.width, frame.height)

    def clear(self) -> None:
        """Forget the picture (the call ended or the remote camera went away)."""
        with self._lock:
            self._latest = None
            self._fresh = False


class ForwardingAudioSink:
    """Passes each frame to whatever sink `current()` names now (a speaker switched mid-call)."""

    def __init__(self, current: Callable[[], AudioSink]) -> None:
        self._current = current

    def write(self, frame: av.AudioFrame) -> None:
        self._current().write(frame)


class NullAudioSink:
    """Discards remote audio but counts it; the default until an output device is wired."""

    def __init__(self) -> None:
        self.frames = 0
        self.samples = 0
        self.first_at: float | None = None

    def write(self, frame: av.AudioFrame) -> None:
        self.frames += 1
        self.samples += frame.samples
        if self.first_at is None:
            self.first_at = time.monotonic()
