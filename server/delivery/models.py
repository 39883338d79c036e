"""The delivery queue's table: one row per email or SMS to send, written in the use-case's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base


class DeliveryJob(Base):
    """A message to send (invitation, password code), claimed by a worker with a lease."""

    __tablename__ = "delivery_jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))  # "invitation" | "password_reset"
    ref_id: Mapped[str] = mapped_column(String(36), index=True)
    channel: Mapped[str] = mapped_column(String(8))  # "email" | "sms"
    status: Mapped[str] = mapped_column(String(12))  # queued | sent | failed | cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    # Set while a worker sends; a crashed worker's job becomes due again when it passes.
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(300))


Index("ix_delivery_jobs_due", DeliveryJob.status, DeliveryJob.next_attempt_at)
