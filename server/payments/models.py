"""Payment tables: payment requests and the provider's webhook events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base


class PaymentRequest(Base):
    """A fee the practitioner asks the patient to pay, announced before payment."""

    __tablename__ = "payment_requests"
    __table_args__ = (UniqueConstraint("checkout_session_id", name="uq_payment_requests_checkout_session"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    practitioner_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    patient_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    claim_id: Mapped[str | None] = mapped_column(ForeignKey("billing_claims.id", ondelete="SET NULL"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    label: Mapped[str] = mapped_column(String(200))
    # The practitioner's sector when the fee was announced (what the patient was shown).
    sector: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12))  # pending | paid | cancelled | refunded
    provider: Mapped[str] = mapped_column(String(12))  # offline | stripe
    # card_in_person | cheque | transfer | cash | online
    method: Mapped[str | None] = mapped_column(String(20))
    checkout_session_id: Mapped[str | None] = mapped_column(String(255))
    checkout_url: Mapped[str | None] = mapped_column(String(2048))
    checkout_expires_at: Mapped[datetime | None]
    checkouts_created: Mapped[int] = mapped_column(Integer, default=0)
    provider_payment_id: Mapped[str | None] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    refunded_at: Mapped[datetime | None]


class PaymentWebhookEvent(Base):
    """A verified provider event, recorded in the transaction that applied it (replays are no-ops)."""

    __tablename__ = "payment_webhook_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    provider: Mapped[str] = mapped_column(String(12))
    type: Mapped[str] = mapped_column(String(80))
    payment_id: Mapped[str | None] = mapped_column(String(36))
    outcome: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime]


Index("ix_payment_requests_conversation_created", PaymentRequest.conversation_id, PaymentRequest.created_at)
Index("ix_payment_requests_practitioner_created", PaymentRequest.practitioner_id, PaymentRequest.created_at)
