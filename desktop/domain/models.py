"""Pure value types of the client, parsed from the server's wire format (docs/api-contracts.md)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from contracts.text import preview

Wire = dict[str, Any]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_time(value: object) -> datetime:
    """A UTC datetime from an ISO 8601 string ("…Z"); the epoch when missing or unreadable."""
    if not isinstance(value, str) or not value:
        return EPOCH
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return EPOCH
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def parse_optional_time(value: object) -> datetime | None:
    return parse_time(value) if isinstance(value, str) and value else None


def to_wire_time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _str(value: object, default: str = "") -> str:
    return value if isinstance(value, str) else default


def _int(value: object, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    first_name: str
    last_name: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @classmethod
    def from_wire(cls, data: Wire) -> Person:
        return cls(_str(data.get("id")), _str(data.get("first_name")), _str(data.get("last_name")))


@dataclass(frozen=True, slots=True)
class Account:
    """The signed-in practitioner."""

    id: str
    role: str
    first_name: str
    last_name: str
    email: str
    profession: str | None
    specialty: str | None
    plan: str | None
    event_seq: int

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def can_invite(self) -> bool:
        return self.plan == "PRO+"

    @classmethod
    def from_wire(cls, data: Wire) -> Account:
        return cls(
            id=_str(data.get("id")),
            role=_str(data.get("role"), "practitioner"),
            first_name=_str(data.get("first_name")),
            last_name=_str(data.get("last_name")),
            email=_str(data.get("email")),
            profession=data.get("profession") if isinstance(data.get("profession"), str) else None,
            specialty=data.get("specialty") if isinstance(data.get("specialty"), str) else None,
            plan=data.get("plan") if isinstance(data.get("plan"), str) else None,
            event_seq=_int(data.get("event_seq")),
        )


@dataclass(frozen=True, slots=True)
class Attachment:
    id: str
    filename: str
    content_type: str
    size: int
    width: int | None = None
    height: int | None = None

    @property
    def is_image(self) -> bool:
        return self.content_type in ("image/jpeg", "image/png")

    @classmethod
    def from_wire(cls, data: Wire) -> Attachment:
        width, height = data.get("width"), data.get("height")
        return cls(
            id=_str(data.get("id")),
            filename=_str(data.get("filename"), "document"),
            content_type=_str(data.get("content_type"), "application/octet-stream"),
            size=_int(data.get("size")),
            width=width if isinstance(width, int) else None,
            height=height if isinstance(height, int) else None,
        )


@dataclass(frozen=True, slots=True)
class Message:
    id: str
    conversation_id: str
    seq: int
    sender_id: str | None
    sender_role: str  # practitioner | patient | system
    kind: str  # text | attachment | system | payment | …
    body: str
    data: Wire | None
    created_at: datetime

    @property
    def attachment(self) -> Attachment | None:
        if self.kind != "attachment" or not isinstance(self.data, dict):
            return None
        raw = self.data.get("attachment")
        return Attachment.from_wire(raw) if isinstance(raw, dict) else None

    @classmethod
    def from_wire(cls, data: Wire) -> Message:
        extra = data.get("data")
        return cls(
            id=_str(data.get("id")),
            conversation_id=_str(data.get("conversation_id")),
            seq=_int(data.get("seq")),
            sender_id=data.get("sender_id") if isinstance(data.get("sender_id"), str) else None,
            sender_role=_str(data.get("sender_role"), "system"),
            kind=_str(data.get("kind"), "text"),
            body=_str(data.get("body")),
            data=extra if isinstance(extra, dict) else None,
            created_at=parse_time(data.get("created_at")),
        )

    def to_wire(self) -> Wire:
        return {
            "id": self.id,
            "conversation_id": self.conversation_id,
            "seq": self.seq,
            "sender_id": self.sender_id,
            "sender_role": self.sender_role,
            "kind": self.kind,
            "body": self.body,
            "data": self.data,
            "created_at": to_wire_time(self.created_at),
        }


@dataclass(frozen=True, slots=True)
class MessagePreview:
    """The last message as the conversation list shows it (body cut to one line)."""

    kind: str
    text: str
    sender_role: str
    created_at: datetime

    @classmethod
    def of(cls, message: Message) -> MessagePreview:
        attachment = message.attachment
        text = attachment.filename if attachment is not None else preview(message.body)
        return cls(message.kind, text, message.sender_role, message.created_at)


@dataclass(frozen=True, slots=True)
class PatientWrite:
    """Whether the patient may write: always, never, or until a day (inclusive, French time)."""

    mode: str  # always | never | until
    until: date | None = None

    @classmethod
    def from_wire(cls, data: object) -> PatientWrite:
        if not isinstance(data, dict):
            return cls("always")
        until = data.get("until")
        try:
            day = date.fromisoformat(until) if isinstance(until, str) and until else None
        except ValueError:
            day = None
        return cls(_str(data.get("mode"), "always"), day)


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    """One row of the conversation list, as cached locally."""

    id: str
    patient: Person
    updated_at: datetime
    last_seq: int
    read_seq: int
    other_read_seq: int
    unread: int
    last_message: MessagePreview | None
    patient_write: PatientWrite
    patient_can_write: bool

    @classmethod
    def from_wire(cls, data: Wire) -> ConversationSummary:
        last = data.get("last_message")
        return cls(
            id=_str(data.get("id")),
            patient=Person.from_wire(data.get("patient") or {}),
            updated_at=parse_time(data.get("updated_at")),
            last_seq=_int(data.get("last_seq")),
            read_seq=_int(data.get("read_seq")),
            other_read_seq=_int(data.get("other_read_seq")),
            unread=_int(data.get("unread")),
            last_message=MessagePreview.of(Message.from_wire(last)) if isinstance(last, dict) else None,
            patient_write=PatientWrite.from_wire(data.get("patient_write")),
            patient_can_write=bool(data.get("patient_can_write", True)),
        )

    def with_message(self, message: Message, *, mine: bool) -> ConversationSummary:
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


@dataclass(frozen=True, slots=True)
class Invitation:
    id: str
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    channel: str  # email | sms
    status: str
    status_label: str
    created_at: datetime
    sent_at: datetime | None
    expires_at: datetime | None
    accepted_at: datetime | None
    conversation_id: str | None
    delivery_error: str | None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_open(self) -> bool:
        """Still waiting for the patient: it can be corrected, resent or cancelled."""
        return self.status in ("pending", "delivery_failed", "expired")

    @classmethod
    def from_wire(cls, data: Wire) -> Invitation:
        def opt(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) and value else None

        return cls(
            id=_str(data.get("id")),
            first_name=_str(data.get("first_name")),
            last_name=_str(data.get("last_name")),
            email=opt("email"),
            phone=opt("phone"),
            channel=_str(data.get("channel"), "email"),
            status=_str(data.get("status"), "pending"),
            status_label=_str(data.get("status_label")),
            created_at=parse_time(data.get("created_at")),
            sent_at=parse_optional_time(data.get("sent_at")),
            expires_at=parse_optional_time(data.get("expires_at")),
            accepted_at=parse_optional_time(data.get("accepted_at")),
            conversation_id=opt("conversation_id"),
            delivery_error=opt("delivery_error"),
        )


@dataclass(frozen=True, slots=True)
class ConnectionRequest:
    id: str
    patient: Person
    message: str
    status: str  # pending | accepted | declined
    created_at: datetime

    @classmethod
    def from_wire(cls, data: Wire) -> ConnectionRequest:
        return cls(
            id=_str(data.get("id")),
            patient=Person.from_wire(data.get("patient") or {}),
            message=_str(data.get("message")),
            status=_str(data.get("status"), "pending"),
            created_at=parse_time(data.get("created_at")),
        )


@dataclass(frozen=True, slots=True)
class HelpPage:
    slug: str
    title: str
    url: str

    @classmethod
    def from_wire(cls, data: Wire) -> HelpPage:
        return cls(_str(data.get("slug")), _str(data.get("title")), _str(data.get("url")))


@dataclass(frozen=True, slots=True)
class InvitationCheck:
    """The server's verdict on an invitation form: the channel it will use."""

    channel: str  # email | sms
    email: str | None
    phone: str | None
