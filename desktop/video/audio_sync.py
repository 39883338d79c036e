"""Remote sound kept in step with the remote picture (lip sync): the sound waits as the video does.

`PlayoutQueue` (playout.py) shows the remote video up to 0.5 s late when the network makes frames
late (NACK repairs). Played on arrival, the patient's voice would then run ahead of their lips:
past ~45 ms a viewer notices, past ~90 ms it is unacceptable (ITU-R BT.1359; sound *behind* the
picture is tolerated more, ~125 ms). `AudioSync` sits between the audio track and the speaker:

- each frame is written at its *slot* + `delay`, from the sync's own task (`run`). A frame's slot
  is when it would have arrived at its best: its capture time (RTP timestamp) plus the smallest
  transit seen, the reference `PlayoutDelay` takes for the video. For a frame that arrives at its
  best the slot is its arrival, so it is written `delay` after arriving; a frame already late on
  its own is held that much less, and one later than `delay` is written at once (below, why);
- a frame already due when nothing is queued is written by `put` itself: on a clean link, without
  video or before the remote video track exists, the sound plays on arrival as it always did;
- `delay` follows a *target*: the picture's delay now (`PlayoutQueue.delay_now`: 0 before the first
  frame and once frames stop coming, so the sound never waits for a picture that does not come),
  at most `MAX_DELAY`; a target under `THRESHOLD` counts as 0 (a lead that small is not noticed);
- it follows only a change of at least `THRESHOLD` (40 ms), in one step: the target's small moves
  change nothing, so in steady state the sound is never more than 40 ms ahead of (or behind) the
  picture, and each real change is one event, not a stream of small ones:
  - a **rise** inserts the gap it opens once as silence (frames of zeros shaped like the sound's),
    played where the held sound would have been: the speaker keeps playing, no underrun;
  - a **fall** drops once the frames the lower delay makes overdue (as much sound as the fall, or
    less if the queue had a gap). *Which* frames, our choice: silent ones first (RMS below
    `SILENT_DBFS`, anywhere in the queue: a pause shorter by 20 ms is not heard), then the oldest
    in one run (one cut rather than several). The frames left keep the queue's latest slots, so
    the sound resumes continuously, without a burst;
- the queue never holds more than `MAX_DELAY` + one frame of sound: beyond it the oldest frames go
  (the speaker, too, drops what exceeds its own buffer);
- a sink that raises is logged and the sound goes on with the next frame.

Why slots rather than arrivals: aiortc's audio jitter buffer (1.16: 16 packets, prefetch 4, no NACK
for audio) releases one frame per packet received, so once one audio packet is lost it waits for
the buffer to fill and then stays ~14 packets deep instead of 4: for the rest of the call the sound
arrives ~200 ms later than its capture time says. Holding it the picture's whole delay on top would
leave it that much *behind* the lips, and the practitioner would hear the patient later for
nothing. Timed by capture, the sound is written when the picture of the same instant is shown
(both against their earliest arrival), whatever delays it on its own way. A jump of the timestamps
by more than `JUMP` (a new source, a wrap) starts a new reference; a sender's sound card running
slower than this machine's clock makes its frames look later and later, so they are held less:
never more than `delay` after arrival, never less than nothing.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Callable
from fractions import Fraction

import av
import numpy as np

from desktop.kernel.waits import wake_or_timeout
from desktop.video.playout import JUMP, MAX_DELAY
from desktop.video.sinks import AudioSink

log = logging.getLogger(__name__)

THRESHOLD = 0.040  # s: a change of the target smaller than this is not followed
SILENT_DBFS = -50.0  # a frame whose RMS level is below this is silence (dropped first)
FRAME = 0.020  # s: the duration assumed for a frame that does not say its sample rate


def duration(frame: av.AudioFrame) -> float:
    return frame.samples / frame.sample_rate if frame.sample_rate else FRAME


def is_silent(frame: av.AudioFrame, dbfs: float = SILENT_DBFS) -> bool:
    """Whether the frame's RMS level is below `dbfs` (relative to full scale)."""
    samples = frame.to_ndarray()
    if samples.size == 0:
        return True
    full = float(2 ** (8 * samples.itemsize - 1)) if samples.dtype.kind == "i" else 1.0  # else float
    rms = float(np.sqrt(np.mean(np.square(samples.astype(np.float64))))) / full
    return rms < 10 ** (dbfs / 20)


def silence(like: av.AudioFrame) -> av.AudioFrame:
    """A frame of zeros with the format, layout, rate and length of `like` (and no timestamp)."""
    frame = av.AudioFrame.from_ndarray(
        np.zeros_like(like.to_ndarray()), format=like.format.name, layout=like.layout.name
    )
    frame.sample_rate = like.sample_rate
    return frame


class CaptureSlots:
    """When each frame would have arrived at its best: capture time + the smallest transit seen."""

    def __init__(self) -> None:
        self.lateness = 0.0  # s: how much later than its slot the last frame arrived
        self._base: float | None = None  # the smallest arrival − capture time seen

    def slot(self, media: float | None, arrival: float) -> float:
        if media is None:  # no timestamp: taken as arriving at its best
            self.lateness = 0.0
            return arrival
        offset = arrival - media
        if self._base is None or abs(offset - self._base) > JUMP:  # a new timeline
            self._base = offset
        self._base = min(self._base, offset)
        self.lateness = offset - self._base
        return media + self._base


class AudioSync:
    """Sound frames in as decoded (`put`), out to `sink` as late as the picture (`run`, a task)."""

    def __init__(
        self,
        sink: AudioSink,
        video_delay: Callable[[], float],
        *,
        clock: Callable[[], float] = time.monotonic,
        threshold: float = THRESHOLD,
        max_delay: float = MAX_DELAY,
        name: str = "",
    ) -> None:
        self._sink = sink
        self._video_delay = video_delay
        self._clock = clock
        self._threshold = threshold
        self._max_delay = max_delay
        self._name = name or "audio sync"  # for logs (a session id, never patient data)
        self._capture = CaptureSlots()
        # The frames waiting, and beside them their slots: frame i is written at slot i + delay.
        # A fall drops the earliest slots but the quietest frames (see `_drop`).
        self._slots: collections.deque[float] = collections.deque()
        self._frames: collections.deque[av.AudioFrame] = collections.deque()
        self._queued = 0.0  # s of sound in `_frames`
        self._ready = asyncio.Event()
        self.delay = 0.0  # s added to every frame's slot now
        self.inserts = 0  # rises that inserted silence (once each; none if the sound was late anyway)
        self.drops = 0  # falls that dropped frames (once each; none if nothing had become overdue)
        self.silence_frames = 0
        self.dropped_frames = 0
        self.overflow = 0  # frames dropped because the queue was full

    @property
    def lateness(self) -> float:
        """How much later than its slot the last frame arrived (s): the sound's own delay."""
        return self._capture.lateness

    @property
    def queued(self) -> float:
        """Seconds of sound waiting."""
        return self._queued

    def put(self, frame: av.AudioFrame) -> None:
        """Take a decoded frame (never waits: its arrival time is now)."""
        now = self._clock()
        media = None
        if frame.pts is not None and frame.time_base is not None:
            media = float(frame.pts * Fraction(frame.time_base))
        slot = self._capture.slot(media, now)
        self._follow(now, slot, frame)
        if not self._frames and slot + self.delay <= now:
            self._write(frame)
            return
        self._slots.append(slot)
        self._frames.append(frame)
        self._queued += duration(frame)
        limit = self._max_delay + duration(frame) + 1e-9
        while self._queued > limit and len(self._frames) > 1:
            self._slots.popleft()
            self._queued -= duration(self._frames.popleft())
            self.overflow += 1
        self._ready.set()

    def _target(self) -> float:
        target = min(self._max_delay, self._video_delay())
        return target if target >= self._threshold else 0.0

    def _follow(self, now: float, slot: float, like: av.AudioFrame) -> None:
        target = self._target()
        if abs(target - self.delay) < self._threshold:  # targets are 0 or ≥ threshold: 0 is reached
            return
        if target > self.delay:
            self._insert(now, self._slots[0] if self._slots else slot, target, like)
        else:
            self._drop(now, target)
        log.debug("%s: sound delayed %.0f → %.0f ms", self._name, self.delay * 1e3, target * 1e3)
        self.delay = target
        self._ready.set()

    def _insert(self, now: float, head: float, new: float, like: av.AudioFrame) -> None:
        """Silence from where the sound is now (the head's time) to the head's new time."""
        step = duration(like)
        start = max(now, head + self.delay)
        count = max(0, round((head + new - start) / step))
        for index in reversed(range(count)):  # written at start + index × step
            self._slots.appendleft(start + index * step - new)
            self._frames.appendleft(silence(like))
        self._queued += count * step
        self.silence_frames += count
        if count:
            self.inserts += 1

    def _drop(self, now: float, new: float) -> None:
        """Drop the frames the lower delay makes overdue: silent ones first, then the oldest."""
        overdue = 0
        for slot in self._slots:
            if slot + new > now:
                break
            overdue += 1
        if overdue == 0:
            return
        frames = list(self._frames)
        chosen = {index for index, frame in enumerate(frames) if is_silent(frame)}
        chosen = set(sorted(chosen)[:overdue])
        for index in range(len(frames)):  # not enough silence: the oldest, in one run
            if len(chosen) >= overdue:
                break
            chosen.add(index)
        for _ in range(overdue):
            self._slots.popleft()
        self._frames = collections.deque(frame for index, frame in enumerate(frames) if index not in chosen)
        self._queued = sum(duration(frame) for frame in self._frames)
        self.dropped_frames += overdue
        self.drops += 1

    def _write(self, frame: av.AudioFrame) -> None:
        try:
            self._sink.write(frame)
        except Exception:  # a faulty sink must not stop the call's sound
            log.exception("%s: remote audio sink failed", self._name)

    async def run(self) -> None:
        """Write the frames when due, in order; runs until cancelled."""
        while True:
            if not self._frames:
                await wake_or_timeout(self._ready, None)
                continue
            # In order; a newer frame due sooner (a new reference) makes the older one due too.
            wait = min(self._slots[0], self._slots[-1]) + self.delay - self._clock()
            if wait > 0.001:
                await wake_or_timeout(self._ready, wait)  # a change of delay may make it due sooner
                continue
            self._slots.popleft()
            frame = self._frames.popleft()
            self._queued -= duration(frame)
            self._write(frame)
