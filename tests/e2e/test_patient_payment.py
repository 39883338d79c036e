"""In a real browser: the patient sees the fee before paying, pays on a (fake) Stripe page, and both
sides learn it live; offline payments say the practitioner records them.

The fake Stripe is a local HTTP server: it answers the server's Checkout Session request with a
page of its own, and that page « pays » by sending our server a correctly signed
`checkout.session.completed` webhook, then sends the browser back to the conversation.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from werkzeug import Request, Response

from contracts.fr_format import long_paris_date
from tests.conftest import base_settings
from tests.e2e.conftest import Shot, arrive, follow_clock, sign_in
from tests.helpers.billing import (
    API_KEY,
    WEBHOOK_SECRET,
    StripeFake,
    ask_payment,
    checkout_completed,
    messages_of,
    signed_webhook,
    stripe_fake,
)
from tests.helpers.clock import TestClock, paris
from tests.helpers.factories import Account, make_conversation, make_patient, make_practitioner
from tests.helpers.live_server import LiveServer, unique_client
from tests.helpers.ws import RealtimeClient

pytestmark = pytest.mark.browser

# The server's calendar: a Wednesday in December, whatever the day the suite runs.
CLOCK_START = paris(2026, 12, 2, 10, 0)
PAID = "Hélène Dupont a réglé la téléconsultation du 2 décembre 2026"


@pytest.fixture(scope="module")
def stripe() -> Iterator[StripeFake]:
    yield from stripe_fake()


@pytest.fixture(scope="module")
def stripe_server(tmp_path_factory: pytest.TempPathFactory, stripe: StripeFake) -> Iterator[LiveServer]:
    settings = base_settings(
        tmp_path_factory.mktemp("e2e-stripe"),
        allow_practitioner_signup=True,
        payment_provider="stripe",
        stripe_api_key=API_KEY,
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_base_url=stripe.url,
    )
    with LiveServer(settings, clock=TestClock(CLOCK_START)) as server:
        yield server


def event_seq(client: httpx.Client, who: Account) -> int:
    return int(client.get("/me", headers=who.headers).json()["event_seq"])


def install_checkout_page(
    stripe: StripeFake, server: LiveServer, webhooks: list[httpx.Response], back: threading.Event
) -> None:
    """The fake Stripe page: « Payer » goes back to the conversation, and the signed webhook
    follows once the patient is back there (`back` set), as Stripe's usually does."""

    def page(_request: Request, session_id: str) -> Response:
        session = stripe.sessions[session_id]
        amount = f"{session['amount_total'] / 100:.2f}".replace(".", ",")
        html = (
            "<!doctype html><html lang='fr'><head><meta charset='utf-8'><title>Stripe (test)</title>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'></head>"
            "<body style='font-family: sans-serif; padding: 1.5rem'>"
            "<p>Paiement de test — aucun débit réel</p>"
            f"<h1>{session['_form']['line_items[0][price_data][product_data][name]']}</h1>"
            f"<p>Montant : {amount} €</p>"
            f"<form method='post' action='/pay/{session_id}/confirm'><button>Payer {amount} €</button></form>"
            "</body></html>"
        )
        return Response(html, content_type="text/html; charset=utf-8")

    def confirm(request: Request) -> Response:
        session_id = request.path.split("/")[2]
        session = stripe.sessions[session_id]
        form = session["_form"]
        session["status"] = "complete"
        event = checkout_completed(session_id, form["client_reference_id"], session["amount_total"])
        payload, signature = signed_webhook(event, timestamp=int(server.clock().timestamp()))

        def notify() -> None:
            assert back.wait(60), "the patient never came back from the payment page"
            with httpx.Client(base_url=server.api, timeout=30) as client:
                webhooks.append(
                    client.post(
                        "/payments/stripe/webhook",
                        content=payload,
                        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
                    )
                )

        threading.Thread(target=notify, daemon=True).start()
        return Response(status=303, headers={"Location": form["success_url"]})

    stripe.page_handler = page
    stripe.server.expect_request(re.compile(r"/pay/[^/]+/confirm$"), method="POST").respond_with_handler(
        confirm
    )


def test_patient_pays_online_and_the_practitioner_sees_it_live(
    stripe_server: LiveServer, stripe: StripeFake, phone: Any, shot: Shot
) -> None:
    server = stripe_server
    doctor = make_practitioner(server, first_name="Claire", last_name="Martin", sector="secteur_1")
    patient = make_patient(server, first_name="Hélène", last_name="Dupont")
    conv = make_conversation(server, doctor, patient)
    webhooks: list[httpx.Response] = []
    back = threading.Event()
    install_checkout_page(stripe, server, webhooks, back)
    with unique_client(server) as client:
        asked = ask_payment(client, doctor, conv, "25.00", label="Téléconsultation du jour")
        assert asked.status_code == 201, asked.text
        payment = asked.json()
        doctor_seq = event_seq(client, doctor)

    follow_clock(phone, server.clock)
    sign_in(phone, server, patient.email or "")
    phone.goto(f"{server.url}/conversations/{conv}")
    banner = phone.get_by_role("region", name=re.compile("Paiement demandé"))
    expect(banner).to_contain_text("Paiement demandé : 25,00\u00a0€ — Téléconsultation du jour")
    expect(banner).to_contain_text(
        "Dr Claire Martin · Médecin généraliste · Praticien conventionné secteur 1"
    )
    expect(banner).to_contain_text("Honoraires annoncés par Dr Claire Martin le 2 décembre 2026 à ")
    expect(banner).to_contain_text("avant le règlement")
    shot("patient-payment-1-banniere")

    with RealtimeClient(server.ws_url, doctor.token, doctor_seq) as dsock:
        banner.get_by_role("button", name="Payer 25,00\u00a0€").click()
        arrive(phone, re.compile(re.escape(stripe.url) + r"/pay/[^/]+$"), "Téléconsultation du jour")
        expect(phone.get_by_role("heading", name="Téléconsultation du jour")).to_be_visible()
        shot("patient-payment-2-stripe")
        phone.get_by_role("button", name="Payer 25,00 €").click()
        arrive(phone, f"/conversations/{conv}?paiement=reussi", "Dr Claire Martin")
        back.set()  # Stripe's notification comes now, while the page is open
        # Back in the conversation: the fee is confirmed live, and the system message appears.
        expect(phone.locator(".payment-paid")).to_have_text(
            "Paiement de 25,00\u00a0€ reçu. Merci ! Votre praticien en est informé.", timeout=20000
        )
        expect(phone.get_by_role("region", name=re.compile("Paiement demandé"))).to_have_count(0)
        expect(phone.locator(".message--system").filter(has_text=PAID)).to_have_count(1)
        # The browser follows the server's clock: today's messages sit under « aujourd'hui ».
        expect(phone.locator(".day-separator").last).to_have_text("aujourd'hui")
        shot("patient-payment-3-regle")

        kinds = {e["event"]: e["data"] for e in dsock.events(2)}
        assert kinds["payment.updated"]["payment"]["id"] == payment["id"]
        assert kinds["payment.updated"]["payment"]["status"] == "paid"
        assert kinds["message.created"]["message"]["body"] == PAID
    assert [r.status_code for r in webhooks] == [200]
    (checkout,) = stripe.posts("/v1/checkout/sessions")
    assert checkout.form["line_items[0][price_data][unit_amount]"] == "2500"
    assert [m.body for m in messages_of(server, conv) if m.kind == "system"] == [
        kinds["message.created"]["message"]["body"]
    ]


def test_offline_payment_is_recorded_by_the_practitioner_and_updates_live(
    e2e_server: LiveServer, api_client: httpx.Client, phone: Any, shot: Shot
) -> None:
    server, client = e2e_server, api_client
    doctor = make_practitioner(
        server,
        first_name="Paul",
        last_name="Lemaire",
        profession="masseur_kinesitherapeute",
        sector="secteur_1",
    )
    patient = make_patient(server, first_name="Hélène", last_name="Dupont")
    conv = make_conversation(server, doctor, patient)
    payment = ask_payment(client, doctor, conv, "32.50", label="Séance de télésoin").json()

    sign_in(phone, server, patient.email or "")
    phone.goto(f"{server.url}/conversations/{conv}")
    banner = phone.get_by_role("region", name=re.compile("Paiement demandé"))
    expect(banner).to_contain_text("Paiement demandé : 32,50\u00a0€ — Séance de télésoin")
    expect(banner).to_contain_text(
        "Paul Lemaire · Masseur-kinésithérapeute · Praticien conventionné secteur 1"
    )
    expect(banner).to_contain_text("il enregistrera lui-même votre règlement")
    expect(banner.get_by_role("button")).to_have_count(0)
    shot("patient-payment-4-hors-ligne")

    paid = client.post(
        f"/payments/{payment['id']}/mark-paid", json={"method": "cheque"}, headers=doctor.headers
    )
    assert paid.status_code == 200, paid.text
    # Recorded by the practitioner, not paid online: the notice says who did what.
    expect(phone.locator(".payment-paid")).to_have_text(
        "Règlement de 32,50\u00a0€ enregistré. Votre praticien a indiqué avoir reçu votre règlement "
        f"(chèque) le {long_paris_date(datetime.fromisoformat(paid.json()['paid_at']))}."
    )
    expect(banner).to_have_count(0)
    expect(phone.locator(".message--system")).to_contain_text("Hélène Dupont a réglé la téléconsultation du ")
