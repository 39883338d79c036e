"""Stripe Checkout and refunds against a local HTTP server standing for api.stripe.com, on both
databases: the exact requests (path, form fields, Authorization, Idempotency-Key), and errors
reported in French with nothing changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from server.payment_providers.factory import build_payment_provider
from server.payment_providers.ports import CheckoutRequest, PaymentProviderError
from server.payments.rules import provider_error
from server.settings import SettingsError
from tests.conftest import base_settings
from tests.helpers.billing import (
    API_KEY,
    WEBHOOK_SECRET,
    StripeFake,
    ask_payment,
    messages_of,
    open_checkout,
    paid_by_stripe,
    payment_row,
    post_webhook,
    run_async,
    signed_webhook,
)
from tests.helpers.factories import Account
from tests.helpers.live_server import LiveServer, free_port


def test_checkout_session_request_is_exactly_what_stripe_expects(
    client: httpx.Client, stripe_server: LiveServer, stripe: StripeFake, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    payment = ask_payment(client, doctor, conv, "25.00", label="Téléconsultation").json()
    assert payment["provider"] == "stripe" and payment["can_pay_online"] is True
    assert stripe.calls == []  # asking for a payment does not call Stripe
    response = open_checkout(client, patient, payment["id"])
    assert response.status_code == 200, response.text
    (call,) = stripe.calls
    assert (call.method, call.path) == ("POST", "/v1/checkout/sessions")
    assert call.headers["authorization"] == f"Bearer {API_KEY}"
    assert call.headers["idempotency-key"] == f"teleconsult-checkout-{payment['id']}-1"
    assert call.headers["content-type"] == "application/x-www-form-urlencoded"
    page = f"{stripe_server.url}/conversations/{conv}"
    assert call.form == {
        "mode": "payment",
        "locale": "fr",
        "submit_type": "pay",
        "client_reference_id": payment["id"],
        "success_url": f"{page}?paiement=reussi",
        "cancel_url": f"{page}?paiement=abandonne",
        "line_items[0][quantity]": "1",
        "line_items[0][price_data][currency]": "eur",
        "line_items[0][price_data][unit_amount]": "2500",
        "line_items[0][price_data][product_data][name]": "Téléconsultation",
        "metadata[payment_id]": payment["id"],
        "payment_intent_data[metadata][payment_id]": payment["id"],
    }
    session = next(iter(stripe.sessions.values()))
    assert response.json() == {"url": session["url"]}
    # Opened again: the same page, without asking Stripe for another one.
    assert open_checkout(client, patient, payment["id"]).json() == {"url": session["url"]}
    assert len(stripe.calls) == 1
    row = payment_row(stripe_server, payment["id"])
    assert row is not None and row.checkout_session_id == session["id"] and row.status == "pending"


@pytest.mark.parametrize(
    ("status", "body", "detail"),
    [
        (500, {"error": {"type": "api_error", "message": "boom"}}, "ne répond pas pour le moment"),
        (
            429,
            {"error": {"type": "rate_limit_error", "message": "slow down"}},
            "ne répond pas pour le moment",
        ),
        (401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key"}}, "mal configuré"),
        (
            400,
            {
                "error": {
                    "type": "invalid_request_error",
                    "code": "parameter_invalid",
                    "message": "Bad currency",
                }
            },
            "a refusé la demande",
        ),
    ],
)
def test_stripe_errors_are_reported_in_french_and_change_nothing(
    client: httpx.Client,
    stripe_server: LiveServer,
    stripe: StripeFake,
    trio: tuple[Account, Account, str],
    status: int,
    body: dict[str, Any],
    detail: str,
) -> None:
    doctor, patient, conv = trio
    payment = ask_payment(client, doctor, conv).json()
    stripe.fail_next.append((status, body))
    response = open_checkout(client, patient, payment["id"])
    assert response.status_code == 502 and response.json()["code"] == "payment_provider_error"
    assert detail in response.json()["detail"] and "Rien n'a été modifié" in response.json()["detail"]
    assert API_KEY not in response.text
    row = payment_row(stripe_server, payment["id"])
    assert row is not None and row.checkout_session_id is None and row.checkouts_created == 0
    # Once Stripe answers again, the same idempotency key is used: no second page for one attempt.
    assert open_checkout(client, patient, payment["id"]).status_code == 200
    keys = [c.headers["idempotency-key"] for c in stripe.posts("/v1/checkout/sessions")]
    assert keys == [f"teleconsult-checkout-{payment['id']}-1"] * 2


def test_refund_through_stripe_then_its_webhook_changes_nothing_more(
    client: httpx.Client, stripe_server: LiveServer, stripe: StripeFake, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    payment = ask_payment(client, doctor, conv, "25.00").json()
    event = paid_by_stripe(client, stripe, patient, payment)
    intent = event["data"]["object"]["payment_intent"]
    stripe.fail_next.append((503, {"error": {"type": "api_error", "message": "down"}}))
    failed = client.post(f"/payments/{payment['id']}/refund", headers=doctor.headers)
    assert failed.status_code == 502 and payment_row(stripe_server, payment["id"]).status == "paid"  # type: ignore[union-attr]
    refunded = client.post(f"/payments/{payment['id']}/refund", headers=doctor.headers)
    assert refunded.status_code == 200 and refunded.json()["status"] == "refunded"
    refunds = stripe.posts("/v1/refunds")
    assert len(refunds) == 2
    assert refunds[-1].form == {
        "payment_intent": intent,
        "amount": "2500",
        "metadata[payment_id]": payment["id"],
    }
    assert refunds[-1].headers["idempotency-key"] == f"teleconsult-refund-{payment['id']}"
    assert refunds[-1].headers["authorization"] == f"Bearer {API_KEY}"
    charge_refunded = {
        "id": "evt_refund_" + payment["id"][:8],
        "type": "charge.refunded",
        "data": {
            "object": {"id": "ch_1", "payment_intent": intent, "refunded": True, "amount_refunded": 2500}
        },
    }
    assert post_webhook(client, *signed_webhook(charge_refunded)).status_code == 200
    bodies = [m.body for m in messages_of(stripe_server, conv) if m.kind == "system"]
    assert len(bodies) == 2 and bodies[1].endswith("a été remboursé")


def test_cancel_and_mark_paid_close_the_open_checkout_page(
    client: httpx.Client, stripe_server: LiveServer, stripe: StripeFake, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    first = ask_payment(client, doctor, conv).json()
    open_checkout(client, patient, first["id"])
    first_session = next(iter(stripe.sessions))
    assert (
        client.post(f"/payments/{first['id']}/cancel", headers=doctor.headers).json()["status"] == "cancelled"
    )
    assert stripe.posts(f"/v1/checkout/sessions/{first_session}/expire")
    assert stripe.sessions[first_session]["status"] == "expired"
    assert open_checkout(client, patient, first["id"]).status_code == 409

    second = ask_payment(client, doctor, conv).json()
    open_checkout(client, patient, second["id"])
    second_session = next(s for s in stripe.sessions if s != first_session)
    stripe.sessions[second_session]["status"] = "complete"  # the patient just paid on Stripe
    racing = client.post(f"/payments/{second['id']}/cancel", headers=doctor.headers)
    assert racing.status_code == 409 and racing.json()["code"] == "payment_in_progress"
    in_person = client.post(
        f"/payments/{second['id']}/mark-paid", json={"method": "cash"}, headers=doctor.headers
    )
    assert in_person.status_code == 409
    assert payment_row(stripe_server, second["id"]).status == "pending"  # type: ignore[union-attr]

    third = ask_payment(client, doctor, conv).json()
    open_checkout(client, patient, third["id"])
    paid = client.post(
        f"/payments/{third['id']}/mark-paid", json={"method": "card_in_person"}, headers=doctor.headers
    )
    assert paid.status_code == 200 and paid.json()["method_label"] == "carte bancaire au cabinet"


def test_provider_settings_are_checked_at_start(tmp_path: Path) -> None:
    assert build_payment_provider(base_settings(tmp_path)).name == "offline"
    with pytest.raises(SettingsError, match="Configuration Stripe incomplète : TELECONSULT_STRIPE_API_KEY"):
        build_payment_provider(base_settings(tmp_path, payment_provider="stripe", stripe_webhook_secret="w"))
    with pytest.raises(SettingsError, match="TELECONSULT_STRIPE_WEBHOOK_SECRET"):
        build_payment_provider(base_settings(tmp_path, payment_provider="stripe", stripe_api_key="k"))
    with pytest.raises(SettingsError, match="Fournisseur de paiement inconnu"):
        build_payment_provider(base_settings(tmp_path, payment_provider="paypal"))


def test_unreachable_stripe_is_a_temporary_failure(tmp_path: Path) -> None:
    closed = free_port()  # nothing listens there
    settings = base_settings(
        tmp_path,
        payment_provider="stripe",
        stripe_api_key=API_KEY,
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_base_url=f"http://127.0.0.1:{closed}",
        stripe_timeout_seconds=2.0,
    )
    provider = build_payment_provider(settings)
    request = CheckoutRequest("p", 2500, "EUR", "Téléconsultation", "http://x/ok", "http://x/ko", "key")

    async def attempt() -> PaymentProviderError:
        try:
            await provider.create_checkout(request)
        except PaymentProviderError as exc:
            return exc
        finally:
            await provider.close()
        raise AssertionError("no error")

    error = run_async(attempt())
    assert error.reason == "unavailable" and "network" in error.detail
    assert "ne répond pas" in provider_error(error).detail
