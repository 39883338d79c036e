"""Payment requests of the practitioner's conversations: ask, cancel, mark paid, refund, follow live.

The server is the truth: every action answers the request as it now stands, and the socket's
`payment.created` / `payment.updated` events (from this desktop, another one, the patient's page
or the payment provider's webhook) update the same per-conversation cache, which announces
`changed(conversation_id)`. When the patient pays, the server also posts the system message
« Hélène Dupont a réglé la téléconsultation du … », which reaches the conversation as any message.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date
from decimal import Decimal
from typing import Protocol

from contracts.wire.payments import PaymentEvent, PaymentPublic
from desktop.domain.errors import UserFacingError
from desktop.kernel.events import Event

log = logging.getLogger(__name__)

PENDING, PAID, REFUNDED = "pending", "paid", "refunded"  # statuses of `PaymentPublic`

# What the practitioner may record for a payment received outside the app (mark-paid), in menu order.
OFFLINE_METHODS: dict[str, str] = {
    "card_in_person": "Carte bancaire sur place",
    "cheque": "Chèque",
    "transfer": "Virement",
    "cash": "Espèces",
}


MAX_AMOUNT = Decimal("10000.00")
MAX_LABEL = 200


class PaymentServer(Protocol):
    """The payment routes (`desktop.billing.api_client.BillingApiClient`)."""

    async def create_payment(
        self, conversation_id: str, payment_id: str, amount: Decimal, label: str, claim_id: str | None
    ) -> PaymentPublic: ...
    async def payments(self, conversation_id: str) -> list[PaymentPublic]: ...
    async def practitioner_payments(
        self,
        status: str | None = None,
        day_from: date | None = None,
        day_to: date | None = None,
        limit: int = 500,
    ) -> list[PaymentPublic]: ...
    async def cancel_payment(self, payment_id: str) -> PaymentPublic: ...
    async def mark_paid(self, payment_id: str, method: str) -> PaymentPublic: ...
    async def refund_payment(self, payment_id: str) -> PaymentPublic: ...


def check_request(amount: Decimal, label: str) -> None:
    """The client-side checks of a payment request (the server checks again).

    Raises:
        UserFacingError: with the French sentence to show next to the field (`field` set).
    """
    if amount <= 0:
        raise UserFacingError("Le montant doit être supérieur à zéro.", field="amount")
    if amount > MAX_AMOUNT:
        raise UserFacingError("Le montant ne peut pas dépasser 10 000,00 €.", field="amount")
    if not label.strip():
        raise UserFacingError("Indiquez un libellé : le patient le lit avant de payer.", field="label")
    if len(label.strip()) > MAX_LABEL:
        raise UserFacingError(f"Le libellé compte {MAX_LABEL} caractères au plus.", field="label")


class PaymentService:
    """Payment requests by conversation, kept in step with the server's events."""

    EVENTS = ("payment.created", "payment.updated")

    def __init__(self, server: PaymentServer) -> None:
        self._server = server
        self._by_conversation: dict[str, dict[str, PaymentPublic]] = {}
        self._loaded: set[str] = set()
        self.changed: Event[str] = Event()  # conversation id

    # ---------------------------------------------------------------- reading
    def of(self, conversation_id: str) -> list[PaymentPublic]:
        """Known requests of a conversation, newest first."""
        known = self._by_conversation.get(conversation_id, {})
        return sorted(known.values(), key=lambda p: p.created_at, reverse=True)

    def pending(self, conversation_id: str) -> list[PaymentPublic]:
        return [p for p in self.of(conversation_id) if p.pending]

    def all(self) -> list[PaymentPublic]:
        """Every request known to this desktop, newest first."""
        found = [p for known in self._by_conversation.values() for p in known.values()]
        return sorted(found, key=lambda p: p.created_at, reverse=True)

    def get(self, payment_id: str) -> PaymentPublic | None:
        return next(
            (p for known in self._by_conversation.values() for p in known.values() if p.id == payment_id),
            None,
        )

    def is_loaded(self, conversation_id: str) -> bool:
        return conversation_id in self._loaded

    async def load(self, conversation_id: str) -> list[PaymentPublic]:
        """Fetch the conversation's requests from the server."""
        payments = await self._server.payments(conversation_id)
        self._loaded.add(conversation_id)
        self._by_conversation[conversation_id] = {p.id: p for p in payments}
        self.changed.emit(conversation_id)
        return self.of(conversation_id)

    async def load_all(self, day_from: date | None = None, day_to: date | None = None) -> list[PaymentPublic]:
        """Every request of the practitioner in the period (the billing view), kept by conversation."""
        payments = await self._server.practitioner_payments(day_from=day_from, day_to=day_to)
        touched = set()
        for payment in payments:
            self._by_conversation.setdefault(payment.conversation_id, {})[payment.id] = payment
            touched.add(payment.conversation_id)
        for conversation_id in touched:
            self.changed.emit(conversation_id)
        return payments

    # ---------------------------------------------------------------- actions
    async def request(
        self,
        conversation_id: str,
        amount: Decimal,
        label: str,
        claim_id: str | None = None,
        *,
        payment_id: str | None = None,
    ) -> PaymentPublic:
        """Ask the patient to pay `amount`; the patient sees it at once in the conversation.

        `payment_id` makes a retry safe: the same id with the same amount and label is stored once
        (a dialog keeps its id across attempts, so a lost answer never asks the patient twice).

        Raises:
            UserFacingError: a bad amount or label (French, `field` set), or the server's refusal.
        """
        check_request(amount, label)
        payment = await self._server.create_payment(
            conversation_id, payment_id or str(uuid.uuid4()), amount, label.strip(), claim_id
        )
        self._store(payment)
        log.info("payment %s requested", payment.id)
        return payment

    async def cancel(self, payment_id: str) -> PaymentPublic:
        return self._store(await self._server.cancel_payment(payment_id))

    async def mark_paid(self, payment_id: str, method: str) -> PaymentPublic:
        """Record a payment the patient made outside the app (card on site, cheque, transfer, cash)."""
        if method not in OFFLINE_METHODS:
            raise UserFacingError("Choisissez comment le patient a réglé.")
        return self._store(await self._server.mark_paid(payment_id, method))

    async def refund(self, payment_id: str) -> PaymentPublic:
        return self._store(await self._server.refund_payment(payment_id))

    # ---------------------------------------------------------------- events
    async def apply_event(self, _name: str, event: PaymentEvent) -> None:
        """`payment.created` / `payment.updated` from the socket."""
        self._store(event.payment)

    def _store(self, payment: PaymentPublic) -> PaymentPublic:
        known = self._by_conversation.setdefault(payment.conversation_id, {})
        current = known.get(payment.id)
        # Events may arrive after a fresher REST answer: keep the latest view of the request.
        if current is None or payment.updated_at >= current.updated_at:
            known[payment.id] = payment
            self.changed.emit(payment.conversation_id)
            return payment
        return current if current is not None else payment
