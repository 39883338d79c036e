"""The calls table: one row per video call of a conversation, from its start to its end.

A call is started by the practitioner of the conversation; both participants' ids are copied on
the row so the signaling relay checks membership with one primary-key read. Nothing of the call's
content is stored (signaling frames are relayed, never persisted): only who, when, and how it
ended.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base


class Call(Base):
    """A video call between the practitioner and the patient of one conversation."""

    __tablename__ = "calls"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    practitioner_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    patient_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    # "hangup" (a participant hung up), "ended" (closed by the practitioner's app), "expired".
    end_reason: Mapped[str | None] = mapped_column(String(32))


# "The conversation's open call": newest first, ended or not.
Index("ix_calls_conversation_started", Call.conversation_id, Call.started_at)
