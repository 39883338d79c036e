"""Property tests of the server's parsers (issue 11, §5): contacts, amounts, labels, call frames, and
the socket's frame handling on a real server.

Each parser accepts a value or refuses it with `InvalidInputError` (a French 422 or `error` frame),
whatever it is given; it accepts every valid value generated here; what it normalises is a fixed
point. The socket answers any frame, JSON or not, without closing and without logging an error.
Bounded for `make test` (`TELECONSULT_FUZZ_EXAMPLES`); `make fuzz` runs more.
"""

from __future__ import annotations

import json
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.wire.common import find_text_problem
from server.calls.signals import CHECK_STATES, DEVICE_STATES, SIGNAL_TYPES, clean_precheck, clean_signal
from server.kernel.contacts import normalize_email, normalize_phone
from server.kernel.errors import InvalidInputError
from server.kernel.values import MAX_AMOUNT_CENTS, check_label, euros, parse_amount
from tests.helpers.factories import make_conversation, make_patient, make_practitioner
from tests.helpers.live_server import LiveServer
from tests.helpers.ws import RealtimeClient

SCALE = int(os.environ.get("TELECONSULT_FUZZ_EXAMPLES", "3"))
DEEP = SCALE > 10


def bounded(examples: int) -> settings:
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        database=None,
        derandomize=not DEEP,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


def refused_in_french(refusal: InvalidInputError) -> None:
    assert refusal.status == 422 and refusal.detail and refusal.code


# JSON values as a client may write them, and frames made of them.
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
FIELDS = ["call_id", "peer", "session", "sdp", "candidate", "reason", "conversation_id", "result", "state"]


# An ICE candidate as a client may write it: the contract's keys, any values.
CANDIDATES = st.fixed_dictionaries(
    {"candidate": st.text(max_size=60)},
    optional={
        "sdpMid": st.text(max_size=4) | JSON,
        "sdpMLineIndex": st.integers(-2, 70) | JSON,
        "usernameFragment": st.text(max_size=10) | JSON,
    },
)


@st.composite
def frames(draw: st.DrawFn, types: list[str]) -> dict[str, Any]:
    """A frame of one of `types` (or any type): each contract field present or not, of a plausible
    value (any text; a candidate-shaped object) or of any JSON value, and unknown fields."""
    frame: dict[str, Any] = {"type": draw(st.sampled_from(types) | st.text(max_size=20) | JSON)}
    for name in FIELDS:
        if draw(st.integers(0, 3)):
            plausible = CANDIDATES if name == "candidate" else st.text(min_size=1, max_size=80)
            frame[name] = draw(plausible | plausible | JSON)
    for name in draw(st.lists(st.text(max_size=8), max_size=2)):
        frame[name] = draw(JSON)
    return frame


ID = st.text(alphabet="abcdef0123456789-", min_size=1, max_size=128)


@st.composite
def valid_signals(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(SIGNAL_TYPES))
    frame: dict[str, Any] = {"type": kind, "call_id": draw(ID)}
    if kind == "call.ready":
        frame["peer"] = draw(ID)
    elif kind in ("call.offer", "call.answer"):
        frame["session"] = draw(ID)
        frame["sdp"] = "v=0\r\n" + draw(st.text(alphabet="abc =:/\r\n0123456789", max_size=200))
    elif kind == "call.candidate":
        frame["session"] = draw(ID)
        frame["candidate"] = draw(
            st.none()
            | st.fixed_dictionaries(
                {"candidate": st.just("candidate:1 1 udp 2122 192.0.2.1 5000 typ host")},
                optional={"sdpMid": st.just("0"), "sdpMLineIndex": st.integers(0, 63)},
            ).filter(lambda c: len(c) > 1)
        )
    else:
        frame["reason"] = draw(st.text(alphabet="abcdefghij-", min_size=1, max_size=64))
    return frame


# ---------------------------------------------------------------- emails and phones
@bounded(60)
@given(st.text(max_size=300))
def test_email_normalisation_refuses_in_french_or_gives_a_fixed_point(value: str) -> None:
    try:
        email = normalize_email(value)
    except InvalidInputError as refusal:
        refused_in_french(refusal)
    else:
        assert normalize_email(email) == email == email.lower()


@bounded(60)
@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=30),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._-", max_size=20),
    st.sampled_from(["example.fr", "Exemple.COM", "sante.gouv.fr", "mail.example.org"]),
)
def test_every_plain_email_is_accepted_lower_cased(head: str, tail: str, domain: str) -> None:
    local = (head + tail).replace("..", ".").rstrip(".-_") or head
    email = f"{local}@{domain}"
    assert normalize_email(f"  {email} ") == email.lower()


@bounded(60)
@given(st.text(alphabet="0123456789 +-.()", max_size=24) | st.text(max_size=40), st.booleans())
def test_phone_normalisation_refuses_in_french_or_gives_e164(value: str, mobile: bool) -> None:
    try:
        e164 = normalize_phone(value, require_mobile=mobile)
    except InvalidInputError as refusal:
        refused_in_french(refusal)
    else:
        assert e164.startswith("+") and e164[1:].isdigit()
        assert normalize_phone(e164, require_mobile=mobile) == e164


@bounded(60)
@given(st.sampled_from(["61", "62", "64", "75", "76", "78"]), st.integers(0, 10**7 - 1))
def test_every_french_mobile_is_the_same_number_however_written(prefix: str, rest: int) -> None:
    digits = f"{prefix}{rest:07d}"  # 9 digits after the leading 0
    national = "0" + digits
    spaced = " ".join(national[i : i + 2] for i in range(0, 10, 2))
    forms = [
        national,
        spaced,
        "+33" + digits,
        "+33 " + spaced[1:],
        "0033" + digits,
        national.replace("", ".")[1:-1],
    ]
    assert {normalize_phone(form, require_mobile=True) for form in forms} == {"+33" + digits}


# ---------------------------------------------------------------- amounts and labels
@bounded(60)
@given(st.integers(1, MAX_AMOUNT_CENTS))
def test_every_amount_round_trips_through_its_wire_form(cents: int) -> None:
    text = euros(cents)
    assert parse_amount(text) == cents
    assert parse_amount(text.replace(".", ",")) == cents
    assert parse_amount(f"{text} €") == cents


@bounded(60)
@given(st.one_of(st.text(max_size=20), st.text(alphabet="0123456789.,- €", max_size=14), JSON))
def test_amount_parsing_refuses_in_french_or_gives_cents_in_range(value: object) -> None:
    try:
        cents = parse_amount(value)
    except InvalidInputError as refusal:
        refused_in_french(refusal)
    else:
        assert 1 <= cents <= MAX_AMOUNT_CENTS
        assert parse_amount(euros(cents)) == cents


@bounded(60)
@given(st.none() | st.text(max_size=260))
def test_label_check_refuses_in_french_or_gives_a_fixed_point(value: str | None) -> None:
    try:
        label = check_label(value)
    except InvalidInputError as refusal:
        refused_in_french(refusal)
    else:
        assert check_label(label) == label and 1 <= len(label) <= 200


# ---------------------------------------------------------------- call frames
@bounded(100)
@given(frames(list(SIGNAL_TYPES)))
def test_call_frames_are_rebuilt_or_refused_in_french(frame: dict[str, Any]) -> None:
    try:
        clean = clean_signal(frame)
    except InvalidInputError as refusal:
        refused_in_french(refusal)
        assert refusal.code == "invalid_call_frame"
    else:
        assert clean_signal(clean) == clean  # a rebuilt frame is a fixed point
        assert set(clean) <= {"type", "call_id", "peer", "session", "sdp", "candidate", "reason"}
        # Every text relayed follows the input policy (an SDP may hold line breaks).
        assert find_text_problem(clean, multiline_keys=frozenset({"sdp"})) is None
        json.dumps(clean)


@bounded(60)
@given(valid_signals())
def test_every_valid_call_frame_is_accepted_as_sent(frame: dict[str, Any]) -> None:
    clean = clean_signal(frame)
    expected = dict(frame)
    if isinstance(expected.get("candidate"), dict):
        expected["candidate"] = {"sdpMid": None, "sdpMLineIndex": None, **expected["candidate"]}
    assert clean == expected


REFUSED = st.one_of(st.integers(0, 0x1F), st.integers(0x7F, 0x9F), st.integers(0xD800, 0xDFFF)).map(chr)


@bounded(60)
@given(valid_signals(), REFUSED, st.data())
def test_a_control_character_anywhere_in_a_call_frame_is_refused(
    frame: dict[str, Any], char: str, data: st.DataObject
) -> None:
    texts = [k for k in ("call_id", "peer", "session", "sdp", "reason") if k in frame]
    if isinstance(frame.get("candidate"), dict):
        texts.append("candidate.candidate")
    where = data.draw(st.sampled_from(texts))
    if where == "sdp" and char in "\t\n\r":
        return  # an SDP is written on several lines
    holder = frame["candidate"] if where == "candidate.candidate" else frame
    key = where.rsplit(".", 1)[-1]
    at = data.draw(st.integers(0, len(holder[key])))
    holder[key] = holder[key][:at] + char + holder[key][at:]
    try:
        clean_signal(frame)
    except InvalidInputError as refusal:
        assert refusal.code == "invalid_call_frame"
    else:
        raise AssertionError(f"U+{ord(char):04X} accepted in {where}")


@bounded(60)
@given(
    JSON
    | st.fixed_dictionaries(
        {},
        optional={
            "camera": st.sampled_from(DEVICE_STATES) | JSON,
            "microphone": st.sampled_from(DEVICE_STATES),
            "server": st.sampled_from(CHECK_STATES),
            "network": st.sampled_from(CHECK_STATES),
            "relay": st.sampled_from(CHECK_STATES),
            "browser": st.text(max_size=80) | JSON,
        },
    )
)
def test_prechecks_are_rebuilt_or_refused_in_french(value: object) -> None:
    try:
        result = clean_precheck(value)
    except InvalidInputError as refusal:
        refused_in_french(refusal)
    else:
        assert len(result.browser) <= 40
        assert clean_precheck(result.model_dump()) == result


# ---------------------------------------------------------------- the socket, on a real server
SOCKET_TYPES = [*SIGNAL_TYPES, "call.precheck", "call.waiting", "call.presence.query", "call.start", "ping"]


def test_the_socket_answers_any_frame_and_stays_open(sqlite_server: LiveServer) -> None:
    doctor = make_practitioner(sqlite_server)
    patient = make_patient(sqlite_server)
    conversation = make_conversation(sqlite_server, doctor, patient)
    sockets = {
        "practitioner": RealtimeClient(sqlite_server.ws_url, doctor.token),
        "patient": RealtimeClient(sqlite_server.ws_url, patient.token),
    }
    sent = 0
    try:

        @bounded(40)
        @given(
            who=st.sampled_from(sorted(sockets)),
            raw=st.one_of(
                frames(SOCKET_TYPES).map(json.dumps),
                frames(SOCKET_TYPES).map(lambda f: json.dumps({**f, "conversation_id": conversation})),
                st.text(max_size=200),
                JSON.map(json.dumps),
            ),
        )
        def one_frame(who: str, raw: str) -> None:
            nonlocal sent
            socket = sockets[who]
            socket.conn.send(raw)
            sent += 1
            socket.send({"type": "ping"})
            # Every answer is a JSON object with a type, errors in French; the socket stays open.
            while True:
                frame = socket.recv(timeout=10)
                assert isinstance(frame, dict) and isinstance(frame.get("type"), str)
                if frame["type"] == "error":
                    assert frame["detail"] and frame["code"], frame
                if frame["type"] == "pong":
                    break

        one_frame()
    finally:
        for socket in sockets.values():
            socket.close()
    assert sent >= 40 * SCALE
