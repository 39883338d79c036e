"""Payment requests on the wire: asked, paid online or recorded, cancelled, refunded.

Amounts are strings of euros with two decimals (« 25.00 »), never JSON numbers.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from contracts.wire.billing import AMOUNT_DOC
from contracts.wire.common import Input


class PaymentCreate(Input):
    id: str | None = Field(
        default=None,
        max_length=64,
        description="UUID choisi par le client : un renvoi ne crée pas de doublon",
    )
    amount: Any = Field(description=AMOUNT_DOC, json_schema_extra={"type": "string", "examples": ["25.00"]})
    label: str = Field(max_length=2000, description="Libellé montré au patient (200 caractères au plus)")
    claim_id: str | None = Field(default=None, max_length=64)


class PaymentMarkPaid(Input):
    method: str = Field(max_length=20, description="card_in_person | cheque | transfer | cash")


class PractitionerFeePublic(BaseModel):
    id: str
    first_name: str
    last_name: str
    display_name: str
    profession: str
    profession_label: str
    sector: str
    sector_label: str
    sector_notice: str


class PaymentPublic(BaseModel):
    id: str
    conversation_id: str
    claim_id: str | None
    amount: str
    amount_cents: int
    amount_label: str
    currency: str
    label: str
    status: str
    status_label: str
    provider: str
    can_pay_online: bool
    method: str | None
    method_label: str | None
    practitioner: PractitionerFeePublic
    fee_notice: str
    created_at: datetime
    updated_at: datetime
    paid_at: datetime | None
    cancelled_at: datetime | None
    refunded_at: datetime | None

    @property
    def euros(self) -> Decimal:
        """`amount` as a `Decimal` of euros (never a float)."""
        return Decimal(self.amount)

    @property
    def pending(self) -> bool:
        return self.status == "pending"

    @property
    def paid(self) -> bool:
        return self.status == "paid"

    @property
    def paid_online(self) -> bool:
        """Paid through the online provider: a refund gives the money back the same way."""
        return self.status == "paid" and self.method == "online"

    @property
    def refundable(self) -> bool:
        """A paid request may be recorded as refunded (online: the provider refunds it)."""
        return self.status == "paid"


class PaymentsPublic(BaseModel):
    items: list[PaymentPublic]


class PaymentEvent(BaseModel):
    """`payment.created`, `payment.updated`: each participant gets the view of their role."""

    payment: PaymentPublic


class PaymentNoticePublic(BaseModel):
    """`data.payment` of the system message « … a réglé la téléconsultation du … » (or refunded)."""

    id: str
    status: str
    amount: str


class CheckoutPublic(BaseModel):
    url: str


class WebhookAckPublic(BaseModel):
    received: bool
    duplicate: bool
