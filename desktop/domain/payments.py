"""A payment request as the server describes it (PaymentPublic), and the ways a patient may pay.

Money stays a `Decimal` of euros (the wire carries `"25.00"` and integer cents); the French
labels (« 25,00 € », « en attente », « chèque ») come from the server, which formats them with
Babel, so the desktop shows the very text the patient reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from desktop.domain.models import EPOCH, Wire, parse_optional_time, parse_time

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
