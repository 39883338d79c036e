"""Stripe over its HTTP API (httpx): Checkout Sessions, their expiry, refunds, signed webhooks.

Requests are form-encoded, authenticated with the secret key as a Bearer token, and carry an
`Idempotency-Key`, so a retried call never creates a second page or a second refund. No
`payment_method_types` is sent: Checkout then offers every method enabled on the account (card,
wallets…), as the rule « the payment link must offer more than one method » asks. Only ids,
amounts and the label leave the server; never the patient's name, email or any health data.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import httpx

from server.payment_providers.ports import (
    AUTH,
    REFUSED,
    UNAVAILABLE,
    CheckoutRequest,
    CheckoutSession,
    PaymentProviderError,
    PaymentState,
    ProviderEvent,
    RefundRequest,
    RefundResult,
)
from server.payment_providers.stripe_webhooks import read_event, verify_signature
from server.settings import Settings

log = logging.getLogger(__name__)


class StripePaymentProvider:
    """Payment requests paid on Stripe Checkout; `settings.stripe_base_url` is the API root."""

    def __init__(self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._secret = settings.stripe_webhook_secret.get_secret_value()
        self._tolerance = settings.stripe_webhook_tolerance_seconds
        self._client = httpx.AsyncClient(
            base_url=settings.stripe_base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {settings.stripe_api_key.get_secret_value()}"},
            timeout=settings.stripe_timeout_seconds,
            transport=transport,
            follow_redirects=False,
        )

    @property
    def name(self) -> str:
        return "stripe"

    @property
    def online(self) -> bool:
        return True

    # ---------------------------------------------------------------- calls
    async def _call(
        self, method: str, path: str, data: dict[str, str] | None = None, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        try:
            response = await self._client.request(method, path, data=data, headers=headers)
        except httpx.TimeoutException as exc:
            raise PaymentProviderError(UNAVAILABLE, f"timeout ({type(exc).__name__})") from None
        except httpx.HTTPError as exc:
            raise PaymentProviderError(UNAVAILABLE, f"network ({type(exc).__name__})") from None
        body = _json(response)
        if response.is_success and body is not None:
            return body
        error = body.get("error") if isinstance(body, dict) else None
        error = error if isinstance(error, dict) else {}
        code = str(error.get("code") or error.get("type") or "")
        message = str(error.get("message") or "")
        detail = f"HTTP {response.status_code} {code}".strip()
        log.warning("stripe %s %s refused: %s", method, path, detail)
        if response.status_code in (401, 403):
            raise PaymentProviderError(AUTH, detail, provider_message=message)
        if response.status_code == 429 or response.status_code >= 500 or body is None:
            raise PaymentProviderError(UNAVAILABLE, detail, provider_message=message)
        raise PaymentProviderError(REFUSED, detail, provider_message=message)

    async def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        form = {
            "mode": "payment",
            "locale": "fr",
            "submit_type": "pay",
            "client_reference_id": request.payment_id,
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "line_items[0][quantity]": "1",
            "line_items[0][price_data][currency]": request.currency.lower(),
            "line_items[0][price_data][unit_amount]": str(request.amount_cents),
            "line_items[0][price_data][product_data][name]": request.label,
            "metadata[payment_id]": request.payment_id,
            "payment_intent_data[metadata][payment_id]": request.payment_id,
        }
        body = await self._call("POST", "/v1/checkout/sessions", form, request.idempotency_key)
        session_id, url = body.get("id"), body.get("url")
        if not isinstance(session_id, str) or not isinstance(url, str) or not url.startswith("http"):
            raise PaymentProviderError(UNAVAILABLE, "checkout session without id or url")
        expires = body.get("expires_at")
        intent = body.get("payment_intent")
        return CheckoutSession(
            session_id=session_id,
            url=url,
            expires_at=datetime.fromtimestamp(expires, UTC) if isinstance(expires, int) else None,
            provider_payment_id=intent if isinstance(intent, str) else None,
        )

    async def expire_checkout(self, session_id: str) -> str:
        try:
            await self._call("POST", f"/v1/checkout/sessions/{session_id}/expire")
            return "expired"
        except PaymentProviderError as exc:
            if exc.reason != REFUSED:
                raise
        # Refused: the page is not open any more. Ask whether it was paid or had expired.
        body = await self._call("GET", f"/v1/checkout/sessions/{session_id}")
        return "complete" if body.get("status") == "complete" else "expired"

    async def refund(self, request: RefundRequest) -> RefundResult:
        if not request.provider_payment_id:
            raise PaymentProviderError(REFUSED, "no payment intent known for this payment")
        form = {
            "payment_intent": request.provider_payment_id,
            "amount": str(request.amount_cents),
            "metadata[payment_id]": request.payment_id,
        }
        body = await self._call("POST", "/v1/refunds", form, request.idempotency_key)
        refund_id, status = body.get("id"), body.get("status")
        if status in ("failed", "canceled"):
            raise PaymentProviderError(REFUSED, f"refund {status}")
        return RefundResult(
            refund_id=refund_id if isinstance(refund_id, str) else None,
            status=status if isinstance(status, str) else "pending",
        )

    async def payment_state(self, provider_payment_id: str) -> PaymentState:
        """The PaymentIntent and its latest charge (expanded): paid, refunded in full, our id."""
        if not provider_payment_id.isascii() or not provider_payment_id.replace("_", "").isalnum():
            raise PaymentProviderError(REFUSED, "not a payment intent id")
        body = await self._call("GET", f"/v1/payment_intents/{provider_payment_id}?expand[]=latest_charge")
        charge = body.get("latest_charge")
        charge = charge if isinstance(charge, dict) else {}
        metadata = body.get("metadata")
        payment_id = metadata.get("payment_id") if isinstance(metadata, dict) else None
        amount = body.get("amount_received")
        currency = body.get("currency")
        return PaymentState(
            provider_payment_id=provider_payment_id,
            payment_id=payment_id if isinstance(payment_id, str) else None,
            paid=body.get("status") == "succeeded",
            refunded=charge.get("refunded") is True,
            amount_cents=amount if isinstance(amount, int) and not isinstance(amount, bool) else None,
            currency=currency.upper() if isinstance(currency, str) else None,
        )

    # ---------------------------------------------------------------- webhooks
    def verify_webhook(self, payload: bytes, signature: str | None, now: datetime) -> ProviderEvent:
        verify_signature(payload, signature, self._secret, now, self._tolerance)
        return read_event(payload)

    async def close(self) -> None:
        await self._client.aclose()


def _json(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
