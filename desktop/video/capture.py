"""Camera and microphone capture through PyAV (FFmpeg's v4l2, alsa, avfoundation, dshow inputs).

A device is read by one thread of ours, started in `open()` and joined in `close()`: FFmpeg's
reads block until the device delivers, which must not happen on the asyncio (Qt) thread.

- Video keeps only the newest frame: if the encoder falls behind, old frames are dropped here
  instead of queueing up as delay (aiortc/aiortc#1192).
- Audio must not drop, so it is queued (bounded to ~1 s; beyond that the oldest goes) after
  being resampled to 48 kHz s16 mono in 20 ms frames, the shape Opus wants.

Opening tries a list of option sets in order (e.g. MJPEG 1280x720 first, which most UVC cameras
need for 720p30, then the camera's own default), and maps failures to French `DeviceError`s.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import av

from desktop.video.errors import CAMERA, DeviceError, device_error, device_lost
from desktop.video.sources import AUDIO_FRAME_SAMPLES, AUDIO_RATE

log = logging.getLogger(__name__)

AUDIO_QUEUE = 50  # 1 s of 20 ms frames


@dataclass(frozen=True, slots=True)
class CaptureSpec:
    """How FFmpeg opens one device: input format, target and option sets to try in order."""

    kind: str  # "camera" or "microphone"
    format: str  # "v4l2", "alsa", "avfoundation", "dshow", "lavfi" (tests)
    target: str  # "/dev/video0", "default", "FaceTime HD Camera:none", "video=…"
    attempts: Sequence[dict[str, str]] = field(default_factory=lambda: [{}])


Opener = Callable[..., Any]


class PyAVCapture:
    """Reads a device in a thread; subclasses decide what reaches `read()`."""

    def __init__(self, spec: CaptureSpec, opener: Opener = av.open) -> None:
        self.spec = spec
        self._opener = opener
        self._container: Any = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake = asyncio.Event()
        self._error: BaseException | None = None

    async def open(self) -> None:
        """Open the device (in a worker thread: it can take a second) and start reading it."""
        if self._thread is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._stop.clear()
        self._wake.clear()
        self._error = None
        self._container = await self._loop.run_in_executor(None, self._open_blocking)
        self._thread = threading.Thread(target=self._run, name=f"{self.spec.kind}-capture", daemon=True)
        self._thread.start()

    def _open_blocking(self) -> Any:
        last: BaseException | None = None
        for options in self.spec.attempts:
            try:
                return self._opener(self.spec.target, format=self.spec.format, options=dict(options))
            except (FileNotFoundError, PermissionError) as exc:
                raise device_error(self.spec.kind, exc) from exc  # no other options will help
            except (OSError, ValueError, av.FFmpegError) as exc:
                last = exc
                log.info(
                    "%s: option set %d refused (%s)",
                    self.spec.kind,
                    self.spec.attempts.index(options),
                    type(exc).__name__,
                )
        assert last is not None
        raise device_error(self.spec.kind, last) from last

    def _run(self) -> None:
        try:
            stream = self._stream(self._container)
            for frame in self._container.decode(stream):
                if self._stop.is_set():
                    return
                self._deliver(frame)
            raise EOFError("device stopped delivering")
        except Exception as exc:
            if not self._stop.is_set():
                self._error = exc
                self._signal()

    def _stream(self, container: Any) -> Any:
        raise NotImplementedError

    def _deliver(self, frame: Any) -> None:
        raise NotImplementedError

    def _signal(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._wake.set)

    async def _wait(self) -> None:
        await self._wake.wait()
        self._wake.clear()
        if self._error is not None:
            raise device_lost(self.spec.kind) from self._error

    async def close(self) -> None:
        """Stop the reader, join it, release the device; idempotent."""
        thread, self._thread = self._thread, None
        self._stop.set()
        if thread is not None and self._loop is not None:
            # The reader wakes at the device's next frame (33 ms at 30 fps) and sees the flag.
            await self._loop.run_in_executor(None, thread.join, 2.0)
            if thread.is_alive():
                # Closing the container under a blocked reader would crash FFmpeg: leak it
                # instead (the thread is a daemon and exits with the device).
                log.warning("%s: capture thread did not stop in time", self.spec.kind)
                self._container = None
                return
        container, self._container = self._container, None
        if container is not None:
            container.close()


class CameraCapture(PyAVCapture):
    """A camera as a `VideoSource`: newest frame only."""

    def __init__(self, spec: CaptureSpec, opener: Opener = av.open) -> None:
        super().__init__(spec, opener)
        self._lock = threading.Lock()
        self._latest: av.VideoFrame | None = None

    def _stream(self, container: Any) -> Any:
        if not container.streams.video:
            raise device_error(CAMERA, FileNotFoundError())
        return container.streams.video[0]

    def _deliver(self, frame: Any) -> None:
        with self._lock:
            self._latest = frame
        self._signal()

    async def read(self) -> av.VideoFrame:
        while True:
            await self._wait()
            with self._lock:
                frame, self._latest = self._latest, None
            if frame is not None:
                return frame


class MicrophoneCapture(PyAVCapture):
    """A microphone as an `AudioSource`: 48 kHz s16 mono, 20 ms frames, bounded queue."""

    def __init__(self, spec: CaptureSpec, opener: Opener = av.open) -> None:
        super().__init__(spec, opener)
        self._lock = threading.Lock()
        self._queue: collections.deque[av.AudioFrame] = collections.deque(maxlen=AUDIO_QUEUE)
        self._resampler = av.AudioResampler(
            format="s16", layout="mono", rate=AUDIO_RATE, frame_size=AUDIO_FRAME_SAMPLES
        )

    def _stream(self, container: Any) -> Any:
        if not container.streams.audio:
            raise device_error(self.spec.kind, FileNotFoundError())
        return container.streams.audio[0]

    def _deliver(self, frame: Any) -> None:
        frame.pts = None  # device timestamps are irrelevant; the track numbers samples itself
        out = self._resampler.resample(frame)
        if out:
            with self._lock:
                self._queue.extend(out)
            self._signal()

    async def read(self) -> av.AudioFrame:
        while True:
            with self._lock:
                if self._queue:
                    return self._queue.popleft()
            await self._wait()


__all__ = ["CameraCapture", "CaptureSpec", "DeviceError", "MicrophoneCapture", "PyAVCapture"]
