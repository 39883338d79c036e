"""The payment provider port: checkout pages, refunds and signed webhook events.

PaymentProviderError        a call to the provider failed; nothing was changed on our side
    reason "unavailable"    network, timeout, HTTP 429/5xx: retry later
    reason "auth"           the provider refuses our credentials (configuration)
    reason "refused"        the provider refused the request itself (HTTP 4xx)
    reason "not_supported"  this provider has no such operation (offline payments)
WebhookRejectedError        an incoming event is not proven to come from the provider
    reason "not_configured" | "no_signature" | "malformed" | "bad_signature" | "stale"
           | "too_large" | "too_deep" (signed, but not an event we read)

The use-cases (`server.payments.service`) depend on this protocol only; `server.payment_providers.factory`
picks `StripePaymentProvider` or `OfflinePaymentProvider` from the settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

UNAVAILABLE = "unavailable"
AUTH = "auth"
REFUSED = "refused"
NOT_SUPPORTED = "not_supported"

# Kinds of provider events the domain acts on; everything else is recorded and ignored.
EVENT_PAID = "paid"
EVENT_REFUNDED = "refunded"
EVENT_OTHER = "other"


class PaymentProviderError(Exception):
    """A provider call did not succeed; `detail` is technical (status, provider code), never shown."""

    def __init__(self, reason: str, detail: str = "", *, provider_message: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail[:200]
        self.provider_message = provider_message[:300]


class WebhookRejectedError(Exception):
    """An incoming webhook is refused: unsigned, badly signed, stale or unreadable."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CheckoutRequest:
    """What the patient is asked to pay on the provider's page."""

    payment_id: str
    amount_cents: int
    currency: str
    label: str
    success_url: str
    cancel_url: str
    idempotency_key: str


@dataclass(frozen=True)
class CheckoutSession:
    """A provider's hosted payment page for one payment request."""

    session_id: str
    url: str
    expires_at: datetime | None = None
    provider_payment_id: str | None = None


@dataclass(frozen=True)
class RefundRequest:
    payment_id: str
    provider_payment_id: str | None
    amount_cents: int
    idempotency_key: str


@dataclass(frozen=True)
class RefundResult:
    refund_id: str | None
    status: str


@dataclass(frozen=True)
class ProviderEvent:
    """A verified webhook event, reduced to what the domain needs."""

    event_id: str
    type: str  # the provider's own type, e.g. "checkout.session.completed"
    kind: str  # EVENT_PAID | EVENT_REFUNDED | EVENT_OTHER
    session_id: str | None = None
    payment_id: str | None = None  # our id, echoed back by the provider (metadata)
    provider_payment_id: str | None = None
    amount_cents: int | None = None
    currency: str | None = None


@dataclass(frozen=True)
class PaymentState:
    """What the provider knows of one payment now (webhook events may arrive in any order)."""

    provider_payment_id: str
    payment_id: str | None  # our id, as we gave it to the provider (metadata)
    paid: bool
    refunded: bool  # refunded in full
    amount_cents: int | None
    currency: str | None


class PaymentProvider(Protocol):
    """Takes payments for payment requests: a hosted checkout page, refunds, signed notifications."""

    @property
    def name(self) -> str:
        """ "stripe" or "offline": stored with each payment request."""

    @property
    def online(self) -> bool:
        """Whether the patient pays on a checkout page (else the practitioner records the payment)."""

    async def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        """A checkout page for `request`. Raises PaymentProviderError."""

    async def expire_checkout(self, session_id: str) -> str:
        """Close a checkout page so it cannot be paid any more.

        Returns:
            "expired" when it can no longer be paid, "complete" when it was paid already.

        Raises:
            PaymentProviderError: the provider could not be asked (nothing known).
        """

    async def refund(self, request: RefundRequest) -> RefundResult:
        """Give the whole amount back. Raises PaymentProviderError."""

    async def payment_state(self, provider_payment_id: str) -> PaymentState:
        """The payment's current state at the provider. Raises PaymentProviderError."""

    def verify_webhook(self, payload: bytes, signature: str | None, now: datetime) -> ProviderEvent:
        """The event in `payload` if `signature` proves it comes from the provider, fresh.

        Raises:
            WebhookRejectedError: missing, wrong or stale signature, or an unreadable event.
        """

    async def close(self) -> None:
        """Release connections; idempotent."""
