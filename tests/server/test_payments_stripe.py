"""Stripe, against a local HTTP server standing for api.stripe.com, on both databases.

The fake records the exact requests (path, form fields, Authorization, Idempotency-Key) and can
answer with errors; webhooks are signed as Stripe signs them, or forged in every way we know.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.domain.payment_rules import provider_error
from server.payments.factory import build_payment_provider
from server.payments.ports import CheckoutRequest, PaymentProviderError
from server.settings import SettingsError
from server.storage.models import Message
from server.storage.models_billing import PaymentWebhookEvent
from tests.conftest import POSTGRES_URL, base_settings, create_postgres_database, need
from tests.helpers.billing import (
    API_KEY,
    WEBHOOK_SECRET,
    StripeFake,
    ask_payment,
    checkout_completed,
    count_rows,
    messages_of,
    payment_row,
    post_webhook,
    signed_webhook,
    stripe_fake,
)
from tests.helpers.factories import Account, make_conversation, make_patient, make_practitioner
from tests.helpers.live_server import LiveServer, free_port
from tests.helpers.ws import RealtimeClient


@pytest.fixture(scope="module")
def stripe() -> Iterator[StripeFake]:
    yield from stripe_fake()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def stripe_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, stripe: StripeFake
) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp(f"stripe-{request.param}")
    overrides: dict[str, object] = {
        "payment_provider": "stripe",
        "stripe_api_key": API_KEY,
        "stripe_webhook_secret": WEBHOOK_SECRET,
        "stripe_base_url": stripe.url,
        "stripe_timeout_seconds": 5.0,
    }
    if request.param == "postgres":
        need(bool(POSTGRES_URL), "PostgreSQL absent : définir TELECONSULT_TEST_POSTGRES_URL")
        overrides["database_url"] = create_postgres_database(POSTGRES_URL)
    with LiveServer(base_settings(tmp, **overrides)) as server:
        yield server


@pytest.fixture
def client(stripe_server: LiveServer, stripe: StripeFake) -> Iterator[httpx.Client]:
    stripe.reset()
    with httpx.Client(base_url=stripe_server.api, timeout=30) as c:
        yield c


@pytest.fixture
def trio(stripe_server: LiveServer) -> tuple[Account, Account, str]:
    doctor = make_practitioner(stripe_server, first_name="Claire", last_name="Martin")
    patient = make_patient(stripe_server, first_name="Hélène", last_name="Dupont")
    return doctor, patient, make_conversation(stripe_server, doctor, patient)


def seq_of(client: httpx.Client, who: Account) -> int:
    return int(client.get("/me", headers=who.headers).json()["event_seq"])


def open_checkout(client: httpx.Client, patient: Account, payment_id: str) -> httpx.Response:
    return client.post(f"/payments/{payment_id}/checkout", headers=patient.headers)


def paid_by_stripe(
    client: httpx.Client, stripe: StripeFake, patient: Account, payment: dict[str, Any]
) -> dict[str, Any]:
    """Open the checkout page, then have Stripe notify its completion; returns the event sent."""
    assert open_checkout(client, patient, payment["id"]).status_code == 200
    session = list(stripe.sessions.values())[-1]
    event = checkout_completed(session["id"], payment["id"], payment["amount_cents"])
    assert post_webhook(client, *signed_webhook(event)).json() == {"received": True, "duplicate": False}
    return event


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

    responses = asyncio.run(storm())
    assert [r.status_code for r in responses] == [200] * 8
    assert sorted(r.json()["duplicate"] for r in responses) == [False] + [True] * 7
    assert count_rows(stripe_server, Message, Message.conversation_id == conv, Message.kind == "system") == 1


def forgeries(payment: dict[str, Any], session_id: str) -> list[tuple[str, bytes, str | bytes | None]]:
    event = checkout_completed(session_id, payment["id"], payment["amount_cents"])
    good_payload, good_signature = signed_webhook(event)
    now = int(time.time())
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

    error = asyncio.run(attempt())
    assert error.reason == "unavailable" and "network" in error.detail
    assert "ne répond pas" in provider_error(error).detail
