"""The services of issue 6 (claims, notes d'honoraires, payment requests, provider notifications),
built together on one payment provider, stored in `Services.extra` and read back through typed
accessors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from server.domain.billing import ClaimService
from server.domain.billing_notes import NoteService
from server.domain.container import Services
from server.domain.payment_webhooks import PaymentWebhookService
from server.domain.payments import PaymentService
from server.payments.ports import PaymentProvider

T = TypeVar("T")


@dataclass(frozen=True)
class BillingFeature:
    provider: PaymentProvider
    claims: ClaimService
    notes: NoteService
    payments: PaymentService
    webhooks: PaymentWebhookService


def build_billing_feature(services: Services, provider: PaymentProvider) -> BillingFeature:
    """Build the services on `services`' core and register them in `services.extra`."""
    core, conversations = services.core, services.conversations
    claims = ClaimService(core, conversations)
    payments = PaymentService(core, conversations, provider)
    feature = BillingFeature(
        provider=provider,
        claims=claims,
        notes=NoteService(core, conversations, claims),
        payments=payments,
        webhooks=PaymentWebhookService(core, payments),
    )
    services.extra.update(
        {
            "claims": feature.claims,
            "notes": feature.notes,
            "payments": feature.payments,
            "payment_webhooks": feature.webhooks,
        }
    )
    return feature


def _get(services: Services, name: str, kind: type[T]) -> T:
    value = services.extra.get(name)
    if not isinstance(value, kind):
        raise RuntimeError(f"service {name!r} is not wired (server.main.features)")
    return value


def claims(services: Services) -> ClaimService:
    return _get(services, "claims", ClaimService)


def notes(services: Services) -> NoteService:
    return _get(services, "notes", NoteService)


def payments(services: Services) -> PaymentService:
    return _get(services, "payments", PaymentService)


def payment_webhooks(services: Services) -> PaymentWebhookService:
    return _get(services, "payment_webhooks", PaymentWebhookService)
