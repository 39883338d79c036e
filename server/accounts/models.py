"""Account tables: users (practitioners and patients), practitioner profiles, sessions, password resets."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base


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


class PasswordReset(Base):
    """A forgotten-password request: a 6-digit code (digest only), short-lived, few attempts.

    `user_id` is empty when nobody matched the identifier: the request still exists so that the
    answer does not reveal which accounts exist.
    """

    __tablename__ = "password_resets"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str | None] = mapped_column(String(8))
    code_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None]


class PatientSignup(Base):
    """A patient sign-up waiting for the code sent to its email or mobile (digest only).

    The answer to a sign-up is the same whether or not the contact already has an account: then
    `user_id` names that account, and the message sent says so instead of holding a code.
    """

    __tablename__ = "patient_signups"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    channel: Mapped[str] = mapped_column(String(8))
    code_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None]
