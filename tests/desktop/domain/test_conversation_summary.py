"""The conversation list's row, built from the server's conversation, and the rules it carries."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from contracts.wire.conversations import ConversationPublic, MessagePublic, PatientWritePublic
from desktop.domain.conversation_summary import ConversationSummary
from desktop.domain.outbox_item import is_supported_document

PERSON = {"id": "p1", "first_name": "Hélène", "last_name": "Dupont"}
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


def test_summary_counts_unread_only_for_newer_messages_from_the_patient() -> None:
    summary = ConversationSummary.of(
        ConversationPublic.model_validate(
            {
                "id": "c1",
                "practitioner": {"id": "d1", "first_name": "Claire", "last_name": "Martin"},
                "patient": PERSON,
                "created_at": "2026-11-20T09:00:00Z",
                "updated_at": "2026-11-24T09:00:00Z",
                "last_seq": 2,
                "last_message": None,
                "unread": 0,
                "read_seq": 2,
                "other_read_seq": 2,
                "patient_write": {"mode": "until", "until": "2026-12-03"},
                "patient_can_write": True,
            }
        )
    )
    assert summary.patient_write == PatientWritePublic(mode="until", until=date(2026, 12, 3))
    newer = summary.with_message(MessagePublic.model_validate(MESSAGE), mine=False)
    assert newer.unread == 1 and newer.last_seq == 3
    assert newer.last_message is not None and newer.last_message.text == "photo.png"
    assert (
        newer.with_message(MessagePublic.model_validate(MESSAGE), mine=False) is newer
    )  # a replay changes nothing


def test_documents_allowed_by_name() -> None:
    assert is_supported_document(Path("ordonnance.PDF"))
    assert is_supported_document(Path("photo.jpeg"))
    assert not is_supported_document(Path("notes.docx"))
