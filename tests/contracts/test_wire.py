"""The wire models as both sides read them: instants, a message's document, an invitation's state."""

from __future__ import annotations

from datetime import UTC, datetime

from contracts.wire.conversations import MessagePublic
from contracts.wire.invitations import InvitationPublic

MESSAGE = {
    "id": "m1",
    "conversation_id": "c1",
    "seq": 3,
    "sender_id": "p1",
    "sender_role": "patient",
    "kind": "attachment",
    "body": "",
    "data": {"attachment": {"id": "a1", "filename": "photo.png", "content_type": "image/png", "size": 12}},
    "created_at": "2026-11-24T09:40:00Z",
}


def test_message_round_trip_and_attachment() -> None:
    message = MessagePublic.model_validate(MESSAGE)
    assert message.created_at == datetime(2026, 11, 24, 9, 40, tzinfo=UTC)
    assert message.attachment is not None and message.attachment.is_image
    assert MessagePublic.model_validate_json(message.model_dump_json()) == message
    assert message.model_dump(mode="json")["created_at"] == "2026-11-24T09:40:00Z"  # the server's form


def test_invitation_open_states() -> None:
    base = {
        "id": "i",
        "first_name": "A",
        "last_name": "B",
        "email": "a.b@example.fr",
        "phone": None,
        "channel": "email",
        "status": "pending",
        "status_label": "En attente",
        "created_at": "2026-11-24T09:00:00Z",
        "sent_at": "2026-11-24T09:00:01Z",
        "expires_at": "2026-12-09T09:00:00Z",
        "accepted_at": None,
        "conversation_id": None,
        "delivery_error": None,
    }
    assert InvitationPublic.model_validate(base).is_open
    assert not InvitationPublic.model_validate({**base, "status": "accepted"}).is_open
