"""Outgoing aiortc tracks over the call's local media, with camera/microphone switches.

`LocalMedia` lives as long as the call; it owns the sources, the local preview, the resolution
controller and the on/off switches. Each peer connection gets fresh `OutgoingVideoTrack` and
`OutgoingAudioTrack` objects reading from it, because aiortc stops a sender's track for good when
its peer connection closes, while the camera must survive a renegotiation.

Encode time is measured without touching aiortc's private encoder: aiortc's sender loop calls
`recv()`, encodes the frame in a worker thread, sends its packets, then calls `recv()` again. The
time from one `recv()` returning to the next being called is therefore the sender's cost per
frame (encode + packetize + SRTP), which is exactly what must fit in the frame interval; it also
grows when the CPU is shared with other programs, which is when stepping down helps too.
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from desktop.video.adaptation import ResolutionController, scaled_size
from desktop.video.errors import CAMERA, MICROPHONE, DeviceError
from desktop.video.sinks import FrameSink
from desktop.video.sources import AUDIO_FRAME_SAMPLES, AUDIO_RATE, AudioSource, Pacer, VideoSource

log = logging.getLogger(__name__)

_Frame = TypeVar("_Frame")

VIDEO_CLOCK = 90_000
VIDEO_TIME_BASE = fractions.Fraction(1, VIDEO_CLOCK)
AUDIO_TIME_BASE = fractions.Fraction(1, AUDIO_RATE)
IDLE_FPS = 10.0  # black frames while the camera is off: enough to keep the stream alive, cheap


class LocalMedia:
    """The practitioner's side of the media: sources, preview, switches, adaptation."""

    def __init__(
        self,
        video: VideoSource,
        audio: AudioSource,
        *,
        preview: FrameSink | None = None,
        controller: ResolutionController | None = None,
        on_error: Callable[[DeviceError], None] | None = None,
    ) -> None:
        self.video, self.audio = video, audio
        self.preview = preview
        # The read in progress on each source, cancelled when the source is replaced (a camera
        # being closed may never deliver the frame that read is waiting for).
        self._reads: dict[str, asyncio.Future[object]] = {}
        self._interrupted: set[str] = set()
        self.controller = controller or ResolutionController()
        self._on_error = on_error
        self.camera_on = True
        self.microphone_on = True
        self._video_ok = False
        self._audio_ok = False
        self._source_size: tuple[int, int] | None = None
        self._black: av.VideoFrame | None = None
        self._idle = Pacer(1.0 / IDLE_FPS)
        self._silence = Pacer(AUDIO_FRAME_SAMPLES / AUDIO_RATE)
        self.frames_sent = 0
        self.sent_size: tuple[int, int] | None = None
        self.encode_ms: float | None = None  # sender's time per frame, smoothed

    async def open(self) -> None:
        """Open both sources; a failing device is reported and replaced by black/silence."""
        self._video_ok = await self._open(self.video, CAMERA)
        self._audio_ok = await self._open(self.audio, MICROPHONE)

    async def close(self) -> None:
        await self.video.close()
        await self.audio.close()
        self._video_ok = self._audio_ok = False

    async def set_camera(self, on: bool) -> None:
        """Switch the camera; off releases the device (its light goes out) and sends black."""
        if on == self.camera_on:
            return
        self.camera_on = on
        if on:
            self._video_ok = await self._open(self.video, CAMERA)
        else:
            self._video_ok = False
            self._cancel_read(CAMERA)
            await self.video.close()

    @property
    def camera_working(self) -> bool:
        """The camera is on and delivers (False once it failed, until it opens again)."""
        return self.camera_on and self._video_ok

    def set_microphone(self, on: bool) -> None:
        """Mute or unmute; muted sends silence, so the remote audio stream stays continuous."""
        self.microphone_on = on

    async def replace_video(self, source: VideoSource) -> None:
        """Send another camera from now on, on the same tracks (nothing is renegotiated).

        The new camera is opened first (unless the camera is switched off: it opens when switched
        back on); the old one is released once the new one delivers in its place.

        Raises:
            DeviceError: the new camera cannot be opened; the current one stays in use.
        """
        if self.camera_on:
            await source.open()
        old, self.video = self.video, source
        self._video_ok = self.camera_on
        self._cancel_read(CAMERA)
        if old is not source:
            await old.close()

    async def replace_audio(self, source: AudioSource) -> None:
        """Send another microphone from now on (mute state kept, nothing renegotiated).

        Raises:
            DeviceError: the new microphone cannot be opened; the current one stays in use.
        """
        await source.open()
        old, self.audio = self.audio, source
        self._audio_ok = True
        self._cancel_read(MICROPHONE)
        if old is not source:
            await old.close()

    def _cancel_read(self, kind: str) -> None:
        read = self._reads.pop(kind, None)
        if read is not None and not read.done():
            self._interrupted.add(kind)
            read.cancel()

    async def _read(self, kind: str, read: Awaitable[_Frame]) -> _Frame | None:
        """Await a source's read; None when it was interrupted (source replaced or switched off)."""
        future = asyncio.ensure_future(read)
        self._reads[kind] = future  # type: ignore[assignment]
        try:
            return await future
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if kind not in self._interrupted or (task is not None and task.cancelling()):
                raise  # the track itself is being stopped
            return None
        finally:
            self._interrupted.discard(kind)
            if self._reads.get(kind) is future:
                del self._reads[kind]

    async def _open(self, source: VideoSource | AudioSource, kind: str) -> bool:
        try:
            await source.open()
        except DeviceError as exc:
            self._report(exc)
            return False
        return True

    def _report(self, exc: DeviceError) -> None:
        log.warning("video: %s unavailable (%s)", exc.kind, type(exc).__name__)
        if self._on_error is not None:
            self._on_error(exc)

    def observe_encode(self, ms: float, now: float) -> None:
        self.controller.observe(ms, now)
        # A smoothed figure for diagnostics (about the last second at 30 fps).
        self.encode_ms = ms if self.encode_ms is None else 0.97 * self.encode_ms + 0.03 * ms

    async def next_video_frame(self) -> av.VideoFrame:
        while self.camera_on and self._video_ok:
            source = self.video
            try:
                frame = await self._read(CAMERA, source.read())
            except DeviceError as exc:
                if source is self.video:  # not an old camera failing as it is released
                    self._video_ok = False
                    self._report(exc)
                break
            if frame is not None:
                return self._outgoing(frame)
        await self._idle.wait()
        return self._black_frame()

    def _outgoing(self, frame: av.VideoFrame) -> av.VideoFrame:
        if self.preview is not None:
            self.preview.put(frame)
        if self._source_size != (frame.width, frame.height):
            self._source_size = (frame.width, frame.height)
            self.controller.set_source_height(frame.height)
        width, height = scaled_size(frame.width, frame.height, self.controller.target_height)
        if (width, height) != (frame.width, frame.height):
            frame = frame.reformat(width=width, height=height, format="yuv420p")
        self.frames_sent += 1
        self.sent_size = (width, height)
        return frame

    def _black_frame(self) -> av.VideoFrame:
        source = self._source_size or (640, 360)
        size = scaled_size(*source, self.controller.target_height)
        if self._black is None or (self._black.width, self._black.height) != size:
            frame = av.VideoFrame(size[0], size[1], "yuv420p")
            for plane, value in zip(frame.planes, (16, 128, 128), strict=True):
                plane.update(bytes([value]) * plane.buffer_size)
            self._black = frame
        self.frames_sent += 1
        self.sent_size = size
        return self._black

    async def next_audio_frame(self) -> av.AudioFrame:
        while self._audio_ok:
            source = self.audio
            try:
                frame = await self._read(MICROPHONE, source.read())
            except DeviceError as exc:
                if source is self.audio:
                    self._audio_ok = False
                    self._report(exc)
                break
            if frame is None:
                continue
            if self.microphone_on:
                return frame
            return _silence(frame.samples, frame.layout.name)
        await self._silence.wait()
        return _silence(AUDIO_FRAME_SAMPLES, "mono")


def _silence(samples: int, layout: str) -> av.AudioFrame:
    frame = av.AudioFrame(format="s16", layout=layout, samples=samples)
    for plane in frame.planes:
        plane.update(bytes(plane.buffer_size))
    frame.sample_rate = AUDIO_RATE
    return frame


class OutgoingVideoTrack(MediaStreamTrack):
    """The video sent on one peer connection; times the sender's work between frames."""

    kind = "video"

    def __init__(self, media: LocalMedia) -> None:
        super().__init__()
        self._media = media
        self._start: float | None = None
        self._last_pts = -1
        self._returned_at: float | None = None

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        called = time.monotonic()
        if self._returned_at is not None:
            self._media.observe_encode((called - self._returned_at) * 1000.0, called)
        frame = await self._media.next_video_frame()
        now = time.monotonic()
        if self._start is None:
            self._start = now
        # Re-stamping the cached black frame in place is safe: aiortc's sender finishes encoding
        # a frame before it asks for the next one.
        pts = max(int((now - self._start) * VIDEO_CLOCK), self._last_pts + 1)
        frame.pts, frame.time_base = pts, VIDEO_TIME_BASE
        self._last_pts = pts
        self._returned_at = time.monotonic()
        return frame


class OutgoingAudioTrack(MediaStreamTrack):
    """The audio sent on one peer connection, with continuous sample timestamps."""

    kind = "audio"

    def __init__(self, media: LocalMedia) -> None:
        super().__init__()
        self._media = media
        self._samples = 0

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        frame = await self._media.next_audio_frame()
        frame.pts, frame.time_base, frame.sample_rate = self._samples, AUDIO_TIME_BASE, AUDIO_RATE
        self._samples += frame.samples
        return frame
