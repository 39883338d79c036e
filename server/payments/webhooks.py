"""Provider notifications (Stripe webhooks): verified, applied once, never trusted beyond the signature.

An event is first verified by the provider adapter (signature, freshness); a forged or stale one
is refused before anything is read or written. A verified event's id is inserted in the same
transaction that applies it, with ON CONFLICT DO NOTHING: a replay, even concurrent, finds the id
taken and changes nothing. The event must also match what we asked for (the checkout page we
created, the amount and currency of the request) before a request is marked paid.

Stripe does not promise the order of its events: a `charge.refunded` may come before the
`checkout.session.completed` of the same payment. A full refund of a request we do not have as
paid is therefore checked against the provider's current state of the payment (`payment_state`,
asked before the transaction): when the provider says it was paid, for our request, with our
amount, the request is settled and refunded at once, and the late completion finds it refunded.
If the provider cannot be asked, the notification is answered 503 and nothing is recorded:
Stripe sends it again later.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from server.db.base import insert_ignoring_conflict
from server.kernel.core import Actor, Core, Tx
from server.kernel.errors import DomainError
from server.payment_providers.ports import (
    EVENT_PAID,
    EVENT_REFUNDED,
    PaymentProviderError,
    PaymentState,
    ProviderEvent,
    WebhookRejectedError,
)
from server.payments.models import PaymentRequest, PaymentWebhookEvent
from server.payments.service import PaymentService

log = logging.getLogger(__name__)

UNREADABLE = ("malformed", "too_large", "too_deep")


class WebhookRefusedError(DomainError):
    """A notification that is not proven to come from the payment provider."""

    status = 400
    code = "webhook_refused"


class WebhookRetryError(DomainError):
    """A notification we cannot apply yet (the provider could not be asked): the provider resends it."""

    status = 503
    code = "webhook_retry"


@dataclass(frozen=True)
class WebhookOutcome:
    """What a notification did: `duplicate` when its id was already applied."""

    event_id: str
    outcome: str
    duplicate: bool = False


class PaymentWebhookService:
    """Applies the provider's signed notifications to payment requests, each at most once."""

    def __init__(self, core: Core, payments: PaymentService) -> None:
        self._core = core
        self._payments = payments

    async def handle(self, payload: bytes, signature: str | None, ip: str | None = None) -> WebhookOutcome:
        """Verify and apply one notification.

        Raises:
            WebhookRefusedError: missing, wrong or stale signature, or an unreadable event (nothing
                is read from the body before the signature is checked, nothing is written).
        """
        provider = self._payments.provider
        try:
            event = provider.verify_webhook(payload, signature, self._core.clock())
        except WebhookRejectedError as exc:
            log.warning("payment webhook refused (%s) from %s", exc.reason, ip or "?")
            if exc.reason in UNREADABLE:
                raise WebhookRefusedError(
                    "Notification de paiement refusée : contenu illisible (JSON mal formé, trop imbriqué "
                    "ou trop volumineux)."
                ) from None
            raise WebhookRefusedError(
                "Notification de paiement refusée : signature absente, invalide ou trop ancienne."
            ) from None
        actor = Actor(user_id=None, role="system", ip=ip)
        state = await self._provider_state(event)
        async with self._core.transaction() as tx:
            fresh = await insert_ignoring_conflict(
                tx.session,
                PaymentWebhookEvent,
                {
                    "id": event.event_id,
                    "provider": provider.name,
                    "type": event.type[:80],
                    "payment_id": None,
                    "outcome": "received",
                    "received_at": tx.now,
                },
            )
            if not fresh:
                log.info("payment webhook %s replayed: ignored", event.event_id)
                return WebhookOutcome(event.event_id, "duplicate", duplicate=True)
            outcome, payment_id = await self._apply(tx, event, actor, state)
            record = await tx.session.get(PaymentWebhookEvent, event.event_id)
            assert record is not None
            record.outcome, record.payment_id = outcome, payment_id
        log.info("payment webhook %s (%s): %s, payment %s", event.event_id, event.type, outcome, payment_id)
        return WebhookOutcome(event.event_id, outcome)

    async def _provider_state(self, event: ProviderEvent) -> PaymentState | None:
        """The provider's state of a refunded payment we do not have as paid (asked outside any
        transaction); None when the event can be applied as it is.

        Raises:
            WebhookRetryError: the provider could not be asked (nothing is recorded: it resends).
        """
        if event.kind != EVENT_REFUNDED or not event.provider_payment_id:
            return None
        async with self._core.db.read() as session:
            if await session.get(PaymentWebhookEvent, event.event_id) is not None:
                return None  # a replay: the transaction says so
            row = await session.scalar(
                select(PaymentRequest).where(PaymentRequest.provider_payment_id == event.provider_payment_id)
            )
            if row is None and event.payment_id and len(event.payment_id) <= 36:
                row = await session.get(PaymentRequest, event.payment_id)
            if row is not None and row.status in ("paid", "refunded"):
                return None
        try:
            return await self._payments.provider.payment_state(event.provider_payment_id)
        except PaymentProviderError as exc:
            log.warning("payment webhook %s: provider state unavailable (%s)", event.event_id, exc.reason)
            raise WebhookRetryError(
                "Notification de paiement non traitée : le service de paiement n'a pas pu être "
                "interrogé. Elle sera renvoyée."
            ) from None

    async def _find(self, tx: Tx, event: ProviderEvent, *, by_session: bool) -> PaymentRequest | None:
        """The request an event is about: by our checkout page or payment intent, else our id."""
        column = PaymentRequest.checkout_session_id if by_session else PaymentRequest.provider_payment_id
        value = event.session_id if by_session else event.provider_payment_id
        row = None
        if value:
            row = await tx.session.scalar(select(PaymentRequest).where(column == value).with_for_update())
        if row is None:
            row = await self._by_id(tx, event.payment_id)
        if row is not None and row.provider != self._payments.provider.name:
            return None
        return row

    async def _by_id(self, tx: Tx, payment_id: str | None) -> PaymentRequest | None:
        if not payment_id or len(payment_id) > 36:
            return None
        row = await tx.session.scalar(
            select(PaymentRequest).where(PaymentRequest.id == payment_id).with_for_update()
        )
        if row is not None and row.provider != self._payments.provider.name:
            return None
        return row

    async def _apply(
        self, tx: Tx, event: ProviderEvent, actor: Actor, state: PaymentState | None
    ) -> tuple[str, str | None]:
        if event.kind == EVENT_PAID:
            row = await self._find(tx, event, by_session=True)
            if row is None:
                return "unknown_payment", None
            if event.amount_cents != row.amount_cents or (event.currency or "") != row.currency:
                log.error(
                    "payment webhook %s: amount or currency differs from payment %s", event.event_id, row.id
                )
                return "amount_mismatch", row.id
            if row.status in ("paid", "refunded"):
                return "already_paid", row.id
            # A cancelled request whose page was paid anyway is paid: the money was taken.
            await self._payments.settle(
                tx, row, method="online", actor=actor, provider_payment_id=event.provider_payment_id
            )
            return "paid", row.id
        if event.kind == EVENT_REFUNDED:
            row = await self._find(tx, event, by_session=False)
            if row is None and state is not None:
                row = await self._by_id(tx, state.payment_id)
            if row is None:
                return "unknown_payment", None
            if row.status == "refunded":
                return "already_refunded", row.id
            if row.status != "paid":
                # The refund came first: settle it now if the provider confirms it was paid, ours,
                # and refunded.
                if state is None or not state.refunded or not _paid_for(state, row):
                    return "not_paid", row.id
                await self._payments.settle(
                    tx, row, method="online", actor=actor, provider_payment_id=state.provider_payment_id
                )
            await self._payments.mark_refunded(tx, row, actor)
            return "refunded", row.id
        return "ignored", None


def _paid_for(state: PaymentState, row: PaymentRequest) -> bool:
    """Whether the provider's payment is this request's, paid with the amount and currency asked."""
    return (
        state.paid
        and state.payment_id == row.id
        and state.amount_cents == row.amount_cents
        and state.currency == row.currency
    )
