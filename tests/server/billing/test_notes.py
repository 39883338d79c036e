"""Notes d'honoraires on both databases: gap-free numbers under concurrency, the PDF link, owners only."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from server.billing.models import BillingNote, NoteCounter
from tests.helpers.billing import PARIS, audit_actions, claim_document, count_rows, run_async, seq_of
from tests.helpers.clock import SUITE_CLOCK
from tests.helpers.documents import make_jpeg, make_pdf, upload
from tests.helpers.factories import Account, make_conversation, make_patient, make_practitioner
from tests.helpers.live_server import LiveServer
from tests.helpers.ws import RealtimeClient

YEAR = SUITE_CLOCK().astimezone(PARIS).year  # the test servers' calendar


@pytest.fixture
def trio(live_server: LiveServer) -> tuple[Account, Account, str]:
    doctor = make_practitioner(live_server)
    patient = make_patient(live_server)
    return doctor, patient, make_conversation(live_server, doctor, patient)


def new_note(api: httpx.Client, who: Account, total: Any = "25.00", **fields: Any) -> httpx.Response:
    return api.post("/billing/notes", json={"total": total, **fields}, headers=who.headers)


async def concurrent_notes(
    server: LiveServer, accounts: list[Account], bodies: list[dict[str, Any]]
) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=len(bodies), max_keepalive_connections=len(bodies))
    async with httpx.AsyncClient(base_url=server.api, timeout=120, limits=limits) as client:
        return list(
            await asyncio.gather(
                *(
                    client.post("/billing/notes", json=body, headers=who.headers)
                    for who, body in zip(accounts, bodies, strict=True)
                )
            )
        )


def test_fifty_concurrent_requests_get_fifty_consecutive_numbers(live_server: LiveServer) -> None:
    doctor, colleague = make_practitioner(live_server), make_practitioner(live_server)
    # 50 for one practitioner, interleaved with 10 for another, all at once.
    accounts = [doctor] * 50 + [colleague] * 10
    bodies = [{"total": f"{20 + i % 7}.00", "label": "Téléconsultation"} for i in range(60)]
    order = sorted(range(60), key=lambda i: (i * 37) % 60)
    responses = run_async(
        concurrent_notes(live_server, [accounts[i] for i in order], [bodies[i] for i in order])
    )
    assert [r.status_code for r in responses] == [201] * 60, [
        r.text for r in responses if r.status_code != 201
    ]
    mine = [r.json() for r, i in zip(responses, order, strict=True) if i < 50]
    theirs = [r.json() for r, i in zip(responses, order, strict=True) if i >= 50]
    assert sorted(n["sequence"] for n in mine) == list(range(1, 51))
    assert sorted(n["number"] for n in mine) == [f"{YEAR}-{n:04d}" for n in range(1, 51)]
    assert sorted(n["sequence"] for n in theirs) == list(range(1, 11))
    assert len({n["id"] for n in mine}) == 50
    listed = api_list(live_server, doctor)
    assert [n["sequence"] for n in listed] == list(range(50, 0, -1))


def api_list(server: LiveServer, who: Account, **params: Any) -> list[dict[str, Any]]:
    with httpx.Client(base_url=server.api, timeout=30) as client:
        response = client.get("/billing/notes", params=params, headers=who.headers)
        assert response.status_code == 200, response.text
        return list(response.json()["items"])


def test_retries_and_refusals_leave_no_gap(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    doctor, _patient, conv = trio
    claim = api.post("/billing/claims", json=claim_document(), headers=doctor.headers).json()
    first = new_note(api, doctor, "25.00", conversation_id=conv, claim_id=claim["id"], label="TCG")
    assert first.status_code == 201, first.text
    note = first.json()
    assert note["number"] == f"{YEAR}-0001" and note["total"] == "25.00" and note["claim_id"] == claim["id"]
    assert note["attachment_id"] is None and note["conversation_id"] == conv
    # Refused requests do not use a number.
    assert new_note(api, doctor, "-3").status_code == 422
    assert new_note(api, doctor, "25", conversation_id=str(uuid.uuid4())).status_code == 404
    assert new_note(api, doctor, "25", claim_id=str(uuid.uuid4())).json()["field"] == "claim_id"
    # A retried request (same client id), even ten at once, keeps its number.
    nid = str(uuid.uuid4())
    retries = run_async(concurrent_notes(live_server, [doctor] * 10, [{"id": nid, "total": "30.00"}] * 10))
    assert sorted(r.status_code for r in retries) == [200] * 9 + [201]
    assert {r.json()["number"] for r in retries} == {f"{YEAR}-0002"}
    reused = new_note(api, doctor, "99.00", id=nid)
    assert reused.status_code == 409 and reused.json()["code"] == "id_in_use"
    assert new_note(api, doctor, "40.00").json()["sequence"] == 3
    assert count_rows(live_server, BillingNote, BillingNote.practitioner_id == doctor.id) == 3
    assert count_rows(live_server, NoteCounter, NoteCounter.practitioner_id == doctor.id) == 1
    assert [n["number"] for n in api_list(live_server, doctor, year=YEAR)] == [
        f"{YEAR}-0003",
        f"{YEAR}-0002",
        f"{YEAR}-0001",
    ]
    assert api_list(live_server, doctor, claim_id=claim["id"])[0]["id"] == note["id"]
    assert api_list(live_server, doctor, year=YEAR - 1) == []


def test_the_rendered_pdf_is_linked_once(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    note = new_note(api, doctor, "25.00", conversation_id=conv).json()
    pdf = upload(api, doctor, conv, make_pdf(f"Note d'honoraires n° {note['number']}"), "note.pdf").json()
    photo = upload(api, doctor, conv, make_jpeg(), "photo.jpg").json()
    from_patient = upload(api, patient, conv, make_pdf(), "patient.pdf").json()
    other_patient = make_patient(live_server)
    other_conv = make_conversation(live_server, doctor, other_patient)
    elsewhere = upload(api, doctor, other_conv, make_pdf(), "ailleurs.pdf").json()

    def link(attachment_id: str, who: Account = doctor) -> httpx.Response:
        return api.patch(
            f"/billing/notes/{note['id']}", json={"attachment_id": attachment_id}, headers=who.headers
        )

    assert link(photo["id"]).json()["detail"] == "La note d'honoraires doit être un PDF."
    assert link(from_patient["id"]).status_code == 404
    assert link(elsewhere["id"]).status_code == 422
    assert link(str(uuid.uuid4())).status_code == 404
    with RealtimeClient(live_server.ws_url, doctor.token, seq_of(api, doctor)) as sock:
        linked = link(pdf["id"])
        assert linked.status_code == 200 and linked.json()["attachment_id"] == pdf["id"]
        (event,) = sock.events(1, event="note.updated")
        assert event["data"]["note"]["attachment_id"] == pdf["id"]
    assert link(pdf["id"]).status_code == 200  # the same link again: nothing changes
    second = upload(api, doctor, conv, make_pdf("autre"), "note-bis.pdf").json()
    replaced = link(second["id"])
    assert replaced.status_code == 409 and replaced.json()["code"] == "note_already_linked"
    # The patient downloads the note from the conversation, as any document.
    assert api.get(f"/attachments/{pdf['id']}", headers=patient.headers).status_code == 200
    assert {"note.create", "note.update"} <= set(audit_actions(live_server, note["id"]))


def test_notes_are_the_practitioners_alone(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    note = new_note(api, doctor, "25.00", conversation_id=conv).json()
    pdf = upload(api, doctor, conv, make_pdf(), "note.pdf").json()
    intruder = make_practitioner(live_server)
    got = api.get(f"/billing/notes/{note['id']}", headers=intruder.headers)
    assert got.status_code == 404 and got.json()["detail"] == "Note d'honoraires introuvable."
    patched = api.patch(
        f"/billing/notes/{note['id']}", json={"attachment_id": pdf["id"]}, headers=intruder.headers
    )
    assert patched.status_code == 404
    assert api_list(live_server, intruder) == []
    assert new_note(api, intruder, "25", conversation_id=conv).status_code == 404
    # Another practitioner's numbering is theirs: their first note is number 1.
    assert new_note(api, intruder, "25").json()["number"] == f"{YEAR}-0001"
    for response in (
        api.get("/billing/notes", headers=patient.headers),
        api.get(f"/billing/notes/{note['id']}", headers=patient.headers),
        new_note(api, patient, "25"),
        api.patch(f"/billing/notes/{note['id']}", json={"attachment_id": pdf["id"]}, headers=patient.headers),
    ):
        assert response.status_code == 403 and response.json()["code"] == "practitioner_only"
    mine = api.get(f"/billing/notes/{note['id']}", headers=doctor.headers).json()
    assert mine["attachment_id"] is None and mine["number"] == f"{YEAR}-0001"


def test_a_note_cannot_cite_a_payment_above_its_total(
    api: httpx.Client, trio: tuple[Account, Account, str]
) -> None:
    """Issue 12: the note and the payment of one consultation are one record (no number is used)."""
    doctor, _patient, conv = trio
    asked = api.post(
        f"/conversations/{conv}/payments",
        json={"id": str(uuid.uuid4()), "amount": "30.00", "label": "Téléconsultation"},
        headers=doctor.headers,
    )
    assert asked.status_code == 201, asked.text
    payment_id = asked.json()["id"]
    unpaid = new_note(api, doctor, "25.00", id=str(uuid.uuid4()), payment_id=payment_id)
    assert unpaid.status_code == 201, unpaid.text  # not paid yet: nothing to contradict
    paid = api.post(f"/payments/{payment_id}/mark-paid", json={"method": "transfer"}, headers=doctor.headers)
    assert paid.status_code == 200, paid.text
    refused = new_note(api, doctor, "25.00", conversation_id=conv, payment_id=payment_id)
    assert refused.status_code == 422 and refused.json()["field"] == "payment_id"
    assert refused.json()["detail"] == (
        "Le paiement cité (30,00\u00a0€) dépasse le total de la note (25,00\u00a0€) : "
        "vérifiez la feuille de soins."
    )
    settled = new_note(api, doctor, "30.00", conversation_id=conv, payment_id=payment_id)
    assert settled.status_code == 201 and settled.json()["sequence"] == 2  # the refusal used no number
