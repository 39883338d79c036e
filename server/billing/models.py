"""Billing tables: claims, notes d'honoraires and their yearly counters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base


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


Index("ix_billing_claims_practitioner_performed", Claim.practitioner_id, Claim.performed_at)
