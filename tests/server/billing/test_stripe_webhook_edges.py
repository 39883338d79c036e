"""Stripe webhooks at their edges, on both databases: events in any order (and resent), events
nested deeper than any Stripe event, and the provider unreachable when its state is needed."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from server.payment_providers.stripe_webhooks import stripe_signature
from server.payments.models import PaymentWebhookEvent
from tests.helpers.billing import (
    WEBHOOK_SECRET,
    StripeFake,
    ask_payment,
    charge_refunded,
    checkout_completed,
    count_rows,
    messages_of,
    open_checkout,
    payment_row,
    post_webhook,
    signed_webhook,
)
from tests.helpers.clock import SUITE_CLOCK
from tests.helpers.factories import Account
from tests.helpers.live_server import LiveServer


def _pending_with_page(
    client: httpx.Client, stripe: StripeFake, trio: tuple[Account, Account, str]
) -> tuple[dict[str, Any], str]:
    doctor, patient, conv = trio
    payment = ask_payment(client, doctor, conv, "25.00").json()
    assert open_checkout(client, patient, payment["id"]).status_code == 200
    return payment, list(stripe.sessions)[-1]


@pytest.mark.parametrize("order", ["CR", "RC", "CCRR", "RRCC", "CRCR", "RCRC", "RCR", "CRC"])
def test_completed_and_refunded_in_any_order_end_refunded(
    client: httpx.Client,
    stripe_server: LiveServer,
    stripe: StripeFake,
    trio: tuple[Account, Account, str],
    order: str,
) -> None:
    """C = checkout.session.completed, R = charge.refunded; a letter seen again is Stripe resending it."""
    _, _, conv = trio
    payment, session_id = _pending_with_page(client, stripe, trio)
    completed = checkout_completed(session_id, payment["id"], 2500)
    intent = completed["data"]["object"]["payment_intent"]
    stripe.paid_intent(intent, payment["id"], 2500, refunded=True)  # Stripe's state once refunded
    events = {"C": completed, "R": charge_refunded(intent, 2500)}
    seen: set[str] = set()
    for letter in order:
        response = post_webhook(client, *signed_webhook(events[letter]))
        assert response.status_code == 200
        assert response.json() == {"received": True, "duplicate": letter in seen}
        seen.add(letter)
    row = payment_row(stripe_server, payment["id"])
    assert row is not None and row.status == "refunded" and row.method == "online"
    assert row.provider_payment_id == intent and row.paid_at is not None and row.refunded_at is not None
    notices = [m.data["payment"]["status"] for m in messages_of(stripe_server, conv) if m.kind == "system"]
    assert notices == ["paid", "refunded"]  # told once each, in the order they happened
    assert (
        count_rows(stripe_server, PaymentWebhookEvent, PaymentWebhookEvent.payment_id == payment["id"]) == 2
    )


def test_an_early_refund_of_another_payment_changes_nothing(
    client: httpx.Client, stripe_server: LiveServer, stripe: StripeFake, trio: tuple[Account, Account, str]
) -> None:
    _, _, conv = trio
    payment, _ = _pending_with_page(client, stripe, trio)
    intent = f"pi_{uuid.uuid4().hex[:24]}"
    # The charge names our request, but Stripe's payment is for another request, or another amount.
    for paid_for, amount in ((str(uuid.uuid4()), 2500), (payment["id"], 100)):
        stripe.paid_intent(intent, paid_for, amount, refunded=True)
        event = charge_refunded(intent, amount)
        event["data"]["object"]["metadata"] = {"payment_id": payment["id"]}
        assert post_webhook(client, *signed_webhook(event)).status_code == 200
    row = payment_row(stripe_server, payment["id"])
    assert row is not None and row.status == "pending" and row.paid_at is None
    assert messages_of(stripe_server, conv) == []


def test_an_early_refund_is_resent_when_stripe_cannot_be_asked(
    client: httpx.Client, stripe_server: LiveServer, stripe: StripeFake, trio: tuple[Account, Account, str]
) -> None:
    payment, session_id = _pending_with_page(client, stripe, trio)
    completed = checkout_completed(session_id, payment["id"], 2500)
    intent = completed["data"]["object"]["payment_intent"]
    stripe.paid_intent(intent, payment["id"], 2500, refunded=True)
    refund = signed_webhook(charge_refunded(intent, 2500))
    stripe.fail_next.append((500, {}))
    refused = post_webhook(client, *refund)
    assert refused.status_code == 503 and refused.json()["code"] == "webhook_retry"
    assert refused.json()["detail"].startswith("Notification de paiement non traitée")
    assert payment_row(stripe_server, payment["id"]).status == "pending"  # type: ignore[union-attr]
    assert (
        count_rows(stripe_server, PaymentWebhookEvent, PaymentWebhookEvent.payment_id == payment["id"]) == 0
    )
    # Stripe sends it again: applied now, and the completion that follows changes nothing.
    assert post_webhook(client, *refund).json() == {"received": True, "duplicate": False}
    assert post_webhook(client, *signed_webhook(completed)).status_code == 200
    assert payment_row(stripe_server, payment["id"]).status == "refunded"  # type: ignore[union-attr]


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": "x"}
    for _ in range(depth - 1):
        value = {"n": value}
    return value


@pytest.mark.parametrize("depth", [65, 1_000, 100_000])
def test_a_signed_event_nested_too_deep_is_refused_in_french(
    client: httpx.Client,
    stripe_server: LiveServer,
    stripe: StripeFake,
    trio: tuple[Account, Account, str],
    depth: int,
) -> None:
    payment, session_id = _pending_with_page(client, stripe, trio)
    event = checkout_completed(session_id, payment["id"], 2500)
    payload, _ = signed_webhook(event)
    deep = b"[" * depth + b"]" * depth
    payload = payload[:-1] + b',"extra":' + deep + b"}"  # still valid JSON, signed as is below
    assert len(payload) < 256 * 1024  # under the body cap: the webhook reads it
    now = int(SUITE_CLOCK().timestamp())
    response = post_webhook(client, payload, f"t={now},v1={stripe_signature(payload, WEBHOOK_SECRET, now)}")
    assert response.status_code == 400 and response.json()["code"] == "webhook_refused"
    assert response.json()["detail"] == (
        "Notification de paiement refusée : contenu illisible (JSON mal formé, trop imbriqué "
        "ou trop volumineux)."
    )
    assert payment_row(stripe_server, payment["id"]).status == "pending"  # type: ignore[union-attr]
    assert count_rows(stripe_server, PaymentWebhookEvent, PaymentWebhookEvent.id == event["id"]) == 0


def test_a_signed_event_nested_like_stripe_events_is_read(
    client: httpx.Client, stripe_server: LiveServer, stripe: StripeFake, trio: tuple[Account, Account, str]
) -> None:
    payment, session_id = _pending_with_page(client, stripe, trio)
    event = checkout_completed(
        session_id, payment["id"], 2500, extra=_nested(55)
    )  # with data.object: 58 levels
    event["data"]["object"]["metadata"]["note"] = "[[[[[[[[[[" * 20  # brackets in strings do not count
    assert post_webhook(client, *signed_webhook(event)).json() == {"received": True, "duplicate": False}
    assert payment_row(stripe_server, payment["id"]).status == "paid"  # type: ignore[union-attr]
