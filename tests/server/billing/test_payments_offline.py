"""Payment requests with offline payments, on both databases: events, system message, refusals."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
import pytest

from server.conversations.models import Message
from server.payments.models import PaymentRequest
from tests.helpers.billing import (
    PARIS,
    ask_payment,
    audit_actions,
    billing_snapshot,
    claim_document,
    count_rows,
    messages_of,
    payment_row,
    run_async,
    seq_of,
)
from tests.helpers.clock import SUITE_CLOCK
from tests.helpers.factories import Account, make_conversation, make_patient, make_practitioner
from tests.helpers.live_server import LiveServer
from tests.helpers.ws import RealtimeClient


@pytest.fixture
def trio(live_server: LiveServer) -> tuple[Account, Account, str]:
    doctor = make_practitioner(live_server, first_name="Claire", last_name="Martin", sector="secteur_1")
    patient = make_patient(live_server, first_name="Hélène", last_name="Dupont")
    return doctor, patient, make_conversation(live_server, doctor, patient)


def test_request_shown_to_both_sides_then_marked_paid_with_system_message(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    with (
        RealtimeClient(live_server.ws_url, doctor.token, seq_of(api, doctor)) as dsock,
        RealtimeClient(live_server.ws_url, patient.token, seq_of(api, patient)) as psock,
    ):
        created = ask_payment(api, doctor, conv, "25.00", label="Téléconsultation du 24 novembre")
        assert created.status_code == 201, created.text
        payment = created.json()
        assert payment["amount"] == "25.00" and payment["amount_cents"] == 2500
        assert payment["amount_label"] == "25,00\u00a0€"
        assert (payment["status"], payment["status_label"]) == ("pending", "en attente")
        assert payment["provider"] == "offline" and payment["can_pay_online"] is False
        fee = payment["practitioner"]
        assert fee["display_name"] == "Dr Claire Martin"
        assert (fee["sector"], fee["sector_label"]) == ("secteur_1", "Secteur 1")
        assert fee["sector_notice"] == "Praticien conventionné secteur 1"
        assert payment["fee_notice"].startswith("Honoraires annoncés par Dr Claire Martin le ")

        for sock, role in ((dsock, "practitioner"), (psock, "patient")):
            (event,) = sock.events(1, event="payment.created")
            shown = event["data"]["payment"]
            assert shown["id"] == payment["id"] and shown["status"] == "pending"
            assert shown["label"] == "Téléconsultation du 24 novembre" and shown["amount"] == "25.00"
            assert shown["practitioner"]["sector_label"] == "Secteur 1", role

        # The patient sees the fee before paying, in the list and alone.
        listed = api.get(f"/conversations/{conv}/payments", headers=patient.headers).json()["items"]
        assert [p["id"] for p in listed] == [payment["id"]]
        assert api.get(f"/payments/{payment['id']}", headers=patient.headers).json()["amount"] == "25.00"

        paid = api.post(
            f"/payments/{payment['id']}/mark-paid", json={"method": "cheque"}, headers=doctor.headers
        )
        assert paid.status_code == 200, paid.text
        assert (paid.json()["status"], paid.json()["status_label"]) == ("paid", "payée")
        assert (paid.json()["method"], paid.json()["method_label"]) == ("cheque", "chèque")

        expected = "Hélène Dupont a réglé la téléconsultation du "
        for sock in (dsock, psock):
            events = sock.events(2)
            kinds = {e["event"]: e["data"] for e in events}
            assert kinds["payment.updated"]["payment"]["status"] == "paid"
            message = kinds["message.created"]["message"]
            assert message["sender_role"] == "system" and message["kind"] == "system"
            assert message["body"].startswith(expected)
            assert message["data"] == {"payment": {"id": payment["id"], "status": "paid", "amount": "25.00"}}

    stored = messages_of(live_server, conv)
    assert [m.body for m in stored if m.kind == "system"] == [message["body"]]
    assert {"payment.create", "payment.read", "payment.paid"} <= set(
        audit_actions(live_server, payment["id"])
    )
    # Paid: neither cancel nor a second mark-paid.
    again = api.post(f"/payments/{payment['id']}/mark-paid", json={"method": "cash"}, headers=doctor.headers)
    assert again.status_code == 409 and again.json()["detail"] == "Ce paiement est déjà réglé."
    cancel = api.post(f"/payments/{payment['id']}/cancel", headers=doctor.headers)
    assert cancel.status_code == 409 and cancel.json()["code"] == "payment_not_pending"
    assert len([m for m in messages_of(live_server, conv) if m.kind == "system"]) == 1


def test_system_message_names_the_day_of_the_linked_claim(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    doctor, _patient, conv = trio
    claim = api.post("/billing/claims", json=claim_document(), headers=doctor.headers).json()
    payment = ask_payment(api, doctor, conv, "25", claim_id=claim["document"]["id"]).json()
    assert payment["claim_id"] == claim["id"]
    api.post(
        f"/payments/{payment['id']}/mark-paid", json={"method": "card_in_person"}, headers=doctor.headers
    )
    bodies = [m.body for m in messages_of(live_server, conv) if m.kind == "system"]
    assert bodies == ["Hélène Dupont a réglé la téléconsultation du 24 novembre 2026"]


def test_fee_notice_says_before_the_act_only_when_known(
    api: httpx.Client, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    tomorrow = SUITE_CLOCK().astimezone(PARIS) + timedelta(days=1)
    planned = api.post("/billing/claims", json=claim_document(tomorrow), headers=doctor.headers).json()
    before_act = ask_payment(api, doctor, conv, claim_id=planned["id"]).json()
    assert before_act["fee_notice"].endswith(", avant l'acte.")
    seen = api.get(f"/payments/{before_act['id']}", headers=patient.headers).json()
    assert seen["fee_notice"] == before_act["fee_notice"] and seen["claim_id"] is None
    plain = ask_payment(api, doctor, conv).json()
    assert plain["fee_notice"].endswith(", avant le règlement.")


def test_cancel_and_refund(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    first = ask_payment(api, doctor, conv, "30,00").json()
    with RealtimeClient(live_server.ws_url, patient.token, seq_of(api, patient)) as psock:
        cancelled = api.post(f"/payments/{first['id']}/cancel", headers=doctor.headers)
        assert cancelled.status_code == 200 and cancelled.json()["status_label"] == "annulée"
        (event,) = psock.events(1, event="payment.updated")
        assert event["data"]["payment"]["status"] == "cancelled"
        assert event["data"]["payment"]["claim_id"] is None
    late = api.post(f"/payments/{first['id']}/mark-paid", json={"method": "cash"}, headers=doctor.headers)
    assert late.status_code == 409 and late.json()["detail"] == "Cette demande de paiement a été annulée."

    second = ask_payment(api, doctor, conv, "45.50").json()
    early = api.post(f"/payments/{second['id']}/refund", headers=doctor.headers)
    assert early.status_code == 409 and early.json()["code"] == "payment_not_paid"
    api.post(f"/payments/{second['id']}/mark-paid", json={"method": "transfer"}, headers=doctor.headers)
    refunded = api.post(f"/payments/{second['id']}/refund", headers=doctor.headers)
    assert refunded.status_code == 200 and refunded.json()["status_label"] == "remboursée"
    bodies = [m.body for m in messages_of(live_server, conv) if m.kind == "system"]
    assert bodies[-1] == "Le règlement de la téléconsultation du " + bodies[-1].split(" du ", 1)[1]
    assert bodies[-1].endswith("(45,50\u00a0€) a été remboursé")


def test_patient_cannot_act_on_a_request_and_offline_has_no_checkout(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    payment = ask_payment(api, doctor, conv).json()
    refused = ask_payment(api, patient, conv)
    assert refused.status_code == 403 and refused.json()["code"] == "practitioner_only"
    for action in ("cancel", "refund"):
        assert api.post(f"/payments/{payment['id']}/{action}", headers=patient.headers).status_code == 403
    marked = api.post(
        f"/payments/{payment['id']}/mark-paid", json={"method": "cash"}, headers=patient.headers
    )
    assert marked.status_code == 403
    checkout = api.post(f"/payments/{payment['id']}/checkout", headers=patient.headers)
    assert checkout.status_code == 409 and checkout.json()["code"] == "offline_payment"
    assert "votre praticien" in checkout.json()["detail"]
    assert api.post(f"/payments/{payment['id']}/checkout", headers=doctor.headers).status_code == 403
    assert payment_row(live_server, payment["id"]).status == "pending"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("amount", "detail"),
    [
        ("-5.00", "Le montant doit être positif."),
        ("0", "Le montant doit être supérieur à 0 €."),
        ("0.00", "Le montant doit être supérieur à 0 €."),
        ("25.001", "Le montant ne peut pas avoir plus de deux décimales (les centimes)."),
        ("10000.01", "Le montant ne peut pas dépasser 10\u202f000,00\u00a0€."),
        ("99999999999999999999", "Le montant ne peut pas dépasser 10\u202f000,00\u00a0€."),
        ("vingt-cinq", "« vingt-cinq » n'est pas un montant : écrivez-le en euros, par exemple « 25.00 »."),
        ("1e3", "« 1e3 » n'est pas un montant : écrivez-le en euros, par exemple « 25.00 »."),
        ("NaN", "« NaN » n'est pas un montant : écrivez-le en euros, par exemple « 25.00 »."),
        ("", "Indiquez un montant en euros."),
        (25.5, "Le montant doit être écrit en euros, sous forme de texte : par exemple « 25.00 »."),
        (None, "Le montant doit être écrit en euros, sous forme de texte : par exemple « 25.00 »."),
    ],
)
def test_bad_amounts_are_refused_in_french_and_change_nothing(
    api: httpx.Client,
    live_server: LiveServer,
    trio: tuple[Account, Account, str],
    amount: object,
    detail: str,
) -> None:
    doctor, _patient, conv = trio
    before = billing_snapshot(live_server, doctor.id)
    response = ask_payment(api, doctor, conv, amount)
    assert response.status_code == 422
    assert response.json()["detail"] == detail and response.json()["field"] == "amount"
    assert billing_snapshot(live_server, doctor.id) == before


@pytest.mark.parametrize(
    ("label", "detail"),
    [
        ("", "Indiquez un libellé, par exemple « Téléconsultation »."),
        ("   ", "Indiquez un libellé, par exemple « Téléconsultation »."),
        ("x" * 500, "Le libellé est trop long (200 caractères au plus)."),
        (  # refused by the input policy of every request body (contracts.wire.common)
            "Télé\nconsultation",
            "Le champ « label » est invalide : retour à la ligne ou tabulation non accepté, "
            "écrivez-le sur une ligne.",
        ),
    ],
)
def test_bad_labels_are_refused_in_french_and_change_nothing(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str], label: str, detail: str
) -> None:
    doctor, _patient, conv = trio
    before = billing_snapshot(live_server, doctor.id)
    response = ask_payment(api, doctor, conv, "25.00", label=label)
    assert response.status_code == 422 and response.json()["detail"] == detail
    assert billing_snapshot(live_server, doctor.id) == before


def test_accepted_amount_spellings(api: httpx.Client, trio: tuple[Account, Account, str]) -> None:
    doctor, _patient, conv = trio
    for text, cents in (
        ("25", 2500),
        ("25.5", 2550),
        ("25,50", 2550),
        ("1 000,00 €", 100000),
        ("10000", 1000000),
    ):
        response = ask_payment(api, doctor, conv, text)
        assert response.status_code == 201 and response.json()["amount_cents"] == cents, text
    bad = api.post(f"/payments/{uuid.uuid4()}/mark-paid", json={"method": "bitcoin"}, headers=doctor.headers)
    assert bad.status_code == 422 and "Mode de règlement inconnu" in bad.json()["detail"]


def test_retry_with_the_same_id_does_not_duplicate(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    doctor, _patient, conv = trio
    pid = str(uuid.uuid4())
    first = ask_payment(api, doctor, conv, "25.00", id=pid)
    second = ask_payment(api, doctor, conv, "25.00", id=pid)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"] == pid
    other = ask_payment(api, doctor, conv, "26.00", id=pid)
    assert other.status_code == 409 and other.json()["code"] == "id_in_use"
    assert count_rows(live_server, PaymentRequest, PaymentRequest.id == pid) == 1


def test_other_practitioner_and_patient_get_404_and_change_nothing(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    payment = ask_payment(api, doctor, conv).json()
    intruder = make_practitioner(live_server)
    stranger = make_patient(live_server)
    make_conversation(live_server, intruder, stranger)
    pid = payment["id"]
    for who in (intruder, stranger):
        assert api.get(f"/payments/{pid}", headers=who.headers).status_code == 404
        assert api.get(f"/conversations/{conv}/payments", headers=who.headers).status_code == 404
    assert ask_payment(api, intruder, conv).status_code == 404
    for action in ("cancel", "refund"):
        response = api.post(f"/payments/{pid}/{action}", headers=intruder.headers)
        assert response.status_code == 404 and response.json()["detail"] == "Demande de paiement introuvable."
    assert (
        api.post(f"/payments/{pid}/mark-paid", json={"method": "cash"}, headers=intruder.headers).status_code
        == 404
    )
    assert api.post(f"/payments/{pid}/checkout", headers=stranger.headers).status_code == 404
    # A claim of another practitioner cannot be linked.
    theirs = api.post("/billing/claims", json=claim_document(), headers=intruder.headers).json()
    linked = ask_payment(api, doctor, conv, claim_id=theirs["id"])
    assert linked.status_code == 404 and linked.json()["field"] == "claim_id"
    row = payment_row(live_server, pid)
    assert row is not None and row.status == "pending" and row.method is None
    assert count_rows(live_server, Message, Message.conversation_id == conv, Message.kind == "system") == 0
    assert api.get(f"/payments/{uuid.uuid4()}", headers=doctor.headers).status_code == 404
    assert api.get("/payments/pas-un-uuid", headers=doctor.headers).status_code == 404
    assert patient.id != intruder.id


def test_requests_and_messages_at_the_same_time_all_succeed(
    live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    """Payment events and message events lock the same users' counters: never a deadlock."""
    doctor, patient, conv = trio

    async def together() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=live_server.api, timeout=60) as client:
            asks = [
                client.post(
                    f"/conversations/{conv}/payments",
                    json={"amount": f"{10 + i}.00", "label": "Téléconsultation"},
                    headers=doctor.headers,
                )
                for i in range(10)
            ]
            sends = [
                client.put(
                    f"/conversations/{conv}/messages/{uuid.uuid4()}",
                    json={"body": f"message {i}"},
                    headers=(patient if i % 2 else doctor).headers,
                )
                for i in range(20)
            ]
            return list(await asyncio.gather(*asks, *sends))

    responses = run_async(together())
    assert [r.status_code for r in responses] == [201] * 30, [
        r.text for r in responses if r.status_code != 201
    ]
    assert count_rows(live_server, PaymentRequest, PaymentRequest.conversation_id == conv) == 10


def test_billing_view_lists_every_payment_of_the_practitioner_and_only_theirs(
    api: httpx.Client, live_server: LiveServer
) -> None:
    doctor, colleague = make_practitioner(live_server), make_practitioner(live_server)
    first = make_conversation(live_server, doctor, make_patient(live_server, last_name="Un"))
    second = make_conversation(live_server, doctor, make_patient(live_server, last_name="Deux"))
    elsewhere = make_conversation(live_server, colleague, make_patient(live_server, last_name="Trois"))
    ids = [
        ask_payment(api, doctor, conv, amount).json()["id"]
        for conv, amount in ((first, "25.00"), (second, "30.00"))
    ]
    ask_payment(api, colleague, elsewhere, "40.00")
    api.post(f"/payments/{ids[0]}/mark-paid", json={"method": "cheque"}, headers=doctor.headers)

    listed = api.get("/billing/payments", headers=doctor.headers).json()["items"]
    assert sorted(p["id"] for p in listed) == sorted(ids)  # both conversations, never the colleague's
    paid = api.get("/billing/payments", params={"status": "paid"}, headers=doctor.headers).json()["items"]
    assert [p["id"] for p in paid] == [ids[0]]
    today = SUITE_CLOCK().astimezone(PARIS).date()
    window = {"from": today.isoformat(), "to": today.isoformat()}
    assert len(api.get("/billing/payments", params=window, headers=doctor.headers).json()["items"]) == 2
    yesterday = {"to": (today - timedelta(days=1)).isoformat()}
    assert api.get("/billing/payments", params=yesterday, headers=doctor.headers).json()["items"] == []

    bad = api.get("/billing/payments", params={"status": "volé"}, headers=doctor.headers)
    assert bad.status_code == 422 and "Statut" in bad.json()["detail"]
    patient = make_patient(live_server)
    assert api.get("/billing/payments", headers=patient.headers).status_code == 403
