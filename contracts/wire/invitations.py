"""Invitations and first contact on the wire: invitations and their links, connection requests,
the directory, help pages."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from contracts.wire.accounts import NAME, PersonPublic
from contracts.wire.common import Input, PersonName


class InvitationCreate(Input):
    first_name: PersonName = NAME
    last_name: PersonName = NAME
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)


class InvitationUpdate(Input):
    """Only the fields present change; `null` or "" removes a contact."""

    first_name: PersonName | None = Field(default=None, max_length=1000)
    last_name: PersonName | None = Field(default=None, max_length=1000)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)


InvitationStatus = Literal["pending", "accepted", "expired", "cancelled", "delivery_failed"]


class InvitationPublic(BaseModel):
    id: str
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    channel: Literal["email", "sms"]
    status: InvitationStatus
    status_label: str
    created_at: datetime
    sent_at: datetime | None
    expires_at: datetime
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


class InvitationsPublic(BaseModel):
    items: list[InvitationPublic]


class InvitationOutcomePublic(BaseModel):
    outcome: Literal["created", "updated", "existing_conversation"]
    invitation: InvitationPublic | None
    conversation_id: str | None


class InvitationEvent(BaseModel):
    """`invitation.updated`, to the practitioner (every device)."""

    invitation: InvitationPublic


class InvitationAcceptedEvent(BaseModel):
    """`invitation.accepted`, to the practitioner: the patient's conversation exists."""

    invitation: InvitationPublic
    conversation_id: str


class InvitationValidationPublic(BaseModel):
    channel: Literal["email", "sms"]
    email: str | None
    phone: str | None


class InvitationLinkPublic(BaseModel):
    url: str
    expires_at: datetime
    invitation: InvitationPublic


class LinkTokenInput(Input):
    token: str = Field(min_length=1, max_length=200)


class LinkPractitionerPublic(BaseModel):
    display_name: str
    first_name: str
    last_name: str
    profession: str
    title: str


class LinkInvitationPublic(BaseModel):
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    expires_at: datetime
    valid_until: str


class LinkViewPublic(BaseModel):
    state: Literal["valid", "expired", "used", "cancelled", "replaced", "unknown"]
    detail: str
    practitioner: LinkPractitionerPublic | None = None
    invitation: LinkInvitationPublic | None = None
    account_exists: bool | None = None


class InvitationAcceptedPublic(BaseModel):
    conversation_id: str
    invitation_id: str


class PractitionerCardPublic(BaseModel):
    id: str
    first_name: str
    last_name: str
    display_name: str
    profession: str
    profession_label: str
    specialty: str | None
    specialty_label: str | None
    city: str | None
    conversation_id: str | None = None
    request_status: str | None = None


class DirectoryPublic(BaseModel):
    items: list[PractitionerCardPublic]


class ProfessionPublic(BaseModel):
    code: str
    label: str


class ProfessionsPublic(BaseModel):
    items: list[ProfessionPublic]


class ConnectionRequestCreate(Input):
    multiline_fields: ClassVar[frozenset[str]] = frozenset({"message"})

    practitioner_id: str = Field(max_length=64)
    message: str = Field(default="", max_length=2000)


class ConnectionRequestPublic(BaseModel):
    id: str
    patient: PersonPublic
    practitioner: PractitionerCardPublic
    message: str
    status: Literal["pending", "accepted", "declined"]
    status_label: str
    created_at: datetime
    decided_at: datetime | None
    conversation_id: str | None


class ConnectionRequestsPublic(BaseModel):
    items: list[ConnectionRequestPublic]


class ConnectionRequestEvent(BaseModel):
    """`connection_request.created`, `connection_request.updated`, to both sides."""

    request: ConnectionRequestPublic


class ConnectionRequestOutcomePublic(BaseModel):
    outcome: Literal["created", "existing", "existing_conversation"]
    request: ConnectionRequestPublic | None
    conversation_id: str | None


class ConnectionRequestAcceptedPublic(BaseModel):
    conversation_id: str
    request: ConnectionRequestPublic


class ConnectionRequestDeclinedPublic(BaseModel):
    request: ConnectionRequestPublic


class HelpPagePublic(BaseModel):
    slug: str
    title: str
    summary: str
    url: str


class HelpPagesPublic(BaseModel):
    items: list[HelpPagePublic]
