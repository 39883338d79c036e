"""The adaptive playout delay: a clean link adds nothing, a late (retransmitted) frame raises the
delay so that the frames after it keep their pace, it falls back once the link is clean, and an
outage's catch-up burst is shown at once without raising it."""

from __future__ import annotations

import asyncio
import itertools
from fractions import Fraction

import av
import numpy as np
import pytest

from desktop.video.playout import MAX_DELAY, PlayoutDelay, PlayoutQueue
from desktop.video.sinks import LatestFrameSink

FPS = 30
STEP = 1 / FPS


def _freezes(times: list[float]) -> float:
    """Freeze time by WebRTC's rule (an inter-frame delay above max(3 × mean, mean + 150 ms))."""
    gaps = [b - a for a, b in itertools.pairwise(times)]
    mean = sum(gaps) / len(gaps)
    return sum(g for g in gaps if g > max(3 * mean, mean + 0.150))


def _arrivals(count: int, late_every: int, late_by: float, start: float = 100.0) -> list[tuple[float, float]]:
    """(media time, arrival) of 30 fps frames; every `late_every`-th frame is `late_by` late, and the
    frames behind it, held by the jitter buffer, arrive with it (head-of-line, as after a NACK)."""
    frames = [[i * STEP, start + i * STEP + 0.020] for i in range(count)]
    for i in range(late_every, count, late_every):
        release = frames[i][1] + late_by
        for j in range(i, count):
            frames[j][1] = max(frames[j][1], release)
    return [(m, a) for m, a in frames]


def test_a_clean_link_adds_no_delay() -> None:
    playout = PlayoutDelay()
    shown = [playout.due(media, arrival) for media, arrival in _arrivals(300, 10_000, 0.0)]
    assert playout.delay < 1e-9
    assert _freezes(shown) == 0.0


def test_retransmitted_frames_are_absorbed_after_the_first_one() -> None:
    arrivals = _arrivals(600, 15, 0.180)  # a lost packet every half second, back one RTT later
    playout = PlayoutDelay()
    shown = [playout.due(media, arrival) for media, arrival in arrivals]
    assert _freezes([arrival for _, arrival in arrivals]) > 0.15 * 30  # on arrival: a freeze per loss
    assert _freezes(shown) <= 0.25  # only the first late frame's, before the delay rose
    assert 0.170 <= playout.delay <= MAX_DELAY
    assert all(s >= a for s, (_, a) in zip(shown, arrivals, strict=True))  # never before arrival


def test_the_delay_falls_back_once_the_link_is_clean() -> None:
    playout = PlayoutDelay()
    arrivals = _arrivals(120, 15, 0.250)
    for media, arrival in arrivals:
        playout.due(media, arrival)
    assert playout.delay >= 0.240
    media, arrival = arrivals[-1]
    for i in range(1, 200):  # 6.6 s of clean link afterwards
        playout.due(media + i * STEP, arrival + i * STEP)
    assert playout.delay < 0.05


def test_an_outage_then_its_catch_up_burst_are_shown_at_once() -> None:
    playout = PlayoutDelay()
    for media, arrival in _arrivals(90, 10_000, 0.0):
        playout.due(media, arrival)
    # 0.6 s with nothing, then the frames of that time arrive together, 2 ms apart.
    start_media, start_arrival = 90 * STEP, 100.0 + 90 * STEP + 0.620
    shown = [
        playout.due(start_media + i * STEP, start_arrival + i * 0.002) - (start_arrival + i * 0.002)
        for i in range(20)
    ]
    assert shown == [0.0] * 20
    assert playout.delay < 1e-9


def test_a_timeline_going_back_starts_again() -> None:
    playout = PlayoutDelay()
    for media, arrival in _arrivals(60, 20, 0.100):
        playout.due(media, arrival)
    assert playout.due(0.0, 200.0) == 200.0  # the sender's timestamps jump back: a new source
    assert playout.delay == 0.0


def _frame(pts_s: float) -> av.VideoFrame:
    frame = av.VideoFrame.from_ndarray(np.zeros((16, 16, 3), dtype=np.uint8), format="rgb24")
    frame.time_base = Fraction(1, 90_000)
    frame.pts = round(pts_s * 90_000)
    return frame


@pytest.mark.asyncio
async def test_the_queue_hands_frames_over_in_order_at_their_time() -> None:
    loop = asyncio.get_running_loop()
    sink = LatestFrameSink()
    shown: list[tuple[float, int]] = []
    sink_put = sink.put

    def put(frame: av.VideoFrame) -> None:
        shown.append((loop.time(), int(frame.pts or 0)))
        sink_put(frame)

    sink.put = put  # type: ignore[method-assign]
    queue = PlayoutQueue(sink, clock=loop.time)
    player = asyncio.create_task(queue.run())
    try:
        start = loop.time()
        queue.put(_frame(0.0))
        await asyncio.sleep(STEP + 0.150)  # frame 1 comes 150 ms late, 2 and 3 with it (head-of-line)
        for i in (1, 2, 3):
            queue.put(_frame(i * STEP))
        while len(shown) < 4:
            await asyncio.sleep(0.005)
    finally:
        player.cancel()
    assert [pts for _, pts in shown] == [round(i * STEP * 90_000) for i in range(4)]
    assert shown[0][0] - start < 0.02
    gaps = [b - a for (a, _), (b, _) in itertools.pairwise(shown[1:])]
    assert all(gap > STEP * 0.5 for gap in gaps), gaps  # 1, 2, 3 paced, not in one burst
    assert sink.frames == 4 and queue.dropped == 0


class _Later(PlayoutDelay):
    """Every frame due one second after it arrives."""

    def due(self, media: float, arrival: float) -> float:
        return arrival + 1.0


@pytest.mark.asyncio
async def test_the_player_stops_when_cancelled_as_a_frame_arrives() -> None:
    """The CI failure of stop 19: the player waited with Python 3.11's `asyncio.wait_for`, which
    loses a cancellation that comes in the same loop iteration as the wake-up (a frame arriving
    as the call ends). The player then ran on, outlived its call and was destroyed pending."""
    loop = asyncio.get_running_loop()
    queue = PlayoutQueue(LatestFrameSink(), delay=_Later(), clock=loop.time)
    player = asyncio.create_task(queue.run())
    queue.put(_frame(0.0))
    for _ in range(3):
        await asyncio.sleep(0)  # the player is now waiting for that frame's time
    queue.put(_frame(STEP))  # wakes it ...
    player.cancel()  # ... in the same iteration as the call ends
    await asyncio.wait({player}, timeout=2)
    assert player.cancelled()
