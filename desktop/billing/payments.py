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
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Protocol

from desktop.domain.errors import UserFacingError
from desktop.domain.models import EPOCH, Wire, parse_optional_time, parse_time
from desktop.kernel.events import Event

log = logging.getLogger(__name__)

PENDING, PAID, CANCELLED, REFUNDED = "pending", "paid", "cancelled", "refunded"
ONLINE = "online"

# What the practitioner may record for a payment received outside the app (mark-paid), in menu order.
OFFLINE_METHODS: dict[str, str] = {
    "card_in_person": "Carte bancaire sur place",
    "cheque": "Chèque",
    "transfer": "Virement",
    "cash": "Espèces",
}


def _text(value: object, default: str = "") -> str:
    return value if isinstance(value, str) else default


def _optional(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _euros(value: object) -> Decimal:
    try:
        return Decimal(str(value)) if isinstance(value, str | int) else Decimal("0.00")
    except InvalidOperation:
        return Decimal("0.00")


@dataclass(frozen=True, slots=True)
class PaymentPractitioner:
    """What the patient is told about who asks to be paid (BILLING §5.3: sector stated)."""

    display_name: str
    profession_label: str
    sector: str
    sector_label: str
    sector_notice: str

    @classmethod
    def from_wire(cls, data: object) -> PaymentPractitioner:
        raw = data if isinstance(data, dict) else {}
        return cls(
            _text(raw.get("display_name")),
            _text(raw.get("profession_label")),
            _text(raw.get("sector")),
            _text(raw.get("sector_label")),
            _text(raw.get("sector_notice")),
        )


@dataclass(frozen=True, slots=True)
class Payment:
    """One payment request of a conversation."""

    id: str
    conversation_id: str
    claim_id: str | None
    amount: Decimal
    amount_label: str
    label: str
    status: str  # pending | paid | cancelled | refunded
    status_label: str
    provider: str  # offline | stripe
    method: str | None
    method_label: str | None
    practitioner: PaymentPractitioner
    fee_notice: str
    created_at: datetime
    updated_at: datetime
    paid_at: datetime | None
    cancelled_at: datetime | None
    refunded_at: datetime | None

    @property
    def pending(self) -> bool:
        return self.status == PENDING

    @property
    def paid(self) -> bool:
        return self.status == PAID

    @property
    def paid_online(self) -> bool:
        """Paid through the online provider: « Rembourser » gives the money back the same way."""
        return self.status == PAID and self.method == ONLINE

    @property
    def refundable(self) -> bool:
        """A paid request may be recorded as refunded (online: the provider refunds it)."""
        return self.status == PAID

    @classmethod
    def from_wire(cls, data: Wire) -> Payment:
        return cls(
            id=_text(data.get("id")),
            conversation_id=_text(data.get("conversation_id")),
            claim_id=_optional(data.get("claim_id")),
            amount=_euros(data.get("amount")),
            amount_label=_text(data.get("amount_label")),
            label=_text(data.get("label")),
            status=_text(data.get("status"), PENDING),
            status_label=_text(data.get("status_label")),
            provider=_text(data.get("provider"), "offline"),
            method=_optional(data.get("method")),
            method_label=_optional(data.get("method_label")),
            practitioner=PaymentPractitioner.from_wire(data.get("practitioner")),
            fee_notice=_text(data.get("fee_notice")),
            created_at=parse_time(data.get("created_at")),
            updated_at=parse_time(data.get("updated_at")),
            paid_at=parse_optional_time(data.get("paid_at")),
            cancelled_at=parse_optional_time(data.get("cancelled_at")),
            refunded_at=parse_optional_time(data.get("refunded_at")),
        )

    def newer_than(self, other: Payment | None) -> bool:
        """Whether this view should replace `other` (events may arrive after a fresher REST answer)."""
        return other is None or self.updated_at >= other.updated_at or other.updated_at == EPOCH


MAX_AMOUNT = Decimal("10000.00")
MAX_LABEL = 200


class PaymentServer(Protocol):
    """The payment routes (`desktop.billing.api_client.BillingApiClient`)."""

    async def create_payment(
        self, conversation_id: str, payment_id: str, amount: Decimal, label: str, claim_id: str | None
    ) -> Payment: ...
    async def payments(self, conversation_id: str) -> list[Payment]: ...
    async def practitioner_payments(
        self,
        status: str | None = None,
        day_from: date | None = None,
        day_to: date | None = None,
        limit: int = 500,
    ) -> list[Payment]: ...
    async def cancel_payment(self, payment_id: str) -> Payment: ...
    async def mark_paid(self, payment_id: str, method: str) -> Payment: ...
    async def refund_payment(self, payment_id: str) -> Payment: ...


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
        self._by_conversation: dict[str, dict[str, Payment]] = {}
        self._loaded: set[str] = set()
        self.changed: Event[str] = Event()  # conversation id

    # ---------------------------------------------------------------- reading
    def of(self, conversation_id: str) -> list[Payment]:
        """Known requests of a conversation, newest first."""
        known = self._by_conversation.get(conversation_id, {})
        return sorted(known.values(), key=lambda p: p.created_at, reverse=True)

    def pending(self, conversation_id: str) -> list[Payment]:
        return [p for p in self.of(conversation_id) if p.pending]

    def all(self) -> list[Payment]:
        """Every request known to this desktop, newest first."""
        found = [p for known in self._by_conversation.values() for p in known.values()]
        return sorted(found, key=lambda p: p.created_at, reverse=True)

    def get(self, payment_id: str) -> Payment | None:
        return next(
            (p for known in self._by_conversation.values() for p in known.values() if p.id == payment_id),
            None,
        )

    def is_loaded(self, conversation_id: str) -> bool:
        return conversation_id in self._loaded

    async def load(self, conversation_id: str) -> list[Payment]:
        """Fetch the conversation's requests from the server."""
        payments = await self._server.payments(conversation_id)
        self._loaded.add(conversation_id)
        self._by_conversation[conversation_id] = {p.id: p for p in payments}
        self.changed.emit(conversation_id)
        return self.of(conversation_id)

    async def load_all(self, day_from: date | None = None, day_to: date | None = None) -> list[Payment]:
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
    ) -> Payment:
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

    async def cancel(self, payment_id: str) -> Payment:
        return self._store(await self._server.cancel_payment(payment_id))

    async def mark_paid(self, payment_id: str, method: str) -> Payment:
        """Record a payment the patient made outside the app (card on site, cheque, transfer, cash)."""
        if method not in OFFLINE_METHODS:
            raise UserFacingError("Choisissez comment le patient a réglé.")
        return self._store(await self._server.mark_paid(payment_id, method))

    async def refund(self, payment_id: str) -> Payment:
        return self._store(await self._server.refund_payment(payment_id))

    # ---------------------------------------------------------------- events
    async def apply_event(self, name: str, data: Wire) -> None:
        """`payment.created` / `payment.updated` from the socket."""
        raw = data.get("payment")
        if isinstance(raw, dict):
            self._store(Payment.from_wire(raw))
        else:
            log.info("event %s without a payment", name)

    def _store(self, payment: Payment) -> Payment:
        known = self._by_conversation.setdefault(payment.conversation_id, {})
        current = known.get(payment.id)
        if payment.newer_than(current):
            known[payment.id] = payment
            self.changed.emit(payment.conversation_id)
            return payment
        return current if current is not None else payment
