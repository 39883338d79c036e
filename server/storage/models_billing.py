"""Billing tables: claims, notes d'honoraires and their counters, payment requests, webhook events.

Money is stored in integer cents. A claim keeps the desktop's document (``claim_to_dict``) as JSON
beside the few columns the server filters and checks on. A note's number comes from a counter row
per practitioner and year, incremented in the transaction that records the note, so numbers have
neither gaps nor duplicates. A provider's webhook event id is recorded once, in the transaction
that applies it, so a replay changes nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Table, UniqueConstraint
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from server.storage.models import Base


class Claim(Base):
    """A SESAM-sans-Vitale claim of one practitioner; its id is the desktop's claim id."""

    __tablename__ = "billing_claims"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    practitioner_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    # brouillon | prete | exportee | teletransmise | payee | rejetee (server-owned, like `history`).
    status: Mapped[str] = mapped_column(String(16))
    performed_at: Mapped[datetime]
    total_cents: Mapped[int] = mapped_column(BigInteger)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


Index("ix_billing_claims_practitioner_performed", Claim.practitioner_id, Claim.performed_at)


class NoteCounter(Base):
    """The last note number handed out to a practitioner in a year (locked while a note is recorded)."""

    __tablename__ = "billing_note_counters"

    practitioner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class BillingNote(Base):
    """A note d'honoraires: its number « YYYY-NNNN » and, once rendered and uploaded, its PDF."""

    __tablename__ = "billing_notes"
    __table_args__ = (
        UniqueConstraint("practitioner_id", "year", "sequence", name="uq_billing_notes_number"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    practitioner_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    claim_id: Mapped[str | None] = mapped_column(ForeignKey("billing_claims.id", ondelete="SET NULL"))
    payment_id: Mapped[str | None] = mapped_column(String(36))
    total_cents: Mapped[int] = mapped_column(BigInteger)
    label: Mapped[str] = mapped_column(String(200), default="")
    attachment_id: Mapped[str | None] = mapped_column(ForeignKey("attachments.id", ondelete="SET NULL"))
    issued_at: Mapped[datetime]
    updated_at: Mapped[datetime]


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


Index("ix_payment_requests_conversation_created", PaymentRequest.conversation_id, PaymentRequest.created_at)
Index("ix_payment_requests_practitioner_created", PaymentRequest.practitioner_id, PaymentRequest.created_at)


class PaymentWebhookEvent(Base):
    """A verified provider event, recorded in the transaction that applied it (replays are no-ops)."""

    __tablename__ = "payment_webhook_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    provider: Mapped[str] = mapped_column(String(12))
    type: Mapped[str] = mapped_column(String(80))
    payment_id: Mapped[str | None] = mapped_column(String(36))
    outcome: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime]


async def insert_ignoring_conflict(session: AsyncSession, model: type[Base], values: dict[str, Any]) -> bool:
    """INSERT a row unless its key exists (ON CONFLICT DO NOTHING on SQLite and PostgreSQL).

    On PostgreSQL a concurrent insert of the same key waits for the other transaction, then does
    nothing: the caller learns it lost the race without an exception that would end its
    transaction.

    Returns:
        Whether this call inserted the row.
    """
    dialect = session.get_bind().dialect.name
    table = model.__table__
    assert isinstance(table, Table)
    key = next(iter(table.primary_key.columns))
    stmt: Any
    if dialect == "postgresql":
        stmt = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    else:
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    inserted = (await session.execute(stmt.returning(key))).first()
    return inserted is not None
