"""Billing test helpers: real claim documents (desktop.billing), a local Stripe, signed webhooks.

`StripeFake` is a pytest-httpserver standing where api.stripe.com stands for the server: it
records every request as received (path, form fields, headers) and answers like Stripe, or with
the error a test asks for. `signed_webhook` signs an event exactly as Stripe does.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import httpx
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select
from werkzeug import Request, Response

from contracts.billing.claims import Claim, ClaimLine, ClaimPatient, ClaimPractitioner, Parcours
from contracts.billing.document import ClaimDocument
from contracts.billing.professions import PractitionerProfile, Profession, Sector, Specialty
from server.billing.models import BillingNote
from server.billing.models import Claim as ClaimRow
from server.container import Services
from server.conversations.models import Message
from server.kernel.models import AuditEntry
from server.payment_providers.stripe_webhooks import stripe_signature
from server.payments.models import PaymentRequest
from tests.helpers.clock import SUITE_CLOCK
from tests.helpers.factories import Account
from tests.helpers.live_server import LiveServer

T = TypeVar("T")

PARIS = ZoneInfo("Europe/Paris")
WEBHOOK_SECRET = "whsec_test_" + "s3cr3t" * 4
API_KEY = "sk_test_teleconsult_0123456789"
GP = PractitionerProfile(Profession.MEDECIN, Sector.SECTEUR_1, Specialty.MEDECINE_GENERALE)


def claim_document(performed_at: datetime | None = None, **changes: Any) -> dict[str, Any]:
    """A GP's TCG claim (25 €) as the desktop sends it (`ClaimDocument`); `changes` set Claim fields."""
    claim = Claim(
        patient=ClaimPatient(
            "Dupont",
            "Hélène",
            date(1995, 10, 3),
            "2 95 10 99 126 111 93",
            regime="01",
            caisse="751",
            centre="0001",
        ),
        practitioner=ClaimPractitioner("79927398713", "751234567", "01", GP, "Dr Claire Martin"),
        performed_at=performed_at or datetime(2026, 11, 24, 10, 0, tzinfo=PARIS),
        act=ClaimLine(
            "TCG", "Téléconsultation du médecin généraliste", Decimal("25.00"), Decimal("25.00"), False
        ),
        parcours=Parcours.MEDECIN_TRAITANT,
        created_at=datetime(2026, 11, 24, 10, 30, tzinfo=UTC),
    )
    for name, value in changes.items():
        setattr(claim, name, value)
    return ClaimDocument.of(claim).to_dict()


# ------------------------------------------------------------------------------- database probes
def count_rows(server: LiveServer, model: Any, *where: Any) -> int:
    async def count(services: Services) -> int:
        async with services.core.db.read() as session:
            return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    return server.run(count)


def messages_of(server: LiveServer, conversation_id: str) -> list[Message]:
    async def load(services: Services) -> list[Message]:
        async with services.core.db.read() as session:
            rows = await session.scalars(
                select(Message).where(Message.conversation_id == conversation_id).order_by(Message.seq)
            )
            return list(rows)

    return server.run(load)


def audit_actions(server: LiveServer, object_id: str) -> list[str]:
    """Audit actions on an object, after the read-audit flusher ran."""

    async def load(services: Services) -> list[str]:
        await services.core.flush_audit()
        async with services.core.db.read() as session:
            rows = await session.scalars(
                select(AuditEntry.action).where(AuditEntry.object_id == object_id).order_by(AuditEntry.id)
            )
            return list(rows)

    return server.run(load)


def payment_row(server: LiveServer, payment_id: str) -> PaymentRequest | None:
    async def load(services: Services) -> PaymentRequest | None:
        async with services.core.db.read() as session:
            return await session.get(PaymentRequest, payment_id)

    return server.run(load)


def billing_snapshot(server: LiveServer, practitioner_id: str) -> tuple[int, int, int]:
    """(claims, notes, payment requests) of a practitioner: to show a refusal changed nothing."""
    return (
        count_rows(server, ClaimRow, ClaimRow.practitioner_id == practitioner_id),
        count_rows(server, BillingNote, BillingNote.practitioner_id == practitioner_id),
        count_rows(server, PaymentRequest, PaymentRequest.practitioner_id == practitioner_id),
    )


def ask_payment(
    client: httpx.Client, doctor: Account, conversation_id: str, amount: Any = "25.00", **fields: Any
) -> httpx.Response:
    body = {"amount": amount, "label": "Téléconsultation", **fields}
    return client.post(f"/conversations/{conversation_id}/payments", json=body, headers=doctor.headers)


# ------------------------------------------------------------------------------- Stripe
def signed_webhook(
    event: dict[str, Any], secret: str = WEBHOOK_SECRET, timestamp: int | None = None
) -> tuple[bytes, str]:
    """The raw body and `Stripe-Signature` header of `event`, signed as Stripe signs."""
    payload = json.dumps(event, separators=(",", ":")).encode()
    t = int(SUITE_CLOCK().timestamp()) if timestamp is None else timestamp  # the servers' clock
    return payload, f"t={t},v1={stripe_signature(payload, secret, t)}"


def checkout_completed(session_id: str, payment_id: str, amount_cents: int, **extra: Any) -> dict[str, Any]:
    """A `checkout.session.completed` event as Stripe sends it (the fields we read, and a few more)."""
    obj = {
        "id": session_id,
        "object": "checkout.session",
        "amount_total": amount_cents,
        "currency": "eur",
        "client_reference_id": payment_id,
        "metadata": {"payment_id": payment_id},
        "mode": "payment",
        "payment_intent": f"pi_{uuid.uuid4().hex[:24]}",
        "payment_status": "paid",
        "status": "complete",
        **extra,
    }
    return {
        "id": f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "type": "checkout.session.completed",
        "created": int(SUITE_CLOCK().timestamp()),
        "livemode": False,
        "data": {"object": obj},
    }


def charge_refunded(intent_id: str, amount_cents: int) -> dict[str, Any]:
    """A `charge.refunded` event for a full refund, as Stripe sends it (no metadata of ours on it)."""
    return {
        "id": f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "type": "charge.refunded",
        "created": int(SUITE_CLOCK().timestamp()),
        "livemode": False,
        "data": {
            "object": {
                "id": f"ch_{intent_id[3:]}",
                "object": "charge",
                "payment_intent": intent_id,
                "refunded": True,
                "amount_refunded": amount_cents,
                "currency": "eur",
                "metadata": {},
            }
        },
    }


def post_webhook(client: httpx.Client, payload: bytes, signature: str | bytes | None) -> httpx.Response:
    """POST a webhook as Stripe does; a bytes signature is sent as is (to test non-ASCII headers)."""
    headers: dict[bytes, bytes] = {b"Content-Type": b"application/json"}
    if signature is not None:
        headers[b"Stripe-Signature"] = signature if isinstance(signature, bytes) else signature.encode()
    return client.post("/payments/stripe/webhook", content=payload, headers=headers)


@dataclass
class StripeCall:
    method: str
    path: str
    form: dict[str, str]
    headers: dict[str, str]


@dataclass
class StripeFake:
    """A local Stripe API: Checkout Sessions, their expiry, refunds; errors on demand."""

    server: HTTPServer
    calls: list[StripeCall] = field(default_factory=list)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)  # PaymentIntents, by id
    fail_next: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    page_handler: Callable[[Request, str], Response] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return self.server.url_for("").rstrip("/")

    def install(self) -> None:
        """(Re)register the handlers (after `server.clear()`)."""
        self.server.expect_request("/v1/checkout/sessions", method="POST").respond_with_handler(self._create)
        self.server.expect_request("/v1/refunds", method="POST").respond_with_handler(self._refund)
        session = re.compile(r"/v1/checkout/sessions/[^/]+$")
        expire = re.compile(r"/v1/checkout/sessions/[^/]+/expire$")
        self.server.expect_request(expire, method="POST").respond_with_handler(self._expire)
        self.server.expect_request(session, method="GET").respond_with_handler(self._retrieve)
        intent = re.compile(r"/v1/payment_intents/[^/]+$")
        self.server.expect_request(intent, method="GET").respond_with_handler(self._intent)
        self.server.expect_request(re.compile(r"/pay/[^/]+$"), method="GET").respond_with_handler(self._page)

    def reset(self) -> None:
        self.calls.clear()
        self.sessions.clear()
        self.intents.clear()
        self.fail_next.clear()
        self.page_handler = None

    def _record(self, request: Request) -> StripeCall | Response:
        form = {k: v[-1] for k, v in parse_qs(request.get_data(as_text=True), keep_blank_values=True).items()}
        call = StripeCall(
            request.method, request.path, form, {k.lower(): v for k, v in request.headers.items()}
        )
        with self._lock:
            self.calls.append(call)
            if self.fail_next:
                status, body = self.fail_next.pop(0)
                return Response(json.dumps(body), status=status, content_type="application/json")
        return call

    def _create(self, request: Request) -> Response:
        call = self._record(request)
        if isinstance(call, Response):
            return call
        key = call.headers.get("idempotency-key", "")
        with self._lock:
            for session in self.sessions.values():
                if session["_key"] == key:
                    return _json(session)
            session_id = f"cs_test_{uuid.uuid4().hex}"
            session = {
                "id": session_id,
                "object": "checkout.session",
                "url": f"{self.url}/pay/{session_id}",
                "expires_at": int(SUITE_CLOCK().timestamp()) + 86400,
                "payment_intent": None,
                "status": "open",
                "amount_total": int(call.form["line_items[0][price_data][unit_amount]"]),
                "_key": key,
                "_form": call.form,
            }
            self.sessions[session_id] = session
        return _json(session)

    def _expire(self, request: Request) -> Response:
        call = self._record(request)
        if isinstance(call, Response):
            return call
        session = self.sessions.get(request.path.split("/")[4])
        if session is None or session["status"] != "open":
            return Response(
                json.dumps({"error": {"type": "invalid_request_error", "message": "Not open"}}),
                status=400,
                content_type="application/json",
            )
        session["status"] = "expired"
        return _json(session)

    def _retrieve(self, request: Request) -> Response:
        call = self._record(request)
        if isinstance(call, Response):
            return call
        session = self.sessions.get(request.path.split("/")[4])
        return _json(session) if session else Response("{}", status=404, content_type="application/json")

    def _intent(self, request: Request) -> Response:
        call = self._record(request)
        if isinstance(call, Response):
            return call
        intent = self.intents.get(request.path.split("/")[3])
        return _json(intent) if intent else Response("{}", status=404, content_type="application/json")

    def paid_intent(self, intent_id: str, payment_id: str, amount_cents: int, *, refunded: bool) -> None:
        """Stripe's PaymentIntent `intent_id`: succeeded for our `payment_id`, refunded in full or not."""
        self.intents[intent_id] = {
            "id": intent_id,
            "object": "payment_intent",
            "status": "succeeded",
            "amount": amount_cents,
            "amount_received": amount_cents,
            "currency": "eur",
            "metadata": {"payment_id": payment_id},
            "latest_charge": {
                "id": f"ch_{intent_id[3:]}",
                "object": "charge",
                "refunded": refunded,
                "amount_refunded": amount_cents if refunded else 0,
            },
        }

    def _refund(self, request: Request) -> Response:
        call = self._record(request)
        if isinstance(call, Response):
            return call
        return _json({"id": f"re_{uuid.uuid4().hex[:24]}", "object": "refund", "status": "succeeded"})

    def _page(self, request: Request) -> Response:
        session_id = request.path.split("/")[2]
        if self.page_handler is None:
            return Response("Stripe (faux)", content_type="text/plain")
        return self.page_handler(request, session_id)

    def posts(self, path: str) -> list[StripeCall]:
        return [c for c in self.calls if c.method == "POST" and c.path == path]


def _json(body: dict[str, Any]) -> Response:
    public = {k: v for k, v in body.items() if not k.startswith("_")}
    return Response(json.dumps(public), content_type="application/json")


def stripe_fake() -> Iterator[StripeFake]:
    """A started local Stripe (generator for a fixture)."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    fake = StripeFake(server)
    fake.install()
    try:
        yield fake
    finally:
        server.clear()
        if server.is_running():
            server.stop()


# ------------------------------------------------------------------------------- API shortcuts
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


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` in a thread of its own: works even when this thread already runs an event loop
    (Playwright's sync API leaves one running in the main thread once a browser test has run)."""
    import asyncio

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
