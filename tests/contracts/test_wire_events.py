"""An event is written only from the model declared for its name, and as clients read it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contracts.wire.accounts import PersonPublic
from contracts.wire.calls import CallEvent, CallPublic
from contracts.wire.conversations import ConversationReadEvent, MessageEvent, MessagePublic
from contracts.wire.events import event_data

CALL = CallPublic(
    id="c1",
    conversation_id="v1",
    status="ended",
    started_at=datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
    ended_at=datetime(2026, 12, 2, 9, 30, 0, 120000, tzinfo=UTC),
    end_reason="hangup",
)


def test_the_json_of_the_declared_model() -> None:
    assert event_data("call.ended", CallEvent(call=CALL)) == {
        "call": {
            "id": "c1",
            "conversation_id": "v1",
            "status": "ended",
            "started_at": "2026-12-02T09:00:00Z",
            "ended_at": "2026-12-02T09:30:00.120000Z",
            "end_reason": "hangup",
        }
    }
    message = MessagePublic(
        id="m1",
        conversation_id="v1",
        seq=3,
        sender_id=None,
        sender_role="system",
        kind="system",
        body="",
        data={"payment": {"id": "p1", "status": "paid", "amount": "25.00"}},
        created_at=datetime(2026, 12, 2, 9, 0, 0, 1, tzinfo=UTC),
    )
    data = event_data("message.created", MessageEvent(message=message))
    assert data["message"]["sender_id"] is None  # null stays null
    assert data["message"]["created_at"] == "2026-12-02T09:00:00.000001Z"
    assert data["message"]["data"] == {"payment": {"id": "p1", "status": "paid", "amount": "25.00"}}


def test_fields_left_unset_stay_absent() -> None:
    patient = PersonPublic(id="u2", first_name="Hélène", last_name="Dupont")
    assert patient.model_dump(mode="json", exclude_unset=True) == {
        "id": "u2",
        "first_name": "Hélène",
        "last_name": "Dupont",
    }
    assert patient.model_dump(mode="json")["profession"] is None  # as REST answers write it


def test_another_model_or_an_unknown_name_is_refused() -> None:
    read = ConversationReadEvent(conversation_id="v1", reader_role="patient", read_seq=2, unread=0)
    with pytest.raises(TypeError, match=r"call\.started"):
        event_data("call.started", read)
    with pytest.raises(TypeError, match=r"call\.rang"):
        event_data("call.rang", CallEvent(call=CALL))
