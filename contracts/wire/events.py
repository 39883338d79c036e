"""The persisted events: each event name and the wire model of its `data`.

The server emits an event only with the model declared here for its name (`server.kernel.core`),
and stores what the model writes as JSON; clients read `data` by these shapes (REST `/events`, and
the socket's `{"type": "event", "seq", "event", "data"}` frames). Fields a model leaves unset are
absent from the JSON (the patient of a conversation has no `profession`), as clients read them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from contracts.wire.accounts import AccountUpdatedEvent
from contracts.wire.billing import ClaimEvent, NoteEvent
from contracts.wire.calls import CallEvent
from contracts.wire.conversations import (
    ConversationEvent,
    ConversationReadEvent,
    ConversationUpdatedEvent,
    MessageEvent,
)
from contracts.wire.invitations import ConnectionRequestEvent, InvitationAcceptedEvent, InvitationEvent
from contracts.wire.payments import PaymentEvent

EVENT_PAYLOADS: dict[str, type[BaseModel]] = {
    "account.updated": AccountUpdatedEvent,
    "conversation.created": ConversationEvent,
    "conversation.read": ConversationReadEvent,
    "conversation.updated": ConversationUpdatedEvent,
    "message.created": MessageEvent,
    "invitation.updated": InvitationEvent,
    "invitation.accepted": InvitationAcceptedEvent,
    "connection_request.created": ConnectionRequestEvent,
    "connection_request.updated": ConnectionRequestEvent,
    "call.started": CallEvent,
    "call.ended": CallEvent,
    "claim.updated": ClaimEvent,
    "note.created": NoteEvent,
    "note.updated": NoteEvent,
    "payment.created": PaymentEvent,
    "payment.updated": PaymentEvent,
}


def event_data(event: str, data: BaseModel) -> dict[str, Any]:
    """The JSON `data` of an event: `data` must be the model declared for `event`.

    Raises:
        TypeError: an unknown event name, or a payload of another model.
    """
    expected = EVENT_PAYLOADS.get(event)
    if expected is None or type(data) is not expected:
        raise TypeError(f"event {event!r} carries {type(data).__name__}, not its declared payload")
    return data.model_dump(mode="json", exclude_unset=True)
