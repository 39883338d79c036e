"""Foundation tables: users, sessions, conversations, messages, per-user events, audit log, rate limits.

Feature tables (invitations, attachments, billing, calls) live in their own ``models_*`` modules,
all on the same ``Base.metadata``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# A byte-ordered collation on PostgreSQL so that prefix ranges (`term >= 'dup' AND term < 'dup\uffff'`)
# use the index exactly as SQLite's default BINARY collation does.
SearchTerm = String(64).with_variant(String(64, collation="C"), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both SQLite (which drops tzinfo) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of every table."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class User(Base):
    """A practitioner or a patient: identity and credentials."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("role", "email", name="uq_users_role_email"),
        UniqueConstraint("role", "phone", name="uq_users_role_phone"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))  # "practitioner" | "patient"
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime]
    # Last per-user event sequence number handed out (see UserEvent).
    event_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class PractitionerProfile(Base):
    """Professional data of a practitioner user."""

    __tablename__ = "practitioner_profiles"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    profession: Mapped[str] = mapped_column(String(40))
    specialty: Mapped[str | None] = mapped_column(String(80))
    rpps: Mapped[str] = mapped_column(String(11))
    am_number: Mapped[str | None] = mapped_column(String(9))
    sector: Mapped[str] = mapped_column(String(20))
    plan: Mapped[str] = mapped_column(String(8))  # "PRO" | "PRO+"
    city: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    address: Mapped[str | None] = mapped_column(String(255))
    # Normalised "first last city profession" words for the patients' directory.
    directory_key: Mapped[str] = mapped_column(String(400), default="")


class Session(Base):
    """A bearer token, stored as its SHA-256 (the token itself is never stored)."""

    __tablename__ = "sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class Conversation(Base):
    """The one conversation between a practitioner and a patient."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("practitioner_id", "patient_id", name="uq_conversation_pair"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    practitioner_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_message_id: Mapped[str | None] = mapped_column(String(36))
    practitioner_read_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    patient_read_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    practitioner_unread: Mapped[int] = mapped_column(Integer, default=0)
    patient_unread: Mapped[int] = mapped_column(Integer, default=0)
    # "always" | "never" | "until" (then patient_write_until is the last day, Europe/Paris).
    patient_write: Mapped[str] = mapped_column(String(8), default="always")
    patient_write_until: Mapped[date | None] = mapped_column(Date)


Index("ix_conversations_practitioner_updated", Conversation.practitioner_id, Conversation.updated_at)


class ConversationSearchTerm(Base):
    """One normalised word of the patient's name, for the practitioner's prefix search."""

    __tablename__ = "conversation_search_terms"

    practitioner_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    term: Mapped[str] = mapped_column(SearchTerm, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    sort_key: Mapped[str] = mapped_column(String(220))
    # " helene dupont " : every term of the name, space-delimited, so the other query words are
    # checked on the row itself (LIKE '% dup%') instead of by one index probe per row.
    terms_text: Mapped[str] = mapped_column(String(400), default="")


# Name-ordered range scans for the driving word; (conversation, term) probes for the others.
Index(
    "ix_search_terms_order",
    ConversationSearchTerm.practitioner_id,
    ConversationSearchTerm.term,
    ConversationSearchTerm.sort_key,
    ConversationSearchTerm.conversation_id,
    ConversationSearchTerm.terms_text,
)
Index("ix_search_terms_conversation", ConversationSearchTerm.conversation_id, ConversationSearchTerm.term)


class Message(Base):
    """A message; its id is generated by the client so a retried send never duplicates."""

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("conversation_id", "seq", name="uq_message_seq"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(BigInteger)
    sender_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))  # None: system message
    kind: Mapped[str] = mapped_column(String(16), default="text")  # text | attachment | system | ...
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]


class UserEvent(Base):
    """A persisted realtime event, numbered per user, replayed to a reconnecting socket."""

    __tablename__ = "user_events"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    type: Mapped[str] = mapped_column(String(48))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]


class AuditEntry(Base):
    """Who touched which health data, when — never the content."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[str | None] = mapped_column(String(36), index=True)
    actor_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(48))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(45))


class RateEvent(Base):
    """One counted attempt (failed login, invitation guess…) for sliding-window rate limits."""

    __tablename__ = "rate_events"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    bucket: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime]


Index("ix_rate_events_bucket_key_at", RateEvent.bucket, RateEvent.key, RateEvent.at)
