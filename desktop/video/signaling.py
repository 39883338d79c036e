"""Signaling frames of a call, their validation, and the port the engine talks through.

Frames are JSON objects relayed verbatim by the companion server between the two participants
of a call (never persisted). Every frame names its call; offer, answer and candidate frames also
name the *session*: one peer connection of the call, replaced when the call renegotiates, so a
late frame of an abandoned session is ignored instead of corrupting the new one.

    {"type": "call.ready",       "call_id": C, "peer": P}       # I am here (P: random per page load)
    {"type": "call.offer",       "call_id": C, "session": S, "sdp": "v=0…"}   # practitioner only
    {"type": "call.answer",      "call_id": C, "session": S, "sdp": "v=0…"}
    {"type": "call.candidate",   "call_id": C, "session": S,
     "candidate": {"candidate": "candidate:…", "sdpMid": "0", "sdpMLineIndex": 0} | null}   # null: end
    {"type": "call.renegotiate", "call_id": C, "reason": "media-stalled"}      # please offer again
    {"type": "call.hangup",      "call_id": C, "reason": "hangup"}

`parse_frame` is total: any JSON value either becomes one of the dataclasses below or raises
`SignalingError` (never another exception), which keeps it fuzzable.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from desktop.video.errors import SignalingError

MAX_SDP = 60_000  # the server's WebSocket frame cap is 64 KiB
MAX_ID = 128
MAX_CANDIDATE = 1_024
MAX_REASON = 64

Frame = dict[str, Any]


@dataclass(frozen=True, slots=True)
class IceCandidateInit:
    """A remote ICE candidate as a browser's `RTCIceCandidateInit` carries it."""

    candidate: str
    sdp_mid: str | None
    sdp_mline_index: int | None


@dataclass(frozen=True, slots=True)
class Ready:
    call_id: str
    peer: str


@dataclass(frozen=True, slots=True)
class Offer:
    call_id: str
    session: str
    sdp: str


@dataclass(frozen=True, slots=True)
class Answer:
    call_id: str
    session: str
    sdp: str


@dataclass(frozen=True, slots=True)
class Candidate:
    """A trickled candidate; `candidate` None means end-of-candidates."""

    call_id: str
    session: str
    candidate: IceCandidateInit | None


@dataclass(frozen=True, slots=True)
class Renegotiate:
    call_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Hangup:
    call_id: str
    reason: str


Signal = Ready | Offer | Answer | Candidate | Renegotiate | Hangup


def _text(frame: Mapping[str, Any], key: str, limit: int, *, empty: bool = False) -> str:
    value = frame.get(key)
    if not isinstance(value, str) or len(value) > limit or (not value and not empty):
        raise SignalingError(f"Message de signalisation invalide (champ « {key} »).")
    return value


def _candidate(value: object) -> IceCandidateInit | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise SignalingError("Message de signalisation invalide (champ « candidate »).")
    text = _text(value, "candidate", MAX_CANDIDATE, empty=True)
    if not text:  # browsers may signal the end of candidates with an empty string
        return None
    mid = value.get("sdpMid")
    index = value.get("sdpMLineIndex")
    if mid is not None and (not isinstance(mid, str) or len(mid) > 32):
        raise SignalingError("Message de signalisation invalide (champ « sdpMid »).")
    if index is not None and (isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < 64):
        raise SignalingError("Message de signalisation invalide (champ « sdpMLineIndex »).")
    if mid is None and index is None:
        raise SignalingError("Message de signalisation invalide (candidat sans sdpMid ni sdpMLineIndex).")
    return IceCandidateInit(candidate=text, sdp_mid=mid, sdp_mline_index=index)


def parse_frame(frame: object) -> Signal:
    """Validate one received frame.

    Raises:
        SignalingError: the frame is not a call frame this engine understands.
    """
    if not isinstance(frame, Mapping):
        raise SignalingError("Message de signalisation invalide.")
    kind = frame.get("type")
    call_id = _text(frame, "call_id", MAX_ID)
    if kind == "call.ready":
        return Ready(call_id, _text(frame, "peer", MAX_ID))
    if kind == "call.offer":
        return Offer(call_id, _text(frame, "session", MAX_ID), _text(frame, "sdp", MAX_SDP))
    if kind == "call.answer":
        return Answer(call_id, _text(frame, "session", MAX_ID), _text(frame, "sdp", MAX_SDP))
    if kind == "call.candidate":
        if "candidate" not in frame:
            raise SignalingError("Message de signalisation invalide (champ « candidate »).")
        return Candidate(call_id, _text(frame, "session", MAX_ID), _candidate(frame["candidate"]))
    if kind == "call.renegotiate":
        return Renegotiate(call_id, _text(frame, "reason", MAX_REASON))
    if kind == "call.hangup":
        return Hangup(call_id, _text(frame, "reason", MAX_REASON))
    raise SignalingError("Type de message de signalisation inconnu.")


def to_frame(signal: Signal) -> Frame:
    """The JSON-able frame of a signal (the inverse of `parse_frame`)."""
    match signal:
        case Ready(call_id, peer):
            return {"type": "call.ready", "call_id": call_id, "peer": peer}
        case Offer(call_id, session, sdp):
            return {"type": "call.offer", "call_id": call_id, "session": session, "sdp": sdp}
        case Answer(call_id, session, sdp):
            return {"type": "call.answer", "call_id": call_id, "session": session, "sdp": sdp}
        case Candidate(call_id, session, candidate):
            init = None
            if candidate is not None:
                init = {
                    "candidate": candidate.candidate,
                    "sdpMid": candidate.sdp_mid,
                    "sdpMLineIndex": candidate.sdp_mline_index,
                }
            return {"type": "call.candidate", "call_id": call_id, "session": session, "candidate": init}
        case Renegotiate(call_id, reason):
            return {"type": "call.renegotiate", "call_id": call_id, "reason": reason}
        case Hangup(call_id, reason):
            return {"type": "call.hangup", "call_id": call_id, "reason": reason}
    raise AssertionError(signal)  # pragma: no cover - the match is exhaustive


class SignalingChannel(Protocol):
    """What the engine needs from the signaling transport (the companion server's WebSocket).

    `send` may raise `SignalingError` when the transport is down; the engine then relies on its
    own retries. `receive` returns the next frame addressed to this call, or None once the
    channel is closed for good.
    """

    async def send(self, frame: Frame) -> None: ...

    async def receive(self) -> Frame | None: ...


class QueueSignaling:
    """A `SignalingChannel` fed by whoever owns the socket.

    The realtime client calls `deliver` for every ``call.*`` frame of this call; outgoing frames
    go to the `send` coroutine it supplies.
    """

    def __init__(self, send: Callable[[Frame], Awaitable[None]]) -> None:
        self._send = send
        self._queue: asyncio.Queue[Frame | None] = asyncio.Queue()
        self._closed = False

    def deliver(self, frame: Frame) -> None:
        if not self._closed:
            self._queue.put_nowait(frame)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._queue.put_nowait(None)

    @property
    def closed(self) -> bool:
        return self._closed

    async def send(self, frame: Frame) -> None:
        if self._closed:
            raise SignalingError("La signalisation de l'appel est fermée.")
        await self._send(frame)

    async def receive(self) -> Frame | None:
        if self._closed and self._queue.empty():
            return None
        return await self._queue.get()


class MemorySignaling(QueueSignaling):
    """One end of an in-process signaling pair, for loopback tests and benchmarks.

    Frames go through `json.dumps`/`json.loads`, so whatever passes here is JSON-able. While the
    pair is `online` is False, frames are dropped, as a WebSocket outage drops unpersisted ones.
    """

    def __init__(self) -> None:
        super().__init__(self._to_peer)
        self.peer: MemorySignaling | None = None
        self.online = True
        self.sent: list[str] = []  # frame types, for assertions

    async def _to_peer(self, frame: Frame) -> None:
        text = json.dumps(frame, ensure_ascii=False)
        self.sent.append(str(frame.get("type")))
        if self.online and self.peer is not None and self.peer.online:
            self.peer.deliver(json.loads(text))


def memory_pair() -> tuple[MemorySignaling, MemorySignaling]:
    """Two connected in-process signaling ends."""
    a, b = MemorySignaling(), MemorySignaling()
    a.peer, b.peer = b, a
    return a, b
