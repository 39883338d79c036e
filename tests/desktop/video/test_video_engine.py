"""Loopback calls between two real aiortc engines in one process, joined by in-memory signaling."""

from __future__ import annotations

import asyncio
import gc
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from video_loopback import MakeCall, media_flowing, wait_until

from desktop.domain.call_state import CallState, EndReason
from desktop.video.adaptation import ResolutionController
from desktop.video.sources import marker_age_ms, read_marker

pytestmark = pytest.mark.asyncio


async def test_video_and_audio_flow_both_ways(make_call: MakeCall) -> None:
    call = await make_call()
    for side in (call.offerer, call.answerer):
        await wait_until(media_flowing(side, frames=45, audio=75), 10, "1.5 s of media")
    for side in (call.offerer, call.answerer):
        assert side.engine.state is CallState.CONNECTED
        assert side.remote_video.size == (640, 480)
        assert side.remote_audio.samples >= 75 * 960  # decoded Opus: 20 ms frames at 48 kHz
        frame = side.remote_video.take()
        assert frame is not None
        assert read_marker(frame, 480) is not None  # it is really the other side's pattern
        assert marker_age_ms(read_marker(frame, 480) or 0) < 1000
        assert side.engine.session is not None and side.engine.session.video_codec == "VP8"
        assert side.engine.session.audio_sync is not None  # the remote sound goes through lip sync
    timeline = call.offerer.engine.timeline
    assert timeline["first_video"] - timeline["offer_sent"] < 1.0


async def test_first_frames_are_quick_and_stats_arrive_every_second(make_call: MakeCall) -> None:
    call = await make_call()
    await wait_until(lambda: len(call.offerer.stats) >= 3 and len(call.answerer.stats) >= 3, 10, "stats")
    for side in (call.offerer, call.answerer):
        stats = side.stats[-1]
        assert 0.5 < stats.interval < 1.6
        # ~30 fps each way; averaged over 3 s, with room for a shared, loaded 2-core machine.
        recent = side.stats[-3:]
        assert 15 <= sum(s.receive_fps for s in recent) / 3 <= 40
        assert 15 <= sum(s.send_fps for s in recent) / 3 <= 40
        assert stats.send_kbps > 50 and stats.receive_kbps > 50
        assert stats.receive_loss == 0.0
        assert stats.send_resolution == (640, 480) and stats.receive_resolution == (640, 480)
        assert stats.video_codec == "VP8"
        # No loss, a loopback RTT: « bonne » — unless this very second was starved of CPU (a loaded
        # machine drops the sampled fps under 20, which is « moyenne » by design), never « mauvaise ».
        assert stats.quality.value == ("good" if stats.receive_fps >= 20 else "fair"), stats
    await wait_until(lambda: call.offerer.stats[-1].round_trip_ms is not None, 8, "an RTCP round trip")
    assert 0 <= (call.offerer.stats[-1].round_trip_ms or 0) < 200


async def test_browser_style_trickled_candidates_connect(make_call: MakeCall) -> None:
    call = await make_call(trickle=True)
    await wait_until(media_flowing(call.offerer, frames=10, audio=10), 10, "media from a trickling peer")
    assert call.answerer.channel.sent.count("call.candidate") >= 2  # at least one, plus the end


@pytest.mark.parametrize("who", ["offerer", "answerer"])
async def test_hang_up_from_either_side_ends_both(make_call: MakeCall, who: str) -> None:
    call = await make_call()
    await wait_until(media_flowing(call.offerer, frames=5), 10, "media")
    leaving = call.offerer if who == "offerer" else call.answerer
    staying = call.answerer if who == "offerer" else call.offerer
    await leaving.engine.hang_up()
    await asyncio.wait_for(staying.engine.wait_ended(), 3)
    assert leaving.engine.end_reason is EndReason.LOCAL_HANGUP
    assert staying.engine.end_reason is EndReason.REMOTE_HANGUP
    for side in (leaving, staying):
        assert side.states[-1] is CallState.ENDED
        assert side.remote_video.latest is None  # nothing left to paint
    await leaving.engine.close()  # idempotent
    await staying.engine.close()
    assert leaving.states.count(CallState.ENDED) == 1


async def test_the_answerer_may_start_first(make_call: MakeCall) -> None:
    call = await make_call(start=False)
    await call.answerer.engine.start()
    await wait_until(lambda: call.answerer.engine.state is CallState.WAITING, 5, "waiting")
    await call.offerer.engine.start()
    await wait_until(media_flowing(call.offerer, frames=5), 10, "media")
    assert call.offerer.channel.sent.count("call.offer") == 1  # no second offer for the same peer


async def test_unreachable_stun_and_turn_still_connect_within_1_5_s(
    make_call: MakeCall, silent_udp_port: int
) -> None:
    servers = [
        {"urls": f"stun:127.0.0.1:{silent_udp_port}"},
        {"urls": f"turn:127.0.0.1:{silent_udp_port}?transport=udp", "username": "u", "credential": "p"},
    ]
    started = time.monotonic()
    call = await make_call(ice_servers=servers)
    await wait_until(lambda: call.offerer.engine.state is CallState.CONNECTED, 5, "connected")
    await wait_until(media_flowing(call.offerer, frames=1, audio=1), 5, "media")
    assert time.monotonic() - started < 1.5
    assert call.offerer.engine.session is not None


@pytest.fixture
def silent_udp_port() -> Iterator[int]:
    """A local UDP port that never answers: an unreachable STUN/TURN server, without a network."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    yield sock.getsockname()[1]
    sock.close()


def _no_default_route() -> bool:
    try:
        lines = Path("/proc/net/route").read_text(encoding="ascii").splitlines()[1:]
    except OSError:
        return False
    return not any(line.split()[1] == "00000000" for line in lines)


@pytest.mark.skipif(
    not _no_default_route(), reason="would send packets off the machine: run inside unshare -n"
)
async def test_unreachable_test_net_stun_server_still_connects_within_1_5_s(make_call: MakeCall) -> None:
    started = time.monotonic()
    call = await make_call(ice_servers=[{"urls": "stun:192.0.2.1:3478"}])
    await wait_until(media_flowing(call.offerer, frames=1, audio=1), 5, "media")
    assert time.monotonic() - started < 1.5


def _threads() -> set[str]:
    # The loop's default executor keeps idle workers ("asyncio_N") for the loop's lifetime;
    # they belong to the loop, not to the call, and end when pytest-asyncio closes it.
    return {f"{t.name}#{t.ident}" for t in threading.enumerate() if not t.name.startswith("asyncio_")}


async def test_close_leaves_no_task_and_no_thread_behind(make_call: MakeCall) -> None:
    tasks_before = asyncio.all_tasks()
    threads_before = _threads()
    call = await make_call()
    await wait_until(media_flowing(call.offerer, frames=10, audio=10), 10, "media")
    await wait_until(media_flowing(call.answerer, frames=10, audio=10), 10, "media")
    assert len(asyncio.all_tasks()) > len(tasks_before) + 5
    assert _threads() - threads_before  # aiortc's decoder threads, at least
    await call.close()
    await call.close()  # idempotent
    for _ in range(20):  # aiortc's last callbacks finish within a few loop turns
        await asyncio.sleep(0.01)
    gc.collect()
    leftover = [t for t in asyncio.all_tasks() - tasks_before if not t.done()]
    assert leftover == [], [t.get_coro() for t in leftover]
    assert _threads() - threads_before == set()


async def test_camera_and_microphone_switches(make_call: MakeCall) -> None:
    call = await make_call()
    await wait_until(media_flowing(call.answerer, frames=5), 10, "media")
    await call.offerer.engine.set_camera(False)
    call.offerer.engine.set_microphone(False)

    def black() -> bool:
        frame = call.answerer.remote_video.take()
        return frame is not None and frame.to_ndarray(format="gray").mean() < 30

    await wait_until(black, 5, "a black frame")
    await wait_until(media_flowing(call.answerer, frames=3, audio=10), 5, "black frames and silence")
    assert call.answerer.engine.state is CallState.CONNECTED  # a muted call is not a stalled one


async def test_adaptation_steps_the_sent_resolution_down_in_a_real_call(make_call: MakeCall) -> None:
    # A budget no encoder can meet: the sender must walk down 480 -> 360 -> 270 -> 180.
    strict = ResolutionController(budget_ms=0.01, window=0.5)
    call = await make_call(offerer={"controller": strict})
    await wait_until(lambda: call.answerer.remote_video.size == (240, 180), 10, "180p frames")
    assert strict.changes == 3
