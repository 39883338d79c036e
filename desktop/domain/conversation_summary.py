"""One row of the conversation list as the desktop keeps it: the server's `ConversationPublic`,
reduced to what the list shows and the cache stores (the last message as a one-line preview).

The wire models of `contracts.wire` are the desktop's values for everything else (messages,
accounts, invitations, payments…): parsed once, by Pydantic, in `desktop.api`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from contracts.text import preview
from contracts.wire.accounts import PersonPublic
from contracts.wire.conversations import ConversationPublic, MessagePublic, PatientWritePublic


@dataclass(frozen=True, slots=True)
class MessagePreview:
    """The last message as the conversation list shows it (body cut to one line)."""

    kind: str
    text: str
    sender_role: str
    created_at: datetime

    @classmethod
    def of(cls, message: MessagePublic) -> MessagePreview:
        attachment = message.attachment
        text = attachment.filename if attachment is not None else preview(message.body)
        return cls(message.kind, text, message.sender_role, message.created_at)


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    """One row of the conversation list, as cached locally."""

    id: str
    patient: PersonPublic
    updated_at: datetime
    last_seq: int
    read_seq: int
    other_read_seq: int
    unread: int
    last_message: MessagePreview | None
    patient_write: PatientWritePublic
    patient_can_write: bool

    @classmethod
    def of(cls, conversation: ConversationPublic) -> ConversationSummary:
        """The row of a conversation the server sent."""
        last = conversation.last_message
        return cls(
            id=conversation.id,
            patient=conversation.patient,
            updated_at=conversation.updated_at,
            last_seq=conversation.last_seq,
            read_seq=conversation.read_seq,
            other_read_seq=conversation.other_read_seq,
            unread=conversation.unread,
            last_message=MessagePreview.of(last) if last is not None else None,
            patient_write=conversation.patient_write,
            patient_can_write=conversation.patient_can_write,
        )

    def with_message(self, message: MessagePublic, *, mine: bool) -> ConversationSummary:
        """This summary after `message` arrived (no change when it is not newer)."""
        if message.seq <= self.last_seq:
            return self
        return replace(
            self,
            last_seq=message.seq,
            updated_at=max(self.updated_at, message.created_at),
            last_message=MessagePreview.of(message),
            read_seq=message.seq if mine else self.read_seq,
            unread=0 if mine else self.unread + 1,
        )
