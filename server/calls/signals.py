"""Call frames as the relay accepts them: shapes and sizes, who may send which, and the rate.

The relay forwards signaling between the two participants of a call but never trusts what a
client writes: each frame is rebuilt from the fields the contract names (docs/video.md), with
the same limits as the desktop engine's parser, and anything else is refused with a French error.
The server then adds `conversation_id` and `from` (the sender's role) itself.

Frames (client → server; relayed with the same type unless noted):

- `call.ready {call_id, peer}`, `call.offer {call_id, session, sdp}` (practitioner only),
  `call.answer {call_id, session, sdp}` (patient only), `call.candidate {call_id, session,
  candidate|null}`, `call.renegotiate {call_id, reason}`, `call.hangup {call_id, reason}`;
- `call.precheck {conversation_id, result}` (patient → practitioner): the pre-call check;
- `call.waiting {conversation_id, state: waiting|left}` (patient) → `call.presence` to the
  practitioner; `call.presence.query {conversation_id}` (practitioner → patient);
- `call.start {conversation_id, ref?}` (practitioner) → `call.start.ok {ref, call}` to the sender.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, get_args

from contracts.wire.calls import CheckState, DeviceState, PrecheckPublic
from contracts.wire.common import text_problem
from server.kernel.errors import ForbiddenError, InvalidInputError, RateLimitedError

MAX_SDP = 60_000
MAX_ID = 128
MAX_CANDIDATE = 1_024
MAX_REASON = 64

SIGNAL_TYPES = (
    "call.ready",
    "call.offer",
    "call.answer",
    "call.candidate",
    "call.renegotiate",
    "call.hangup",
)
# Frames only one side may send; the others go both ways.
SENDER_ROLE = {"call.offer": "practitioner", "call.answer": "patient"}

DEVICE_STATES = get_args(DeviceState)
CHECK_STATES = get_args(CheckState)
PRECHECK_FIELDS = {
    "camera": DEVICE_STATES,
    "microphone": DEVICE_STATES,
    "server": CHECK_STATES,  # the page reached the companion server (API and socket)
    "network": CHECK_STATES,  # ICE gathering produced candidates
    "relay": CHECK_STATES,  # the TURN server answered (a relay candidate); "none": not configured
}
_BROWSER = re.compile(r"[^\w .()/+-]")


def _invalid(field: str) -> InvalidInputError:
    return InvalidInputError(
        f"Message d'appel invalide (champ « {field} »).", code="invalid_call_frame", field=field
    )


def _text(
    frame: Mapping[str, Any], key: str, limit: int, *, default: str | None = None, multiline: bool = False
) -> str:
    """A non-empty string of at most `limit` characters, under the input policy (`text_problem`)."""
    value = frame.get(key, default)
    if not isinstance(value, str) or not value or len(value) > limit:
        raise _invalid(key)
    if text_problem(value, multiline=multiline) is not None:
        raise _invalid(key)
    return value


def _candidate(value: object) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise _invalid("candidate")
    text = value.get("candidate")
    if not isinstance(text, str) or len(text) > MAX_CANDIDATE or text_problem(text) is not None:
        raise _invalid("candidate")
    if not text:
        return None  # end of candidates, as browsers may say it
    mid, index = value.get("sdpMid"), value.get("sdpMLineIndex")
    if mid is not None and (not isinstance(mid, str) or len(mid) > 32 or text_problem(mid) is not None):
        raise _invalid("sdpMid")
    if index is not None and (isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < 64):
        raise _invalid("sdpMLineIndex")
    if mid is None and index is None:
        raise _invalid("sdpMid")
    out: dict[str, Any] = {"candidate": text, "sdpMid": mid, "sdpMLineIndex": index}
    fragment = value.get("usernameFragment")
    if isinstance(fragment, str) and 0 < len(fragment) <= 256 and text_problem(fragment) is None:
        out["usernameFragment"] = fragment
    return out


def clean_signal(frame: Mapping[str, Any]) -> dict[str, Any]:
    """The frame rebuilt from its contract fields only.

    Raises:
        InvalidInputError: a field is missing, of the wrong type or too long.
    """
    kind = frame.get("type")
    if kind not in SIGNAL_TYPES:
        raise _invalid("type")
    out: dict[str, Any] = {"type": kind, "call_id": _text(frame, "call_id", MAX_ID)}
    if kind == "call.ready":
        out["peer"] = _text(frame, "peer", MAX_ID)
    elif kind in ("call.offer", "call.answer"):
        out["session"] = _text(frame, "session", MAX_ID)
        out["sdp"] = _text(frame, "sdp", MAX_SDP, multiline=True)
    elif kind == "call.candidate":
        if "candidate" not in frame:
            raise _invalid("candidate")
        out["session"] = _text(frame, "session", MAX_ID)
        out["candidate"] = _candidate(frame["candidate"])
    else:
        out["reason"] = _text(frame, "reason", MAX_REASON, default="hangup")
    return out


def check_sender(kind: str, role: str | None) -> None:
    """Refuse an offer from the patient or an answer from the practitioner."""
    wanted = SENDER_ROLE.get(kind)
    if wanted is not None and role != wanted:
        raise ForbiddenError("Ce message d'appel ne peut pas venir de vous.", code="call_wrong_side")


def conversation_of(frame: Mapping[str, Any]) -> str:
    return _text(frame, "conversation_id", MAX_ID)


def clean_precheck(value: object) -> PrecheckPublic:
    """The pre-call check result: device and network states, and the browser's name."""
    if not isinstance(value, Mapping):
        raise _invalid("result")
    out: dict[str, str] = {}
    for key, allowed in PRECHECK_FIELDS.items():
        state = value.get(key, "skipped")
        if state not in allowed:
            raise _invalid(key)
        out[key] = str(state)
    browser = value.get("browser", "")
    if not isinstance(browser, str):
        raise _invalid("browser")
    out["browser"] = _BROWSER.sub("", browser)[:40]
    return PrecheckPublic.model_validate(out)


def clean_presence_state(frame: Mapping[str, Any]) -> str:
    state = frame.get("state", "waiting")
    if state not in ("waiting", "left"):
        raise _invalid("state")
    return str(state)


class SignalRate:
    """A token bucket per socket: `rate` frames a second, bursts up to one second's worth.

    The WebRTC setup of a call sends a few dozen frames (candidates) within a second; a client
    beyond the budget is misbehaving, and its excess frames are refused, not queued.
    """

    __slots__ = ("_last", "_rate", "_tokens", "refused")

    def __init__(self, rate: float, now: float) -> None:
        self._rate = max(1.0, float(rate))
        self._tokens = self._rate
        self._last = now
        self.refused = 0

    def take(self, now: float) -> None:
        """Spend one token.

        Raises:
            RateLimitedError: the socket is over its budget; the frame must be dropped.
        """
        self._tokens = min(self._rate, self._tokens + (now - self._last) * self._rate)
        self._last = now
        if self._tokens < 1.0:
            self.refused += 1
            raise RateLimitedError(
                "Trop de messages d'appel envoyés d'un coup : ce message est ignoré. "
                "L'appel continue ; si l'image se fige, raccrochez puis rappelez.",
                retry_after=1,
                code="call_rate_limited",
            )
        self._tokens -= 1.0
