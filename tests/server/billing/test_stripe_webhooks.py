"""Stripe webhooks on both databases: signed events applied once and told to both sides; replays
(even concurrent) counted once; forged, stale or non-matching events change nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from server.conversations.models import Message
from server.payments.models import PaymentWebhookEvent
from tests.helpers.billing import (
    StripeFake,
    ask_payment,
    checkout_completed,
    count_rows,
    messages_of,
    open_checkout,
    paid_by_stripe,
    payment_row,
    post_webhook,
    run_async,
    seq_of,
    signed_webhook,
)
from tests.helpers.clock import SUITE_CLOCK
from tests.helpers.factories import Account
from tests.helpers.live_server import LiveServer
from tests.helpers.ws import RealtimeClient


def test_signed_webhook_marks_paid_once_and_both_sides_are_told(
    client: httpx.Client, stripe_server: LiveServer, stripe: StripeFake, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    payment = ask_payment(client, doctor, conv, "25.00").json()
    assert open_checkout(client, patient, payment["id"]).status_code == 200
    session = next(iter(stripe.sessions.values()))
    event = checkout_completed(session["id"], payment["id"], 2500)
    payload, signature = signed_webhook(event)
    with (
        RealtimeClient(stripe_server.ws_url, doctor.token, seq_of(client, doctor)) as dsock,
        RealtimeClient(stripe_server.ws_url, patient.token, seq_of(client, patient)) as psock,
    ):
        accepted = post_webhook(client, payload, signature)
        assert accepted.status_code == 200 and accepted.json() == {"received": True, "duplicate": False}
        for sock in (dsock, psock):
            kinds = {e["event"]: e["data"] for e in sock.events(2)}
            assert kinds["payment.updated"]["payment"]["status"] == "paid"
            assert kinds["payment.updated"]["payment"]["method_label"] == "paiement en ligne"
            body = kinds["message.created"]["message"]["body"]
            assert body.startswith("Hélène Dupont a réglé la téléconsultation du ")
        # A replay (Stripe retries, or someone resends a captured event) changes nothing.
        for _ in range(3):
            again = post_webhook(client, payload, signature)
            assert again.status_code == 200 and again.json() == {"received": True, "duplicate": True}
        assert dsock.quiet(0.5) == [] and psock.quiet(0.1) == []
    row = payment_row(stripe_server, payment["id"])
    assert row is not None and row.status == "paid" and row.method == "online"
    assert row.provider_payment_id == event["data"]["object"]["payment_intent"]
    assert count_rows(stripe_server, Message, Message.conversation_id == conv, Message.kind == "system") == 1
    assert count_rows(stripe_server, PaymentWebhookEvent, PaymentWebhookEvent.id == event["id"]) == 1


def test_concurrent_replays_are_counted_once(
    client: httpx.Client, stripe_server: LiveServer, stripe: StripeFake, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    payment = ask_payment(client, doctor, conv).json()
    open_checkout(client, patient, payment["id"])
    session = next(iter(stripe.sessions.values()))
    payload, signature = signed_webhook(checkout_completed(session["id"], payment["id"], 2500))

    async def storm() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=stripe_server.api, timeout=60) as c:
            headers = {"Stripe-Signature": signature, "Content-Type": "application/json"}
            return list(
                await asyncio.gather(
                    *(c.post("/payments/stripe/webhook", content=payload, headers=headers) for _ in range(8))
                )
            )

    responses = run_async(storm())
    assert [r.status_code for r in responses] == [200] * 8
    assert sorted(r.json()["duplicate"] for r in responses) == [False] + [True] * 7
    assert count_rows(stripe_server, Message, Message.conversation_id == conv, Message.kind == "system") == 1


def forgeries(payment: dict[str, Any], session_id: str) -> list[tuple[str, bytes, str | bytes | None]]:
    event = checkout_completed(session_id, payment["id"], payment["amount_cents"])
    good_payload, good_signature = signed_webhook(event)
    now = int(SUITE_CLOCK().timestamp())
    tampered = good_payload.replace(b'"payment_status":"paid"', b'"payment_status":"paid","x":1')
    return [
        ("signed with another secret", *signed_webhook(event, secret="whsec_attacker")),
        ("stale timestamp", *signed_webhook(event, timestamp=now - 600)),
        ("timestamp from the future", *signed_webhook(event, timestamp=now + 600)),
        ("body changed after signing", tampered, good_signature),
        ("no signature", good_payload, None),
        ("empty signature", good_payload, ""),
        ("no v1", good_payload, f"t={now}"),
        ("v0 only", good_payload, good_signature.replace("v1=", "v0=")),
        ("garbage", good_payload, "n'importe quoi"),
        ("two timestamps", good_payload, f"t={now},{good_signature}"),
        ("non-ascii", good_payload, f"t={now},v1=é".encode()),
    ]


def test_forged_webhooks_are_refused_and_change_nothing(
    client: httpx.Client, stripe_server: LiveServer, stripe: StripeFake, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    payment = ask_payment(client, doctor, conv).json()
    open_checkout(client, patient, payment["id"])
    session_id = next(iter(stripe.sessions))
    events_before = count_rows(stripe_server, PaymentWebhookEvent)
    with RealtimeClient(stripe_server.ws_url, doctor.token, seq_of(client, doctor)) as dsock:
        for name, payload, signature in forgeries(payment, session_id):
            response = post_webhook(client, payload, signature)
            assert response.status_code == 400, name
            assert response.json()["code"] == "webhook_refused", name
            assert response.json()["detail"].startswith("Notification de paiement refusée"), name
        assert dsock.quiet(0.3) == []
    row = payment_row(stripe_server, payment["id"])
    assert row is not None and row.status == "pending" and row.paid_at is None
    assert count_rows(stripe_server, PaymentWebhookEvent) == events_before
    assert messages_of(stripe_server, conv) == []


@pytest.mark.expected_errors(r"amount or currency differs from payment")
def test_signed_events_that_do_not_match_change_nothing(
    client: httpx.Client, stripe_server: LiveServer, stripe: StripeFake, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    payment = ask_payment(client, doctor, conv, "25.00").json()
    open_checkout(client, patient, payment["id"])
    session_id = next(iter(stripe.sessions))
    for event in (
        checkout_completed(session_id, payment["id"], 100),  # not the amount asked
        checkout_completed(session_id, payment["id"], 2500, currency="usd"),
        checkout_completed(session_id, payment["id"], 2500, payment_status="unpaid"),  # delayed method
        checkout_completed("cs_test_unknown", "00000000-0000-0000-0000-000000000000", 2500),
        {**checkout_completed(session_id, payment["id"], 2500), "type": "customer.created"},
    ):
        response = post_webhook(client, *signed_webhook(event))
        assert response.status_code == 200 and response.json()["duplicate"] is False
    assert payment_row(stripe_server, payment["id"]).status == "pending"  # type: ignore[union-attr]
    assert messages_of(stripe_server, conv) == []


def test_refund_made_in_the_stripe_dashboard_is_recorded_from_its_webhook(
    client: httpx.Client, stripe_server: LiveServer, stripe: StripeFake, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    payment = ask_payment(client, doctor, conv).json()
    intent = paid_by_stripe(client, stripe, patient, payment)["data"]["object"]["payment_intent"]
    partial = {
        "id": "evt_partial_" + payment["id"][:8],
        "type": "charge.refunded",
        "data": {"object": {"payment_intent": intent, "refunded": False, "amount_refunded": 500}},
    }
    post_webhook(client, *signed_webhook(partial))
    assert payment_row(stripe_server, payment["id"]).status == "paid"  # type: ignore[union-attr]
    full = {**partial, "id": "evt_full_" + payment["id"][:8]}
    full["data"] = {"object": {"payment_intent": intent, "refunded": True, "amount_refunded": 2500}}
    post_webhook(client, *signed_webhook(full))
    assert payment_row(stripe_server, payment["id"]).status == "refunded"  # type: ignore[union-attr]
    assert stripe.posts("/v1/refunds") == []


def test_a_cancelled_request_paid_on_its_page_anyway_is_paid(
    client: httpx.Client, stripe_server: LiveServer, stripe: StripeFake, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    payment = ask_payment(client, doctor, conv).json()
    open_checkout(client, patient, payment["id"])
    session_id = next(iter(stripe.sessions))
    stripe.fail_next.append((500, {}))  # the expiry fails: nothing cancelled
    assert client.post(f"/payments/{payment['id']}/cancel", headers=doctor.headers).status_code == 502
    assert client.post(f"/payments/{payment['id']}/cancel", headers=doctor.headers).status_code == 200
    # Stripe still reports a completion (paid just before the expiry): the money was taken.
    post_webhook(client, *signed_webhook(checkout_completed(session_id, payment["id"], 2500)))
    assert payment_row(stripe_server, payment["id"]).status == "paid"  # type: ignore[union-attr]


def test_offline_server_refuses_every_webhook(api: httpx.Client) -> None:
    response = post_webhook(api, *signed_webhook(checkout_completed("cs_x", "p", 2500)))
    assert response.status_code == 400 and response.json()["code"] == "webhook_refused"
