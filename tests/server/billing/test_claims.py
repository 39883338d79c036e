"""Claims on the server, on both databases: the desktop's document, its status machine, its owner only."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from contracts.billing.claims import ClaimLine, ClaimPatient
from contracts.billing.document import claim_from_dict
from server.billing.models import Claim
from tests.helpers.billing import PARIS, audit_actions, billing_snapshot, claim_document, count_rows
from tests.helpers.factories import Account, make_conversation, make_patient, make_practitioner
from tests.helpers.live_server import LiveServer
from tests.helpers.ws import RealtimeClient


@pytest.fixture
def doctor(live_server: LiveServer) -> Account:
    return make_practitioner(live_server)


def create(api: httpx.Client, who: Account, document: dict[str, Any], **transport: Any) -> httpx.Response:
    return api.post("/billing/claims", json={**document, **transport}, headers=who.headers)


def move(
    api: httpx.Client, who: Account, claim_id: str, status: str, note: str | None = None
) -> httpx.Response:
    return api.post(
        f"/billing/claims/{claim_id}/status", json={"status": status, "note": note}, headers=who.headers
    )


def test_round_trip_keeps_the_desktop_document(
    api: httpx.Client, live_server: LiveServer, doctor: Account
) -> None:
    patient = make_patient(live_server)
    conv = make_conversation(live_server, doctor, patient)
    document = claim_document()
    created = create(api, doctor, document, conversation_id=conv)
    assert created.status_code == 201, created.text
    claim = created.json()
    assert claim["id"] == str(uuid.UUID(document["id"]))
    assert (claim["status"], claim["status_label"], claim["total"]) == ("brouillon", "brouillon", "25.00")
    assert claim["conversation_id"] == conv and claim["version"] == 1
    assert claim["performed_at"] == "2026-11-24T09:00:00Z"
    assert claim["document"] == document
    # The desktop reads back exactly what it stored (its own id form works in the address too).
    fetched = api.get(f"/billing/claims/{document['id']}", headers=doctor.headers).json()
    assert claim_from_dict(fetched["document"]).id == document["id"]
    # A retry of the same document is not a second claim; a different one under the same id is refused.
    assert create(api, doctor, document, conversation_id=conv).status_code == 200
    changed = create(
        api, doctor, {**document, "depassement": "5.00", "totals": {"base": "25.00", "total": "30.00"}}
    )
    assert changed.status_code == 409 and changed.json()["code"] == "claim_exists"
    assert count_rows(live_server, Claim, Claim.practitioner_id == doctor.id) == 1
    actions = set(audit_actions(live_server, claim["id"]))
    assert {"claim.create", "claim.read"} <= actions


def test_status_machine_with_french_refusals(
    api: httpx.Client, live_server: LiveServer, doctor: Account
) -> None:
    claim = create(api, doctor, claim_document()).json()
    cid = claim["id"]
    refused = move(api, doctor, cid, "exportee")
    assert refused.status_code == 409 and refused.json()["code"] == "claim_transition_refused"
    assert refused.json()["detail"] == (  # the desktop's words: one status machine, in contracts.billing
        "Impossible de passer la demande de « brouillon » à « exportée » : "
        "elle doit d’abord être validée (statut « prête »). Étapes possibles : « prête »."
    )
    with RealtimeClient(live_server.ws_url, doctor.token, last_seq=0) as sock:  # replays the creation too
        steps = ["prete", "brouillon", "prete", "exportee", "teletransmise", "payee"]
        for step in steps:
            response = move(api, doctor, cid, step, note=f"étape {step}")
            assert response.status_code == 200, response.text
            assert response.json()["status"] == step
        events = [e for e in sock.events(len(steps) + 1, event="claim.updated")][1:]
        assert [e["data"]["claim"]["status"] for e in events] == steps
        assert all("document" not in e["data"]["claim"] for e in events)  # no patient data in events
    final = api.get(f"/billing/claims/{cid}", headers=doctor.headers).json()
    assert final["status_label"] == "payée" and final["version"] == 1 + len(steps)
    history = final["document"]["history"]
    assert [(h["from"], h["to"]) for h in history] == list(
        zip(["brouillon", *steps[:-1]], steps, strict=True)
    )
    assert history[0]["by"] == "Claire Martin" and history[0]["note"] == "étape prete"
    assert final["document"]["status"] == "payee"
    assert claim_from_dict(final["document"]).status.value == "payee"  # the desktop can read it back
    # Paid is final; the same status again is an idempotent no-op.
    late = move(api, doctor, cid, "brouillon")
    assert late.status_code == 409 and "ne se modifie plus" in late.json()["detail"]
    assert move(api, doctor, cid, "payee").json()["version"] == final["version"]
    unknown = move(api, doctor, cid, "envolee")
    assert unknown.status_code == 422 and "Statut inconnu" in unknown.json()["detail"]


def test_edit_only_drafts_status_and_history_stay_the_servers(api: httpx.Client, doctor: Account) -> None:
    document = claim_document()
    cid = create(api, doctor, document).json()["id"]
    edited = {
        **document,
        "majorations": [],
        "depassement": "10.00",
        "totals": {"base": "25.00", "total": "35.00"},
        "history": [
            {"from": "brouillon", "to": "payee", "by": "x", "at": "2026-01-01T00:00:00Z", "note": ""}
        ],
    }
    updated = api.put(f"/billing/claims/{cid}", json={**edited, "version": 1}, headers=doctor.headers)
    assert updated.status_code == 200, updated.text
    assert updated.json()["total"] == "35.00" and updated.json()["version"] == 2
    assert updated.json()["document"]["history"] == []
    stale = api.put(f"/billing/claims/{cid}", json={**edited, "version": 1}, headers=doctor.headers)
    assert stale.status_code == 409 and stale.json()["code"] == "claim_changed"
    sneaky = api.put(f"/billing/claims/{cid}", json={**edited, "status": "payee"}, headers=doctor.headers)
    assert sneaky.status_code == 409 and sneaky.json()["code"] == "claim_status_refused"
    # A GP in secteur 1 bills no dépassement: the desktop's rules keep this draft from « prête ».
    invalid = move(api, doctor, cid, "prete")
    assert invalid.status_code == 422 and invalid.json()["code"] == "claim_invalid"
    assert invalid.json()["field"] == "act" and "dépassement" in invalid.json()["detail"]
    valid = api.put(f"/billing/claims/{cid}", json={**document, "version": 2}, headers=doctor.headers)
    assert valid.status_code == 200, valid.text
    assert move(api, doctor, cid, "prete").status_code == 200
    locked = api.put(f"/billing/claims/{cid}", json={**edited, "status": "prete"}, headers=doctor.headers)
    assert locked.status_code == 409 and locked.json()["detail"] == (
        "La demande est « prête » : repassez-la en brouillon pour la modifier."
    )
    other_id = api.put(
        f"/billing/claims/{cid}", json={**edited, "id": str(uuid.uuid4())}, headers=doctor.headers
    )
    assert other_id.status_code in (409, 422)


def test_new_claims_start_as_draft_or_ready(api: httpx.Client, doctor: Account) -> None:
    ready = create(api, doctor, {**claim_document(), "status": "prete"})
    assert ready.status_code == 201 and ready.json()["status_label"] == "prête"
    exported = create(api, doctor, {**claim_document(), "status": "exportee"})
    assert exported.status_code == 409 and exported.json()["code"] == "claim_status_refused"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"schema": 2}, "schema"),
        ({"id": "pas-un-uuid"}, "id"),
        ({"status": "envolee"}, "status"),
        ({"performed_at": "24/11/2026"}, "performed_at"),
        ({"performed_at": "2026-11-24T10:00:00"}, "performed_at"),
        ({"patient": "Hélène"}, "patient"),
        ({"totals": {"base": "25.00", "total": "30.00"}}, "totals"),
        ({"totals": {"base": 25.0, "total": 25.0}}, "totals.base"),
        ({"totals": {"base": "25", "total": "25"}}, "totals.base"),
        ({"depassement": "-5.00"}, "depassement"),
        ({"majorations": "MCG"}, "majorations"),
        ({"act": {**claim_document()["act"], "amount": "25,00"}}, "act.amount"),
    ],
)
def test_bad_documents_are_refused_in_french(
    api: httpx.Client, live_server: LiveServer, doctor: Account, change: dict[str, Any], field: str
) -> None:
    before = billing_snapshot(live_server, doctor.id)
    response = create(api, doctor, {**claim_document(), **change})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field and response.json()["detail"][0].isupper()
    assert billing_snapshot(live_server, doctor.id) == before


def test_list_filters_by_status_and_french_days(api: httpx.Client, doctor: Account) -> None:
    late_evening = datetime(2026, 11, 24, 23, 30, tzinfo=PARIS)  # 22:30 UTC, still the 24th in France
    next_day = datetime(2026, 11, 25, 0, 30, tzinfo=PARIS)  # 23:30 UTC on the 24th, the 25th in France
    majoration = ClaimLine("MEG", "Majoration enfant", Decimal("5.00"), Decimal("5.00"), False)
    child = ClaimPatient(
        "Dupont", "Zoé", date(2023, 5, 1), "2 95 10 99 126 111 93", 1, False, "01", "751", "0001"
    )
    first = create(api, doctor, claim_document(late_evening)).json()
    second = create(api, doctor, claim_document(next_day, majorations=[majoration], patient=child)).json()
    assert second["total"] == "30.00"
    move(api, doctor, second["id"], "prete")

    def ids(**params: str) -> list[str]:
        response = api.get("/billing/claims", params=params, headers=doctor.headers)
        assert response.status_code == 200, response.text
        return [c["id"] for c in response.json()["items"]]

    assert ids() == [second["id"], first["id"]]
    assert ids(**{"from": "2026-11-24", "to": "2026-11-24"}) == [first["id"]]
    assert ids(**{"from": "2026-11-25"}) == [second["id"]]
    assert ids(status="prete") == [second["id"]]
    assert ids(status="brouillon", to="2026-11-23") == []
    bad = api.get(
        "/billing/claims", params={"from": "2026-11-25", "to": "2026-11-24"}, headers=doctor.headers
    )
    assert bad.status_code == 422 and bad.json()["detail"] == "La date de début est après la date de fin."
    assert api.get("/billing/claims", params={"from": "hier"}, headers=doctor.headers).status_code == 422


def test_only_the_owner_sees_or_changes_a_claim(
    api: httpx.Client, live_server: LiveServer, doctor: Account
) -> None:
    document = claim_document()
    cid = create(api, doctor, document).json()["id"]
    intruder = make_practitioner(live_server)
    patient = make_patient(live_server)
    conv = make_conversation(live_server, doctor, patient)
    for path in (f"/billing/claims/{cid}", f"/billing/claims/{document['id']}"):
        response = api.get(path, headers=intruder.headers)
        assert (
            response.status_code == 404
            and response.json()["detail"] == "Demande de prise en charge introuvable."
        )
    assert api.put(f"/billing/claims/{cid}", json=document, headers=intruder.headers).status_code == 404
    assert move(api, intruder, cid, "prete").status_code == 404
    assert api.get("/billing/claims", headers=intruder.headers).json()["items"] == []
    # Re-using the id elsewhere is refused without showing anything.
    taken = create(api, intruder, document)
    assert taken.status_code == 409 and taken.json()["code"] == "id_in_use" and "document" not in taken.json()
    # Another practitioner's conversation cannot be linked.
    foreign = create(api, intruder, claim_document(), conversation_id=conv)
    assert foreign.status_code == 404
    # A patient never sees claims.
    for response in (
        api.get("/billing/claims", headers=patient.headers),
        api.get(f"/billing/claims/{cid}", headers=patient.headers),
        create(api, patient, claim_document()),
        move(api, patient, cid, "prete"),
    ):
        assert response.status_code == 403 and response.json()["code"] == "practitioner_only"
    mine = api.get(f"/billing/claims/{cid}", headers=doctor.headers).json()
    assert (mine["status"], mine["version"], mine["document"]) == ("brouillon", 1, document)
    assert count_rows(live_server, Claim, Claim.practitioner_id == intruder.id) == 0
