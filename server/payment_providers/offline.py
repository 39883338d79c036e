"""Offline payments: the patient pays the practitioner directly, who records it in the app.

Nothing leaves the server: there is no checkout page, a refund is the practitioner's own record
that the money was given back, and no webhook is ever accepted.
"""

from __future__ import annotations

from datetime import datetime

from server.payment_providers.ports import (
    NOT_SUPPORTED,
    CheckoutRequest,
    CheckoutSession,
    PaymentProviderError,
    PaymentState,
    ProviderEvent,
    RefundRequest,
    RefundResult,
    WebhookRejectedError,
)


class OfflinePaymentProvider:
    """Card in person, cheque, transfer or cash, marked paid by the practitioner."""

    @property
    def name(self) -> str:
        return "offline"

    @property
    def online(self) -> bool:
        return False

    async def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        raise PaymentProviderError(NOT_SUPPORTED, "offline payments have no checkout page")

    async def expire_checkout(self, session_id: str) -> str:
        return "expired"

    async def refund(self, request: RefundRequest) -> RefundResult:
        return RefundResult(refund_id=None, status="recorded")

    async def payment_state(self, provider_payment_id: str) -> PaymentState:
        raise PaymentProviderError(NOT_SUPPORTED, "offline payments have no provider state")

    def verify_webhook(self, payload: bytes, signature: str | None, now: datetime) -> ProviderEvent:
        raise WebhookRejectedError("not_configured")

    async def close(self) -> None:
        return None
