"""Invitation tables: invitations and their links, connection requests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base


class Invitation(Base):
    """An invitation of an autonomous patient by a practitioner (email or SMS)."""

    __tablename__ = "invitations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    practitioner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164
    channel: Mapped[str] = mapped_column(String(8))  # "email" | "sms"
    # pending | accepted | expired | cancelled | delivery_failed; a pending invitation past
    # expires_at reads as expired before the sweep writes it.
    status: Mapped[str] = mapped_column(String(16))
    # Folded names, email and phone digits for the practitioner's search box.
    search_key: Mapped[str] = mapped_column(String(600), default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    patient_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id", ondelete="SET NULL"))
    delivery_error: Mapped[str | None] = mapped_column(String(300))


class InvitationLink(Base):
    """One link sent or copied for an invitation; valid while not revoked and the invitation open."""

    __tablename__ = "invitation_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    invitation_id: Mapped[str] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class ConnectionRequest(Base):
    """A patient's request to be put in touch with a PRO+ practitioner found in the directory."""

    __tablename__ = "connection_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    practitioner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12))  # pending | accepted | declined
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id", ondelete="SET NULL"))


Index("ix_invitations_practitioner_created", Invitation.practitioner_id, Invitation.created_at)
Index("ix_invitations_practitioner_email", Invitation.practitioner_id, Invitation.email)
Index("ix_invitations_practitioner_phone", Invitation.practitioner_id, Invitation.phone)
Index("ix_invitations_status_expires", Invitation.status, Invitation.expires_at)
Index(
    "ix_connection_requests_practitioner_status",
    ConnectionRequest.practitioner_id,
    ConnectionRequest.status,
    ConnectionRequest.created_at,
)
