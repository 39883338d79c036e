"""The `data` of the persisted events the socket delivers (`{"type": "event", "seq", "event", "data"}`).

Each event carries the same models the REST answers use, wrapped by the event's subject:

- `message.created` → `MessageEventPublic`; `conversation.created` → `ConversationEventPublic`;
- `conversation.read` → `ReadEventPublic`; `conversation.updated` → `PatientWriteEventPublic`;
- `invitation.updated`, `invitation.accepted` → `InvitationEventPublic`;
- `connection_request.created`, `connection_request.updated` → `ConnectionRequestEventPublic`;
- `payment.created`, `payment.updated` → `PaymentEventPublic`; `claim.updated` → `ClaimEventPublic`;
- `account.updated` → `AccountEventPublic` (read `/me` again).
"""

from __future__ import annotations

from pydantic import BaseModel

from contracts.wire.billing import ClaimSummaryPublic
from contracts.wire.conversations import ConversationPublic, MessagePublic, PatientWritePublic
from contracts.wire.invitations import ConnectionRequestPublic, InvitationPublic
from contracts.wire.payments import PaymentPublic


class MessageEventPublic(BaseModel):
    message: MessagePublic


class ConversationEventPublic(BaseModel):
    conversation: ConversationPublic


class ReadEventPublic(BaseModel):
    """Someone read the conversation up to `read_seq` (`unread`: what is left for the reader)."""

    conversation_id: str
    reader_role: str
    read_seq: int
    unread: int


class PatientWriteEventPublic(BaseModel):
    """The practitioner changed whether the patient may write."""

    conversation_id: str
    patient_write: PatientWritePublic
    patient_can_write: bool


class InvitationEventPublic(BaseModel):
    invitation: InvitationPublic
    conversation_id: str | None = None  # `invitation.accepted`: the conversation it opened


class ConnectionRequestEventPublic(BaseModel):
    request: ConnectionRequestPublic


class PaymentEventPublic(BaseModel):
    payment: PaymentPublic


class ClaimEventPublic(BaseModel):
    claim: ClaimSummaryPublic


class AccountEventPublic(BaseModel):
    plan: str | None = None
