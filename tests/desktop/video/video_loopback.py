"""Helpers for loopback calls between two engines in one process (imported by the tests)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from desktop.domain.call_state import CallState
from desktop.video.adaptation import ResolutionController
from desktop.video.aiortc_engine import AiortcCallEngine
from desktop.video.engine import CallOptions, Role
from desktop.video.signaling import Frame, IceCandidateInit, MemorySignaling
from desktop.video.sinks import LatestFrameSink, NullAudioSink
from desktop.video.sources import TestPatternSource, ToneSource
from desktop.video.stats import CallStats


def split_candidates(sdp: str) -> tuple[str, list[IceCandidateInit]]:
    """Remove the ``a=candidate`` lines of a description and return them as trickle candidates.

    This is what a browser's description looks like before its candidates are trickled; it
    drives the engine's trickle path with aiortc on both sides.
    """
    newline = "\r\n" if "\r\n" in sdp else "\n"
    kept: list[str] = []
    found: list[IceCandidateInit] = []
    mid: str | None = None
    index = -1
    for line in sdp.split(newline):
        if line.startswith("m="):
            index += 1
            mid = None
        elif line.startswith("a=mid:"):
            mid = line[len("a=mid:") :]
        if line.startswith("a=candidate:"):
            found.append(IceCandidateInit(candidate=line[2:], sdp_mid=mid, sdp_mline_index=index))
            continue
        if line == "a=end-of-candidates":
            continue
        kept.append(line)
    return newline.join(kept), found


class TrickleSignaling(MemorySignaling):
    """Sends answers the way a browser does: without candidates, which follow one by one."""

    async def _to_peer(self, frame: Frame) -> None:
        if frame.get("type") != "call.answer":
            await super()._to_peer(frame)
            return
        sdp, candidates = split_candidates(frame["sdp"])
        await super()._to_peer({**frame, "sdp": sdp})
        for candidate in candidates:
            init = {
                "candidate": candidate.candidate,
                "sdpMid": candidate.sdp_mid,
                "sdpMLineIndex": candidate.sdp_mline_index,
            }
            await super()._to_peer(
                {
                    "type": "call.candidate",
                    "call_id": frame["call_id"],
                    "session": frame["session"],
                    "candidate": init,
                }
            )
        await super()._to_peer(
            {
                "type": "call.candidate",
                "call_id": frame["call_id"],
                "session": frame["session"],
                "candidate": None,
            }
        )


@dataclass
class Side:
    engine: AiortcCallEngine
    channel: MemorySignaling
    video: TestPatternSource
    audio: ToneSource
    remote_video: LatestFrameSink
    remote_audio: NullAudioSink
    states: list[CallState] = field(default_factory=list)
    stats: list[CallStats] = field(default_factory=list)


def make_side(
    role: Role,
    channel: MemorySignaling,
    *,
    call_id: str = "call-1",
    ice_servers: Iterable[Mapping[str, Any]] | None = None,
    size: tuple[int, int] = (640, 480),
    options: CallOptions | None = None,
    **kwargs: Any,
) -> Side:
    states: list[CallState] = []
    stats: list[CallStats] = []
    video, audio = TestPatternSource(*size), ToneSource()
    remote_video, remote_audio = LatestFrameSink(), NullAudioSink()
    # Two peers share this process (and the GIL) on a shared 2-core machine: under load the
    # sender's time per frame can pass 25 ms and the resolution would rightly step down. Tests
    # that assert sizes must not depend on the machine, so adaptation is off unless a test
    # brings its own controller (it is tested on its own and in one call test).
    kwargs.setdefault("controller", ResolutionController(budget_ms=1e6))
    engine = AiortcCallEngine(
        call_id=call_id,
        role=role,
        signaling=channel,
        ice_servers=ice_servers if ice_servers is not None else [],
        video=video,
        audio=audio,
        remote_video=remote_video,
        remote_audio=remote_audio,
        on_state=states.append,
        on_stats=stats.append,
        options=options,
        **kwargs,
    )
    return Side(engine, channel, video, audio, remote_video, remote_audio, states, stats)


@dataclass
class CallPair:
    offerer: Side
    answerer: Side

    async def start(self) -> None:
        await asyncio.gather(self.offerer.engine.start(), self.answerer.engine.start())

    async def close(self) -> None:
        await asyncio.gather(self.offerer.engine.close(), self.answerer.engine.close())


async def wait_until(predicate: Callable[[], bool], timeout: float, what: str = "condition") -> float:
    """Poll `predicate` every 10 ms; return the time it took, fail the test after `timeout`."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.01)
    return time.monotonic() - started


def media_flowing(side: Side, frames: int = 1, audio: int = 1) -> Callable[[], bool]:
    base_v, base_a = side.remote_video.frames, side.remote_audio.frames
    return lambda: side.remote_video.frames >= base_v + frames and side.remote_audio.frames >= base_a + audio


class Network:
    """Cuts every ICE/RTP datagram of every peer in the process while `down` (a network outage)."""

    def __init__(self) -> None:
        self.down = False
        self.dropped = 0


MakeCall = Callable[..., Awaitable[CallPair]]
