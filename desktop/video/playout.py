"""Remote video shown at the pace it was filmed: an adaptive playout delay, as browsers have.

A frame whose packet was lost arrives one round trip later, once NACK has brought the packet back
(aiortc has no FEC): shown on arrival, it freezes the picture for that long, then the frames queued
behind it rush through. Browsers hide this behind a playout delay that follows the lateness they
see; so does `PlayoutDelay`, for the practitioner's window:

- each frame's *lateness* is how much later it arrived than its capture time (RTP timestamp)
  says it should have, against the earliest-arriving frame seen (the base);
- the delay is the largest lateness of the last `window` seconds, capped at `max_delay`: on a
  clean link it stays near 0 (no latency added), under loss it rises to about one round trip,
  and it falls back once the link is clean for `window` seconds;
- a frame is shown at its capture time plus the delay (at once if already due); a jump in the
  timestamps (a new source, a very long gap) starts again from a new base.

`PlayoutQueue` is the asyncio part: it takes frames as they are decoded (never waits, so arrival
times are true) and hands them to the sink when due, from its own task; a backlog is bounded.
`delay_now()` is the delay the remote sound follows (lip sync, audio_sync.py): the picture's delay
while frames come, 0 before the first one and once none has come for `IDLE` seconds (a sender that
stops sending). A camera switched off in the patient's page (`track.enabled = false`) still sends
black frames (the WebRTC spec asks for one a second): they are timed like any other frame.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Callable
from fractions import Fraction

import av

from desktop.kernel.waits import wake_or_timeout
from desktop.video.sinks import FrameSink

log = logging.getLogger(__name__)

MAX_DELAY = 0.5  # s: above this, latency hurts a conversation more than a freeze does
WINDOW = 4.0  # s of lateness remembered
JUMP = 1.0  # s: a lateness or an advance beyond this is a new timeline, not network delay
MAX_QUEUED = 30  # frames held at most (1 s at 30 fps); older ones are dropped first
IDLE = 2.0  # s without a frame: the picture is not moving, the sound need not wait for it


class PlayoutDelay:
    """When to show each frame (pure arithmetic; times in seconds)."""

    def __init__(self, max_delay: float = MAX_DELAY, window: float = WINDOW) -> None:
        self.max_delay = max_delay
        self.window = window
        self.delay = 0.0
        self._base: tuple[float, float] | None = None  # (media time, arrival) of the earliest frame
        self._lateness: collections.deque[tuple[float, float]] = collections.deque()  # (arrival, lateness)

    def due(self, media: float, arrival: float) -> float:
        """The monotonic time at which the frame captured at `media` and arrived at `arrival` shows."""
        if self._base is None:
            self._base = (media, arrival)
        base_media, base_arrival = self._base
        expected = base_arrival + (media - base_media)
        lateness = arrival - expected
        if lateness > JUMP or lateness < -JUMP:  # a new timeline: start again from this frame
            self._base = (media, arrival)
            self._lateness.clear()
            self.delay = 0.0
            return arrival
        if lateness < 0:
            # Earlier than the base allowed: the base itself was late, or frames held back (an
            # outage, a stall) are catching up. This frame is the new reference; the lateness seen
            # so far is kept as it was measured, so a catch-up burst raises no delay.
            self._base = (media, arrival)
            expected, lateness = arrival, 0.0
        if lateness > self.max_delay:
            # An outage, a stall or a slower path, not jitter a delay could hide: shown at once, and
            # the reference from now on (the frames queued behind it catch up at once too).
            self._base = (media, arrival)
            return arrival
        self._lateness.append((arrival, lateness))
        while self._lateness and self._lateness[0][0] < arrival - self.window:
            self._lateness.popleft()
        floor = min(late for _, late in self._lateness)
        if floor > 0.005 and self._lateness[0][0] <= arrival - self.window * 0.9:
            # Every frame of a whole window came late: the path itself is slower now (a new route,
            # the clocks drifting), not jitter. That much is the new normal, not a delay to add.
            self._base = (base_media, base_arrival + floor)
            self._lateness = collections.deque((at, late - floor) for at, late in self._lateness)
            expected += floor
        self.delay = min(self.max_delay, max(late for _, late in self._lateness))
        return max(arrival, expected + self.delay)


class PlayoutQueue:
    """Frames in as decoded (`put`), out to `sink` when due (`run`, a task of the peer's)."""

    def __init__(
        self,
        sink: FrameSink,
        delay: PlayoutDelay | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sink = sink
        self._delay = delay or PlayoutDelay()
        self._clock = clock
        self._queue: collections.deque[tuple[float, av.VideoFrame]] = collections.deque()
        self._ready = asyncio.Event()
        self._last_put: float | None = None
        self.dropped = 0

    @property
    def delay(self) -> float:
        return self._delay.delay

    def delay_now(self) -> float:
        """The delay the picture is shown with now: 0 before the first frame and once none has
        come for `IDLE` seconds (nothing to keep the sound in step with)."""
        if self._last_put is None or self._clock() - self._last_put > IDLE:
            return 0.0
        return self._delay.delay

    def put(self, frame: av.VideoFrame) -> None:
        now = self._clock()
        self._last_put = now
        if frame.pts is None or frame.time_base is None:
            due = now
        else:
            due = self._delay.due(float(frame.pts * Fraction(frame.time_base)), now)
        self._queue.append((due, frame))
        while len(self._queue) > MAX_QUEUED:
            self._queue.popleft()
            self.dropped += 1
        self._ready.set()

    async def run(self) -> None:
        """Hand frames over when due; runs until cancelled."""
        while True:
            if not self._queue:
                await wake_or_timeout(self._ready, None)
                continue
            due, frame = self._queue[0]
            # Frames go in order; a newer one due sooner (a catch-up) makes the older one due too.
            wait = min(due, self._queue[-1][0]) - self._clock()
            if wait > 0.001:
                await wake_or_timeout(self._ready, wait)  # a newer frame may be due sooner: look again
                continue
            self._queue.popleft()
            try:
                self._sink.put(frame)
            except Exception:  # a faulty sink must not stop the call's video
                log.exception("remote video sink failed")
