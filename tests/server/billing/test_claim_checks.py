"""The server refuses « prête » to a claim the billing rules refuse (issue 11, section 3): it checks
with `contracts.billing`, not only the desktop."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from contracts.billing.rules import BillingRules
from tests.helpers.billing import PARIS, billing_snapshot, claim_document
from tests.helpers.factories import Account, make_practitioner
from tests.helpers.live_server import LiveServer

SUNDAY_10 = datetime(2026, 11, 22, 10, 0, tzinfo=PARIS)  # before the suite clock


def _with_majoration(document: dict[str, Any], code: str, day: date) -> dict[str, Any]:
    entry = BillingRules().catalog.majorations[code]
    amount = entry.amount_on(day)
    assert amount is not None
    line = {
        "code": code,
        "label": entry.label,
        "amount": str(amount),
        "catalog_amount": str(amount),
        "amount_unverified": False,
        "coefficient": None,
    }
    base = Decimal(document["totals"]["base"]) + amount
    return {
        **document,
        "majorations": [*document["majorations"], line],
        "totals": {"base": f"{base:.2f}", "total": f"{base:.2f}"},
    }


def _wrong_nir() -> dict[str, Any]:
    document = claim_document()
    return {**document, "patient": {**document["patient"], "nir": "2 95 10 99 126 111 94"}}


def _wrong_rpps() -> dict[str, Any]:
    document = claim_document()
    return {**document, "practitioner": {**document["practitioner"], "rpps": "79927398714"}}


CASES = {
    "clé du NIR": (_wrong_nir, "patient.nir", "clé du NIR"),
    "RPPS": (_wrong_rpps, "practitioner.rpps", "RPPS est invalide"),
    "MHP un mardi à 10 h": (
        lambda: _with_majoration(claim_document(), "MHP", date(2026, 11, 24)),
        "majorations[0]",
        "permanence des soins",
    ),
    "F un dimanche sans régulation": (
        lambda: _with_majoration(claim_document(SUNDAY_10), "F", SUNDAY_10.date()),
        "majorations[0]",
        "acte régulé",
    ),
    "F à côté de MHP": (
        lambda: _with_majoration(
            _with_majoration(claim_document(SUNDAY_10), "MHP", SUNDAY_10.date()), "F", SUNDAY_10.date()
        ),
        "majorations[0]",
        "ne se cumule pas",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_server_refuses_ready_to_a_claim_the_rules_refuse(
    api: httpx.Client, live_server: LiveServer, case: str
) -> None:
    doctor: Account = make_practitioner(live_server)
    make, field, words = CASES[case]
    document = make()
    before = billing_snapshot(live_server, doctor.id)
    ready = api.post("/billing/claims", json={**document, "status": "prete"}, headers=doctor.headers)
    assert ready.status_code == 422 and ready.json()["code"] == "claim_invalid", ready.text
    assert ready.json()["field"] == field and words in ready.json()["detail"], ready.text
    assert billing_snapshot(live_server, doctor.id) == before  # nothing stored
    draft = api.post("/billing/claims", json=document, headers=doctor.headers)
    assert draft.status_code == 201, draft.text
    moved = api.post(
        f"/billing/claims/{draft.json()['id']}/status", json={"status": "prete"}, headers=doctor.headers
    )
    assert moved.status_code == 422 and moved.json()["field"] == field, moved.text
    kept = api.get(f"/billing/claims/{draft.json()['id']}", headers=doctor.headers).json()
    assert kept["status"] == "brouillon"
