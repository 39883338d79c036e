"""Lip sync on the desktop: the remote sound is written as late as the remote picture is shown.

A clean link adds nothing (written on arrival); a video delay is followed in one step when it
changes by 40 ms or more (a rise inserts its difference as silence once, a fall drops it once,
silent frames first); the sound's own lateness (aiortc's audio jitter buffer) is not added twice;
the queue is bounded; a faulty sink does not stop the sound; cancelling the task ends it.

The asyncio tests run on an event loop whose clock jumps to its next timer instead of sleeping:
times are exact whatever the machine's load, and seconds of sound take milliseconds.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import selectors
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, TypeVar

import av
import numpy as np
import pytest

from desktop.video.audio_sync import THRESHOLD, AudioSync, CaptureSlots, is_silent, silence
from desktop.video.playout import IDLE, MAX_DELAY, PlayoutDelay, PlayoutQueue
from desktop.video.sinks import LatestFrameSink

RATE = 48_000
SAMPLES = 960
STEP = SAMPLES / RATE  # 20 ms, as Opus frames from a browser
T = TypeVar("T")


class _JumpingSelector(selectors.SelectSelector):
    """Never sleeps: when nothing is ready, the virtual clock moves on by the timeout instead."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 1000.0

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout is None:  # nothing scheduled at all: wait for real (the test would be stuck)
            return super().select(None)
        ready = super().select(0)
        if not ready and timeout > 0:
            self.now += timeout
        return ready


class _VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        self._jumps = _JumpingSelector()
        super().__init__(self._jumps)

    def time(self) -> float:
        return self._jumps.now


def _run(main: Coroutine[Any, Any, T]) -> T:
    loop = _VirtualTimeLoop()
    try:
        return loop.run_until_complete(main)
    finally:
        loop.close()


def _frame(index: int, *, loud: bool = True, stamped: bool = True) -> av.AudioFrame:
    """Frame `index` of a 440 Hz tone at -10 dBFS (or of silence), s16 stereo, RTP-timestamped."""
    if loud:
        t = (index * SAMPLES + np.arange(SAMPLES)) / RATE
        mono = (0.3 * 32767 * np.sin(2 * math.pi * 440 * t)).astype(np.int16)
    else:
        mono = np.zeros(SAMPLES, dtype=np.int16)
    frame = av.AudioFrame.from_ndarray(np.repeat(mono, 2).reshape(1, -1), format="s16", layout="stereo")
    frame.sample_rate = RATE
    if stamped:
        frame.time_base = Fraction(1, RATE)
        frame.pts = index * SAMPLES
    return frame


@dataclass
class _Speaker:
    """Records when each frame was written (pts None: silence the sync inserted)."""

    clock: Callable[[], float]
    written: list[tuple[float, int | None]] = field(default_factory=list)
    fail_every: int = 0

    def write(self, frame: av.AudioFrame) -> None:
        self.written.append((self.clock(), frame.pts))
        if self.fail_every and len(self.written) % self.fail_every == 0:
            raise OSError("device gone")

    def real(self) -> list[tuple[float, int]]:
        return [(at, pts // SAMPLES) for at, pts in self.written if pts is not None]


@dataclass
class _Played:
    sync: AudioSync
    speaker: _Speaker
    arrivals: dict[int, float]  # frame index → arrival time (loop clock)
    video: Callable[[float], float]  # the video delay at each instant
    start: float
    queued_max: float


async def _play(
    count: int,
    video: Callable[[float], float],
    *,
    late: Callable[[int], float] = lambda i: 0.0,
    quiet: Callable[[int], bool] = lambda i: False,
    lost: Callable[[int], bool] = lambda i: False,
    fail_every: int = 0,
) -> _Played:
    """`count` 20 ms frames, frame i arriving at i × 20 ms + late(i), the video delay being
    video(t) at t seconds from the start; the queue is left to drain, then the task cancelled."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    speaker = _Speaker(loop.time, fail_every=fail_every)
    sync = AudioSync(speaker, lambda: video(loop.time() - start), clock=loop.time)
    player = asyncio.create_task(sync.run())
    arrivals: dict[int, float] = {}
    queued_max = 0.0
    for index in range(count):
        if lost(index):
            continue
        at = start + index * STEP + late(index)
        if at > loop.time():
            await asyncio.sleep(at - loop.time())
        arrivals[index] = loop.time()
        sync.put(_frame(index, loud=not quiet(index)))
        queued_max = max(queued_max, sync.queued)
    await asyncio.sleep(MAX_DELAY + 0.1)
    assert not player.done()
    player.cancel()
    await asyncio.wait({player})
    return _Played(sync, speaker, arrivals, video, start, queued_max)


def test_a_fixed_video_delay_is_added_to_every_frame_in_order() -> None:
    played = _run(_play(100, lambda t: 0.300))
    real = played.speaker.real()
    assert [index for _, index in real] == list(range(100))  # all of them, in order
    added = [at - played.arrivals[index] for at, index in real]
    assert all(abs(a - 0.300) <= 0.020 for a in added), (min(added), max(added))
    assert played.sync.inserts == 1 and played.sync.drops == 0  # the silence before the first frame
    assert played.sync.silence_frames == 15


def test_without_video_delay_the_sound_is_written_on_arrival() -> None:
    async def main() -> tuple[_Played, int]:
        loop = asyncio.get_running_loop()
        speaker = _Speaker(loop.time)
        sync = AudioSync(speaker, lambda: 0.0, clock=loop.time)
        sync.put(_frame(0))  # no task even running: written by `put` itself
        return await _play(100, lambda t: 0.0), len(speaker.written)

    played, written_by_put = _run(main())
    assert written_by_put == 1
    assert [(at, index) for at, index in played.speaker.real()] == sorted(
        (at, index) for index, at in played.arrivals.items()
    )  # each at the very instant it arrived
    assert played.sync.inserts == played.sync.drops == 0 and played.queued_max == 0.0


def _rise_then_fall(t: float) -> float:
    """What `PlayoutDelay` does in a loss episode: 0, a jump to 280 ms at 1 s, +5 ms at 2 s and at
    3 s, a ±8 ms wobble every 100 ms, then back to 20 ms at 4 s (a clean link), wobbling still."""
    if t < 1.0:
        return 0.0
    wobble = 0.008 if int(t * 10) % 2 else -0.008
    if t < 4.0:
        return 0.280 + 0.005 * min(2, int(t - 1.0)) + wobble
    return 0.020 + wobble


def test_a_rise_then_a_fall_is_one_silence_and_one_drop_and_the_sound_stays_on_the_lips() -> None:
    played = _run(_play(300, _rise_then_fall))  # 6 s
    sync = played.sync
    assert (sync.inserts, sync.drops) == (1, 1), (sync.inserts, sync.drops)
    assert abs(sync.silence_frames * STEP - 0.280) <= 0.020
    assert abs(sync.dropped_frames * STEP - 0.280) <= 0.040
    assert sync.delay == 0.0  # a clean link again: nothing added any more
    # In step with the picture: against the video delay when the frame arrived (the picture of the
    # same instant is shown that much later), never more than 45 ms ahead, nor behind.
    offsets = [
        played.video(played.arrivals[index] - played.start) - (at - played.arrivals[index])
        for at, index in played.speaker.real()
    ]
    assert max(offsets) <= 0.045 and min(offsets) >= -0.045, (min(offsets), max(offsets))
    # And the speaker was never starved: no gap in what it received, silence included.
    times = [at for at, _ in played.speaker.written]
    assert max(b - a for a, b in itertools.pairwise(times)) <= STEP + 0.012


def test_a_fall_drops_silent_frames_first_then_the_oldest_in_one_run() -> None:
    # Video delay 310 ms, then 100 ms from 1.4 s on (frame 70's arrival). Frames 55–69 are then
    # waiting; the new delay makes 55–65 overdue (eleven frames); 66–69 are silent.
    played = _run(_play(100, lambda t: 0.310 if t < 1.4 - 1e-9 else 0.100, quiet=lambda i: 66 <= i <= 69))
    assert (played.sync.inserts, played.sync.drops, played.sync.dropped_frames) == (1, 1, 11)
    written = [index for _, index in played.speaker.real()]
    gone = sorted(set(range(100)) - set(written))
    assert gone == [55, 56, 57, 58, 59, 60, 61, 66, 67, 68, 69]  # the silence, then the oldest in one run
    assert written == sorted(written)


def test_sound_late_on_its_own_is_held_less_so_that_it_is_not_delayed_twice() -> None:
    # aiortc's audio jitter buffer after a lost packet (frame 49): 200 ms late from then on.
    played = _run(
        _play(150, lambda t: 0.300, late=lambda i: 0.200 if i >= 50 else 0.0, lost=lambda i: i == 49)
    )
    assert abs(played.sync.lateness - 0.200) < 0.005
    real = played.speaker.real()
    added = {index: at - played.arrivals[index] for at, index in real}
    assert all(abs(added[i] - 0.300) <= 0.020 for i in range(49))
    assert all(abs(added[i] - 0.100) <= 0.020 for i in range(50, 150))  # on the lips again at once
    assert (played.sync.inserts, played.sync.drops, played.sync.dropped_frames) == (1, 0, 0)
    times = [at for at, _ in real]
    assert max(b - a for a, b in itertools.pairwise(times)) <= 2 * STEP + 0.005  # only the lost frame


def test_sound_later_than_the_video_delay_is_written_on_arrival() -> None:
    played = _run(_play(150, lambda t: 0.100, late=lambda i: 0.200 if i >= 50 else 0.0))
    added = {index: at - played.arrivals[index] for at, index in played.speaker.real()}
    assert all(abs(added[i]) < 1e-6 for i in range(50, 150))  # never before arrival, never held
    assert played.sync.delay == 0.100


def test_a_video_delay_under_40_ms_is_not_followed() -> None:
    played = _run(_play(50, lambda t: THRESHOLD - 0.001))
    assert played.sync.inserts == 0 and played.queued_max == 0.0


def test_slots_are_capture_times_plus_the_best_transit() -> None:
    capture = CaptureSlots()
    for i in range(50):
        jitter = 0.030 if i % 3 == 1 else 0.0
        assert capture.slot(i * STEP, 100 + i * STEP + jitter) == pytest.approx(100 + i * STEP)
        assert capture.lateness == pytest.approx(jitter)
    assert capture.slot(None, 200.0) == 200.0  # no timestamp: on time
    assert capture.slot(50 * STEP, 100 + 50 * STEP + 5.0) == pytest.approx(105 + 50 * STEP)  # a jump
    assert capture.lateness == 0.0


def test_the_queue_never_holds_more_than_the_cap_and_one_frame() -> None:
    async def main() -> tuple[AudioSync, float]:
        loop = asyncio.get_running_loop()
        sync = AudioSync(_Speaker(loop.time), lambda: MAX_DELAY, clock=loop.time)
        most = 0.0
        for index in range(60):  # 1.2 s of sound at once (no timestamps: no capture time to go by)
            sync.put(_frame(index, stamped=False))
            most = max(most, sync.queued)
        return sync, most

    sync, most = _run(main())
    assert most <= MAX_DELAY + STEP + 1e-9
    assert sync.overflow == 60 + 25 - 26  # the silence of the rise, then the oldest frames


@pytest.mark.expected_errors(r"audio_sync: audio sync: remote audio sink failed")
def test_a_faulty_sink_does_not_stop_the_sound(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="desktop.video.audio_sync"):
        on_arrival = _run(_play(30, lambda t: 0.0, fail_every=3))  # written by `put`
        delayed = _run(_play(30, lambda t: 0.200, fail_every=3))  # written by the task
    assert len(on_arrival.speaker.real()) == 30
    assert len(delayed.speaker.real()) == 30
    failures = [r for r in caplog.records if "remote audio sink failed" in r.getMessage()]
    assert len(failures) == (30 + 30 + 10) // 3  # every third write, silence included: all logged


def test_cancelling_the_task_with_frames_queued_ends_it() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        sync = AudioSync(_Speaker(loop.time), lambda: 0.300, clock=loop.time)
        player = asyncio.create_task(sync.run())
        for index in range(5):
            sync.put(_frame(index))
            await asyncio.sleep(STEP)
        assert sync.queued > 0 and not player.done()  # waiting for the first frame's time
        sync.put(_frame(5))  # wakes it ...
        player.cancel()  # ... in the same loop iteration as the call ends
        await asyncio.wait({player}, timeout=2)
        assert player.cancelled()

    _run(main())


def test_silence_is_shaped_like_the_sound_and_counts_as_silent() -> None:
    frame = _frame(3)
    quiet = silence(frame)
    assert (quiet.samples, quiet.sample_rate, quiet.format.name, quiet.layout.name) == (
        SAMPLES,
        RATE,
        "s16",
        "stereo",
    )
    assert quiet.pts is None
    assert is_silent(quiet) and is_silent(_frame(3, loud=False)) and not is_silent(frame)


class _Fixed(PlayoutDelay):
    def due(self, media: float, arrival: float) -> float:
        self.delay = 0.250
        return arrival + self.delay


def test_the_video_delay_the_sound_follows_is_zero_without_frames_coming() -> None:
    now = [100.0]
    playout = PlayoutQueue(LatestFrameSink(), delay=_Fixed(), clock=lambda: now[0])
    assert playout.delay_now() == 0.0  # no frame yet
    frame = av.VideoFrame.from_ndarray(np.zeros((16, 16, 3), dtype=np.uint8), format="rgb24")
    frame.time_base = Fraction(1, 90_000)
    frame.pts = 0
    playout.put(frame)
    assert playout.delay_now() == 0.250
    now[0] += IDLE * 0.9  # black frames of a camera switched off come once a second: still flowing
    assert playout.delay_now() == 0.250
    now[0] += IDLE * 0.2  # the sender stopped sending: the sound must not wait for it
    assert playout.delay_now() == 0.0
    assert playout.delay == 0.250  # the picture's own delay is left as it was
