"""Wire parsing of the domain values and the rules they carry."""

from __future__ import annotations

from datetime import UTC, date, datetime

from desktop.domain.models import ConversationSummary, Invitation, Message, PatientWrite
from desktop.domain.outbox_item import is_supported_document

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
    message = Message.from_wire(MESSAGE)
    assert message.created_at == datetime(2026, 11, 24, 9, 40, tzinfo=UTC)
    assert message.attachment is not None and message.attachment.is_image
    assert Message.from_wire(message.to_wire()) == message


def test_summary_counts_unread_only_for_newer_messages_from_the_patient() -> None:
    summary = ConversationSummary.from_wire(
        {
            "id": "c1",
            "patient": {"id": "p1", "first_name": "Hélène", "last_name": "Dupont"},
            "updated_at": "2026-11-24T09:00:00Z",
            "last_seq": 2,
            "unread": 0,
            "patient_write": {"mode": "until", "until": "2026-12-03"},
            "patient_can_write": True,
        }
    )
    assert summary.patient_write == PatientWrite("until", date(2026, 12, 3))
    newer = summary.with_message(Message.from_wire(MESSAGE), mine=False)
    assert newer.unread == 1 and newer.last_seq == 3
    assert newer.last_message is not None and newer.last_message.text == "photo.png"
    assert newer.with_message(Message.from_wire(MESSAGE), mine=False) is newer  # a replay changes nothing


def test_invitation_open_states() -> None:
    base = {
        "id": "i",
        "first_name": "A",
        "last_name": "B",
        "status": "pending",
        "created_at": "2026-11-24T09:00:00Z",
    }
    assert Invitation.from_wire(base).is_open
    assert not Invitation.from_wire({**base, "status": "accepted"}).is_open


def test_documents_allowed_by_name() -> None:
    from pathlib import Path

    assert is_supported_document(Path("ordonnance.PDF"))
    assert is_supported_document(Path("photo.jpeg"))
    assert not is_supported_document(Path("notes.docx"))
