"""Conversations on the wire: conversations, messages, read marks, the patient-write setting, events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from contracts.wire.accounts import PersonPublic
from contracts.wire.common import MAX_BIGINT, Input


class AttachmentPublic(BaseModel):
    """A document of the conversation, in the `data` of its message (`{"attachment": …}`)."""

    id: str
    filename: str
    content_type: str
    size: int
    width: int | None = None
    height: int | None = None

    @property
    def is_image(self) -> bool:
        return self.content_type in ("image/jpeg", "image/png")


class MessagePublic(BaseModel):
    id: str
    conversation_id: str
    seq: int
    sender_id: str | None
    sender_role: str
    kind: str
    body: str
    data: dict[str, Any] | None
    created_at: datetime

    @property
    def attachment(self) -> AttachmentPublic | None:
        """The document of an `attachment` message (None for any other kind)."""
        if self.kind != "attachment" or not self.data or not isinstance(self.data.get("attachment"), dict):
            return None
        return AttachmentPublic.model_validate(self.data["attachment"])


class MessagesPublic(BaseModel):
    items: list[MessagePublic]


class PatientWritePublic(BaseModel):
    mode: Literal["always", "never", "until"]
    until: date | None


class ConversationPublic(BaseModel):
    id: str
    practitioner: PersonPublic
    patient: PersonPublic
    created_at: datetime
    updated_at: datetime
    last_seq: int
    last_message: MessagePublic | None
    unread: int
    read_seq: int
    other_read_seq: int
    patient_write: PatientWritePublic
    patient_can_write: bool


class ConversationsPublic(BaseModel):
    items: list[ConversationPublic]
    next_before: str | None


class MessageCreate(Input):
    multiline_fields: ClassVar[frozenset[str]] = frozenset({"body"})

    body: str = Field(max_length=20000)


class ReadUpdate(Input):
    seq: int = Field(ge=0, le=MAX_BIGINT)


class PatientWriteUpdate(Input):
    mode: Literal["always", "never", "until"]
    until: date | None = None


class ConversationUpdate(Input):
    patient_write: PatientWriteUpdate


class ReadMarkPublic(BaseModel):
    """The actor's read mark after POST /conversations/{id}/read (never moved backwards)."""

    conversation_id: str
    read_seq: int


class SocketAuthFrame(Input):
    """The first frame a client writes on the socket: its token and the last event it holds."""

    type: Literal["auth"]
    token: str = Field(min_length=1, max_length=200)
    last_seq: int = Field(default=0, ge=0, le=MAX_BIGINT, strict=True)


class MessageSendFrame(Input):
    """`message.send`, client → server: a message sent over the socket (as PUT …/messages/{id})."""

    multiline_fields: ClassVar[frozenset[str]] = frozenset({"body"})

    type: Literal["message.send"]
    id: str = Field(max_length=64)
    conversation_id: str = Field(max_length=64)
    body: str = Field(max_length=20000)


class MessageAckFrame(BaseModel):
    """Socket answer to `message.send`: the message is stored (same `id` as sent)."""

    type: Literal["ack"]
    id: str
    seq: int
    created_at: datetime


# ---------------------------------------------------------------- event payloads (`EventPublic.data`)
class ConversationEvent(BaseModel):
    """`conversation.created`: the conversation as its recipient sees it."""

    conversation: ConversationPublic


class MessageEvent(BaseModel):
    """`message.created`, to both participants."""

    message: MessagePublic


class ConversationReadEvent(BaseModel):
    """`conversation.read`: a participant moved their read mark."""

    conversation_id: str
    reader_role: str
    read_seq: int
    unread: int


class ConversationUpdatedEvent(BaseModel):
    """`conversation.updated`: the practitioner changed whether the patient may write."""

    conversation_id: str
    patient_write: PatientWritePublic
    patient_can_write: bool


class EventPublic(BaseModel):
    type: str
    seq: int
    event: str
    data: dict[str, Any]


class EventsPublic(BaseModel):
    items: list[EventPublic]
