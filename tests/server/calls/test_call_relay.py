"""The signaling relay: only between the two participants, checked on every frame, rate-limited."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.conftest import base_settings
from tests.helpers.factories import make_conversation, make_patient, make_practitioner
from tests.helpers.live_server import LiveServer
from tests.helpers.ws import RealtimeClient
from tests.server.calls.conftest import CallParties, next_frame

OFFER = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"


def _candidate(call_id: str, n: int) -> dict[str, Any]:
    return {
        "type": "call.candidate",
        "call_id": call_id,
        "session": "s1",
        "candidate": {"candidate": f"candidate:{n} 1 udp 1 127.0.0.1 {5000 + n} typ host", "sdpMid": "0"},
    }


def test_frames_go_to_the_other_participant_rebuilt_and_stamped(
    parties: CallParties, client: httpx.Client
) -> None:
    call = parties.start(client)
    with parties.socket(parties.doctor) as doctor, parties.socket(parties.patient) as patient:
        doctor.send(
            {"type": "call.ready", "call_id": call["id"], "peer": "p1", "evil": "<script>", "ref": "r"}
        )
        got = next_frame(patient, "call.ready")
        assert got == {
            "type": "call.ready",
            "call_id": call["id"],
            "peer": "p1",
            "conversation_id": parties.conversation_id,
            "from": "practitioner",
        }
        doctor.send({"type": "call.offer", "call_id": call["id"], "session": "s1", "sdp": OFFER})
        assert next_frame(patient, "call.offer")["sdp"] == OFFER
        patient.send({"type": "call.answer", "call_id": call["id"], "session": "s1", "sdp": OFFER})
        assert next_frame(doctor, "call.answer")["from"] == "patient"
        patient.send(_candidate(call["id"], 1))
        assert next_frame(doctor, "call.candidate")["candidate"]["sdpMid"] == "0"
        patient.send({"type": "call.candidate", "call_id": call["id"], "session": "s1", "candidate": None})
        assert next_frame(doctor, "call.candidate")["candidate"] is None
        # The sender gets nothing back, and nobody else is told.
        assert [f for f in doctor.quiet(0.3) if f.get("type", "").startswith("call.")] == []


def test_wrong_side_and_malformed_frames_are_refused(parties: CallParties, client: httpx.Client) -> None:
    call = parties.start(client)
    with parties.socket(parties.doctor) as doctor, parties.socket(parties.patient) as patient:
        patient.send({"type": "call.offer", "call_id": call["id"], "session": "s", "sdp": OFFER, "ref": "x"})
        error = next_frame(patient, "error")
        assert error["code"] == "call_wrong_side" and error["call_id"] == call["id"] and error["ref"] == "x"
        for bad in (
            {"type": "call.offer", "call_id": call["id"], "session": "s", "sdp": "x" * 60_001},
            {"type": "call.ready", "call_id": call["id"]},
            {"type": "call.candidate", "call_id": call["id"], "session": "s"},
            {
                "type": "call.candidate",
                "call_id": call["id"],
                "session": "s",
                "candidate": {"candidate": "c"},
            },
            {"type": "call.ready", "call_id": 12, "peer": "p"},
        ):
            doctor.send(bad)
            error = next_frame(doctor, "error")
            assert error["code"] in ("invalid_call_frame", "frame_too_large"), error
            assert "Message" in error["detail"]
        assert [f for f in patient.quiet(0.3) if f.get("type", "").startswith("call.")] == []


def test_frames_of_another_conversations_call_are_refused(
    parties: CallParties, client: httpx.Client, live_server: LiveServer
) -> None:
    call = parties.start(client)
    # Someone with a call of their own, and someone with none, both try to use this call's id.
    intruder, accomplice = make_patient(live_server), make_practitioner(live_server)
    make_conversation(live_server, accomplice, intruder)
    for who in (intruder, accomplice, make_practitioner(live_server)):
        with (
            parties.socket(parties.patient) as patient,
            RealtimeClient(live_server.ws_url, who.token) as sock,
        ):
            sock.send({"type": "call.ready", "call_id": call["id"], "peer": "p"})
            sock.send({"type": "call.hangup", "call_id": call["id"], "reason": "hangup"})
            assert next_frame(sock, "error")["code"] == "call_not_found"
            assert next_frame(sock, "error")["detail"] == "Appel introuvable."
            sock.send({"type": "call.waiting", "conversation_id": parties.conversation_id})
            assert next_frame(sock, "error")["code"] == "not_found"
            assert [f for f in patient.quiet(0.3) if f.get("type", "").startswith("call.")] == []
    r = client.get(f"/conversations/{parties.conversation_id}/calls/current", headers=parties.doctor.headers)
    assert r.json()["call"]["status"] == "active"  # the intruders' hang-ups did nothing


def test_hangup_is_relayed_then_ends_the_call(parties: CallParties, client: httpx.Client) -> None:
    call = parties.start(client)
    with parties.socket(parties.doctor) as doctor, parties.socket(parties.patient) as patient:
        patient.send({"type": "call.hangup", "call_id": call["id"], "reason": "hangup"})
        assert next_frame(doctor, "call.hangup")["reason"] == "hangup"
        assert next_frame(doctor, "call.ended")["data"]["call"]["end_reason"] == "hangup"
        doctor.send({"type": "call.ready", "call_id": call["id"], "peer": "late"})
        error = next_frame(doctor, "error")
        assert error["code"] == "call_ended" and error["detail"] == "Cet appel est terminé."


def test_rate_limit_per_socket_drops_the_excess_with_a_french_error(
    parties: CallParties, client: httpx.Client
) -> None:
    call = parties.start(client)
    with parties.socket(parties.doctor) as doctor, parties.socket(parties.patient) as patient:
        started = time.monotonic()
        for n in range(120):
            patient.send(_candidate(call["id"], n))
        elapsed = time.monotonic() - started
        errors = []
        while True:
            try:
                frame = patient.recv(timeout=1)
            except TimeoutError:
                break
            if frame.get("type") == "error":
                errors.append(frame)
        relayed = [f for f in doctor.quiet(1.0) if f.get("type") == "call.candidate"]
        assert errors and all(e["code"] == "call_rate_limited" for e in errors)
        assert "Trop de messages" in errors[0]["detail"]
        assert len(relayed) + len(errors) == 120
        assert len(relayed) <= 50 + 50 * elapsed + 2  # one second of burst, then 50 a second
        # The budget comes back: a frame a little later goes through.
        time.sleep(0.2)
        patient.send(_candidate(call["id"], 999))
        assert next_frame(doctor, "call.candidate")["candidate"]["candidate"].startswith("candidate:999")


def test_rate_setting_is_used(tmp_path: Any) -> None:
    with LiveServer(base_settings(tmp_path, ws_signal_rate_per_second=5)) as server:
        doctor, patient = make_practitioner(server), make_patient(server)
        conv = make_conversation(server, doctor, patient)
        with RealtimeClient(server.ws_url, patient.token) as sock:
            for _ in range(20):
                sock.send({"type": "call.waiting", "conversation_id": conv})
            codes = [f.get("code") for f in sock.quiet(1.0) if f.get("type") == "error"]
        assert 13 <= codes.count("call_rate_limited") <= 15


@pytest.mark.parametrize("via", ["socket", "rest"])
def test_start_over_the_socket(parties: CallParties, client: httpx.Client, via: str) -> None:
    with parties.socket(parties.doctor) as doctor:
        if via == "socket":
            doctor.send({"type": "call.start", "conversation_id": parties.conversation_id, "ref": "a1"})
            # The persisted event is published at commit, just before the answer to the sender.
            started = next_frame(doctor, "call.started")
            ok = next_frame(doctor, "call.start.ok")
            assert ok["ref"] == "a1" and ok["call"]["status"] == "active"
            call_id = ok["call"]["id"]
        else:
            call_id = parties.start(client)["id"]
            started = next_frame(doctor, "call.started")
        assert started["data"]["call"]["id"] == call_id
    with parties.socket(parties.patient) as patient:
        patient.send({"type": "call.start", "conversation_id": parties.conversation_id})
        assert next_frame(patient, "error")["code"] == "practitioner_only"
