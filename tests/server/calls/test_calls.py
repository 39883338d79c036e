"""Calls over REST: who starts one, the open call, its end, the events and the audit log."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from server.container import Services
from server.kernel.models import AuditEntry
from tests.helpers.factories import make_patient, make_practitioner
from tests.server.calls.conftest import CallParties, next_frame


def test_practitioner_starts_once_and_both_are_told(parties: CallParties, client: httpx.Client) -> None:
    with parties.socket(parties.doctor) as doctor_sock, parties.socket(parties.patient) as patient_sock:
        r = client.post(f"/conversations/{parties.conversation_id}/calls", headers=parties.doctor.headers)
        assert r.status_code == 201, r.text
        call = r.json()
        assert call["status"] == "active" and call["conversation_id"] == parties.conversation_id
        again = client.post(f"/conversations/{parties.conversation_id}/calls", headers=parties.doctor.headers)
        assert again.status_code == 200 and again.json()["id"] == call["id"]
        for sock in (doctor_sock, patient_sock):
            event = next_frame(sock, "call.started")
            assert event["data"]["call"]["id"] == call["id"]
    current = client.get(
        f"/conversations/{parties.conversation_id}/calls/current", headers=parties.patient.headers
    )
    assert current.json()["call"]["id"] == call["id"]


def test_patient_and_strangers_cannot_start_or_see(parties: CallParties, client: httpx.Client) -> None:
    r = client.post(f"/conversations/{parties.conversation_id}/calls", headers=parties.patient.headers)
    assert r.status_code == 403 and r.json()["code"] == "practitioner_only"
    stranger = make_practitioner(parties.server)
    r = client.post(f"/conversations/{parties.conversation_id}/calls", headers=stranger.headers)
    assert r.status_code == 404
    call = parties.start(client)
    other_patient = make_patient(parties.server)
    for who in (stranger, other_patient):
        assert client.post(f"/calls/{call['id']}/end", headers=who.headers).status_code == 404
        r = client.get(f"/conversations/{parties.conversation_id}/calls/current", headers=who.headers)
        assert r.status_code == 404
    assert client.post(f"/conversations/{parties.conversation_id}/calls").status_code == 401


def test_end_is_idempotent_and_audited_with_ids_only(parties: CallParties, client: httpx.Client) -> None:
    call = parties.start(client)
    with parties.socket(parties.doctor) as doctor_sock:
        r = client.post(f"/calls/{call['id']}/end", headers=parties.patient.headers)
        assert r.status_code == 200 and r.json()["status"] == "ended"
        assert r.json()["end_reason"] == "ended"
        assert next_frame(doctor_sock, "call.ended")["data"]["call"]["id"] == call["id"]
    again = client.post(f"/calls/{call['id']}/end", headers=parties.doctor.headers)
    assert again.status_code == 200 and again.json()["ended_at"] == r.json()["ended_at"]
    current = client.get(
        f"/conversations/{parties.conversation_id}/calls/current", headers=parties.doctor.headers
    )
    assert current.json() == {"call": None}
    assert parties.start(client)["id"] != call["id"]  # a new call after the end

    async def audit(services: Services) -> list[tuple[str | None, str, str, str]]:
        async with services.core.db.read() as session:
            rows = await session.execute(
                select(AuditEntry).where(AuditEntry.object_id == call["id"]).order_by(AuditEntry.id)
            )
            return [(e.actor_id, e.action, e.object_type, e.object_id) for e in rows.scalars()]

    entries = parties.server.run(audit)
    assert entries == [
        (parties.doctor.id, "call.start", "call", call["id"]),
        (parties.patient.id, "call.end", "call", call["id"]),
    ]


def test_unknown_and_malformed_call_ids(parties: CallParties, client: httpx.Client) -> None:
    for call_id in ("not-a-uuid", "00000000-0000-4000-8000-000000000000"):
        r = client.post(f"/calls/{call_id}/end", headers=parties.doctor.headers)
        assert r.status_code == 404 and r.json()["detail"] == "Appel introuvable."
    r = client.post(f"/conversations/{parties.conversation_id}/calls/x", headers=parties.doctor.headers)
    assert r.status_code in (404, 405)
