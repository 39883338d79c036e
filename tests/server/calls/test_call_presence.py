"""The waiting room: the patient's presence and pre-call check reach the practitioner, and only them."""

from __future__ import annotations

from tests.helpers.factories import make_patient
from tests.helpers.ws import RealtimeClient
from tests.server.calls.conftest import CallParties, next_frame

PRECHECK = {
    "camera": "ok",
    "microphone": "denied",
    "server": "ok",
    "network": "ok",
    "relay": "none",
    "browser": "Firefox 133 <b>",
}


def test_waiting_then_leaving_by_closing_the_page(parties: CallParties) -> None:
    with parties.socket(parties.doctor) as doctor:
        with parties.socket(parties.patient) as patient:
            patient.send({"type": "call.waiting", "conversation_id": parties.conversation_id})
            presence = next_frame(doctor, "call.presence")
            assert presence == {
                "type": "call.presence",
                "conversation_id": parties.conversation_id,
                "state": "waiting",
            }
        # The page closed without a word: the server says the patient left.
        assert next_frame(doctor, "call.presence")["state"] == "left"


def test_query_reaches_the_patient_and_precheck_reaches_the_practitioner(parties: CallParties) -> None:
    with parties.socket(parties.doctor) as doctor, parties.socket(parties.patient) as patient:
        doctor.send({"type": "call.presence.query", "conversation_id": parties.conversation_id})
        assert next_frame(patient, "call.presence.query")["conversation_id"] == parties.conversation_id
        patient.send(
            {"type": "call.precheck", "conversation_id": parties.conversation_id, "result": PRECHECK}
        )
        got = next_frame(doctor, "call.precheck")
        assert got["result"] == {**PRECHECK, "browser": "Firefox 133 b"}
        patient.send(
            {"type": "call.precheck", "conversation_id": parties.conversation_id, "result": {"camera": "<x>"}}
        )
        assert next_frame(patient, "error")["code"] == "invalid_call_frame"
        # Roles are checked: the practitioner cannot pretend to wait, the patient cannot query.
        doctor.send({"type": "call.waiting", "conversation_id": parties.conversation_id})
        assert next_frame(doctor, "error")["code"] == "patient_only"
        patient.send({"type": "call.presence.query", "conversation_id": parties.conversation_id})
        assert next_frame(patient, "error")["code"] == "practitioner_only"


def test_another_patient_cannot_announce_themselves_in_this_conversation(parties: CallParties) -> None:
    other = make_patient(parties.server)
    with parties.socket(parties.doctor) as doctor, RealtimeClient(parties.server.ws_url, other.token) as sock:
        sock.send({"type": "call.waiting", "conversation_id": parties.conversation_id})
        sock.send({"type": "call.precheck", "conversation_id": parties.conversation_id, "result": PRECHECK})
        assert next_frame(sock, "error")["code"] == "not_found"
        assert next_frame(sock, "error")["code"] == "not_found"
        assert [f for f in doctor.quiet(0.5) if f.get("type", "").startswith("call.")] == []
