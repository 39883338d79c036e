"""Signaling frames: validation (total, fuzz-safe), round trips, and the in-memory channel."""

from __future__ import annotations

import contextlib
import json
import random

import pytest

from desktop.video.errors import SignalingError
from desktop.video.signaling import (
    Answer,
    Candidate,
    Hangup,
    IceCandidateInit,
    Offer,
    QueueSignaling,
    Ready,
    Renegotiate,
    Signal,
    memory_pair,
    parse_frame,
    to_frame,
)

SIGNALS: list[Signal] = [
    Ready("c", "p1"),
    Offer("c", "s1", "v=0\r\n"),
    Answer("c", "s1", "v=0\r\n"),
    Candidate("c", "s1", IceCandidateInit("candidate:1 1 udp 1 127.0.0.1 5000 typ host", "0", 0)),
    Candidate("c", "s1", None),
    Renegotiate("c", "media-stalled"),
    Hangup("c", "hangup"),
]


@pytest.mark.parametrize("signal", SIGNALS, ids=lambda s: type(s).__name__)
def test_every_signal_survives_json(signal: Signal) -> None:
    frame = json.loads(json.dumps(to_frame(signal)))
    assert frame["type"].startswith("call.")
    assert parse_frame(frame) == signal


def test_browser_end_of_candidates_as_empty_string() -> None:
    frame = {
        "type": "call.candidate",
        "call_id": "c",
        "session": "s",
        "candidate": {"candidate": "", "sdpMid": "0"},
    }
    assert parse_frame(frame) == Candidate("c", "s", None)


@pytest.mark.parametrize(
    "frame",
    [
        None,
        [],
        "call.offer",
        {"type": "call.offer", "call_id": "c", "session": "s"},
        {"type": "call.offer", "call_id": "", "session": "s", "sdp": "v=0"},
        {"type": "call.offer", "call_id": "c", "session": "s", "sdp": "x" * 70_000},
        {"type": "call.answer", "call_id": 3, "session": "s", "sdp": "v=0"},
        {"type": "call.candidate", "call_id": "c", "session": "s"},
        {"type": "call.candidate", "call_id": "c", "session": "s", "candidate": {"candidate": "candidate:x"}},
        {
            "type": "call.candidate",
            "call_id": "c",
            "session": "s",
            "candidate": {"candidate": 1, "sdpMid": "0"},
        },
        {
            "type": "call.candidate",
            "call_id": "c",
            "session": "s",
            "candidate": {"candidate": "candidate:x", "sdpMLineIndex": True},
        },
        {"type": "call.ready", "call_id": "c"},
        {"type": "call.unknown", "call_id": "c"},
        {"type": "ready", "user_id": "u"},  # the server's own socket frame, not a call frame
    ],
)
def test_malformed_frames_are_rejected_with_a_signaling_error(frame: object) -> None:
    with pytest.raises(SignalingError):
        parse_frame(frame)


def test_parser_is_total_on_random_json() -> None:
    rng = random.Random(1)
    leaves: list[object] = [None, True, 0, -1, 2**40, 1.5, "", "x", "call.offer", "candidate:1 1 udp"]
    keys = ["type", "call_id", "session", "sdp", "peer", "reason", "candidate", "sdpMid", "sdpMLineIndex"]

    def value(depth: int) -> object:
        roll = rng.random()
        if depth > 2 or roll < 0.5:
            return rng.choice(leaves)
        if roll < 0.8:
            return {rng.choice(keys): value(depth + 1) for _ in range(rng.randint(0, 5))}
        return [value(depth + 1) for _ in range(rng.randint(0, 3))]

    for _ in range(5_000):
        frame = value(0)
        if isinstance(frame, dict) and rng.random() < 0.7:
            frame["type"] = rng.choice(
                ["call.ready", "call.offer", "call.answer", "call.candidate", "call.hangup"]
            )
            frame["call_id"] = "c"
        with contextlib.suppress(SignalingError):
            parse_frame(frame)


@pytest.mark.asyncio
async def test_memory_pair_delivers_json_and_drops_while_offline() -> None:
    a, b = memory_pair()
    await a.send(to_frame(Ready("c", "p")))
    assert await b.receive() == {"type": "call.ready", "call_id": "c", "peer": "p"}
    b.online = False
    await a.send(to_frame(Hangup("c", "hangup")))
    b.online = True
    await b.send(to_frame(Hangup("c", "hangup")))
    assert (await a.receive())["type"] == "call.hangup"
    assert b._queue.empty()
    assert a.sent == ["call.ready", "call.hangup"]


@pytest.mark.asyncio
async def test_queue_signaling_closes_cleanly() -> None:
    sent: list[dict[str, object]] = []

    async def send(frame: dict[str, object]) -> None:
        sent.append(frame)

    channel = QueueSignaling(send)
    channel.deliver({"type": "call.ready"})
    channel.close()
    channel.deliver({"type": "call.hangup"})  # after close: ignored
    assert await channel.receive() == {"type": "call.ready"}
    assert await channel.receive() is None
    assert await channel.receive() is None
    with pytest.raises(SignalingError):
        await channel.send({"type": "call.ready"})
    assert sent == []
