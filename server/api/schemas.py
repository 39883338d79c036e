"""Wire schemas of the foundation routes (XCreate / XUpdate / XPublic)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Input(BaseModel):
    """Base of request bodies: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class ErrorPublic(BaseModel):
    code: str
    detail: str
    field: str | None = None


class LoginCreate(Input):
    role: Literal["practitioner", "patient"]
    identifier: str = Field(min_length=1, max_length=254, description="Adresse e-mail ou numéro de téléphone")
    password: str = Field(min_length=1, max_length=256)


class PractitionerCreate(Input):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)
    first_name: str = Field(max_length=500)
    last_name: str = Field(max_length=500)
    profession: str = Field(max_length=40)
    specialty: str | None = Field(default=None, max_length=80)
    rpps: str = Field(max_length=20)
    sector: str = Field(default="secteur_1", max_length=20)
    city: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=10)
    address: str | None = Field(default=None, max_length=255)
    am_number: str | None = Field(default=None, max_length=12)


class UserPublic(BaseModel):
    id: str
    role: str
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    profession: str | None = None
    specialty: str | None = None
    sector: str | None = None
    plan: str | None = None
    rpps: str | None = None
    am_number: str | None = None
    city: str | None = None
    postal_code: str | None = None
    address: str | None = None
    event_seq: int


class SessionPublic(BaseModel):
    token: str
    user: UserPublic


class PersonPublic(BaseModel):
    id: str
    first_name: str
    last_name: str
    profession: str | None = None
    specialty: str | None = None
    city: str | None = None


class MessagePublic(BaseModel):
    id: str
    conversation_id: str
    seq: int
    sender_id: str | None
    sender_role: str
    kind: str
    body: str
    data: dict[str, Any] | None
    created_at: str


class MessagesPublic(BaseModel):
    items: list[MessagePublic]


class PatientWritePublic(BaseModel):
    mode: Literal["always", "never", "until"]
    until: str | None


class ConversationPublic(BaseModel):
    id: str
    practitioner: PersonPublic
    patient: PersonPublic
    created_at: str
    updated_at: str
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
    body: str = Field(max_length=20000)


class ReadUpdate(Input):
    seq: int = Field(ge=0)


class PatientWriteUpdate(Input):
    mode: Literal["always", "never", "until"]
    until: date | None = None


class ConversationUpdate(Input):
    patient_write: PatientWriteUpdate


class EventPublic(BaseModel):
    type: str
    seq: int
    event: str
    data: dict[str, Any]


class EventsPublic(BaseModel):
    items: list[EventPublic]


class HealthPublic(BaseModel):
    status: str
    database: str
    version: str
