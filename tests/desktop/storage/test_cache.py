"""The local cache and the outbox survive closing and reopening the database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from contracts.wire.conversations import ConversationPublic, MessagePublic
from desktop.domain.conversation_summary import ConversationSummary
from desktop.domain.outbox_item import MESSAGE, UPLOAD, OutboxItem
from desktop.storage.cache import LocalCache
from desktop.storage.cipher import Cipher
from desktop.storage.outbox_store import OutboxStore
from desktop.storage.schema import open_database

CIPHER = Cipher(bytes(range(32)))


def summary(i: int) -> ConversationSummary:
    return ConversationSummary.of(
        ConversationPublic.model_validate(
            {
                "id": f"c{i}",
                "practitioner": {"id": "d1", "first_name": "Claire", "last_name": "Martin"},
                "patient": {"id": f"p{i}", "first_name": "Zoé", "last_name": f"Bernard{i}"},
                "created_at": "2026-11-01T08:00:00Z",
                "updated_at": f"2026-11-{10 + i:02d}T08:00:00Z",
                "last_seq": i,
                "unread": i % 2,
                "read_seq": 0,
                "other_read_seq": 0,
                "last_message": {
                    "id": f"m{i}",
                    "conversation_id": f"c{i}",
                    "seq": i,
                    "sender_id": f"p{i}",
                    "sender_role": "patient",
                    "kind": "text",
                    "body": "Bonjour docteur",
                    "data": None,
                    "created_at": f"2026-11-{10 + i:02d}T08:00:00Z",
                },
                "patient_write": {"mode": "until", "until": "2026-12-31"},
                "patient_can_write": True,
            }
        )
    )


@pytest.mark.asyncio
async def test_conversations_messages_and_state_round_trip(tmp_path: Path) -> None:
    db = open_database(tmp_path / "local.sqlite3", CIPHER)
    cache = LocalCache(db, CIPHER)
    rows = [summary(i) for i in range(1, 6)]
    await cache.save_conversations(rows)
    message = MessagePublic.model_validate(
        {
            "id": "m1",
            "conversation_id": "c1",
            "seq": 1,
            "sender_id": "p1",
            "sender_role": "patient",
            "kind": "text",
            "body": "x",
            "data": None,
            "created_at": "2026-11-11T08:00:00Z",
        }
    )
    await cache.save_messages([message])
    await cache.set_last_event_seq(42)
    db.close()

    db = open_database(tmp_path / "local.sqlite3", CIPHER)
    cache = LocalCache(db, CIPHER)
    cached = await cache.load_rows()
    loaded = {cid: cached.take(cid) for cid, *_ in cached.index_rows()}
    assert loaded == {c.id: c for c in rows}
    assert await cache.messages("c1") == [message]
    assert await cache.last_event_seq() == 42
    assert (tmp_path / "local.sqlite3").stat().st_mode & 0o077 == 0  # health data: owner only
    db.close()


@pytest.mark.asyncio
async def test_outbox_keeps_order_and_copies_files(tmp_path: Path) -> None:
    source = tmp_path / "ordonnance.pdf"
    source.write_bytes(b"%PDF-1.4 test")
    db = open_database(tmp_path / "local.sqlite3", CIPHER)
    store = OutboxStore(db, tmp_path / "outbox", CIPHER)
    now = datetime.now(UTC)
    await store.add(OutboxItem("u1", MESSAGE, "c1", now, body="un"))
    upload = await store.add(OutboxItem("u2", UPLOAD, "c1", now, filename="ordonnance.pdf"), source)
    await store.add(OutboxItem("u3", MESSAGE, "c1", now, body="trois"))
    source.unlink()  # the practitioner may delete the original: the outbox has its copy
    assert upload.file_path is not None and upload.file_path.read_bytes() == b"%PDF-1.4 test"
    db.close()

    db = open_database(tmp_path / "local.sqlite3", CIPHER)
    store = OutboxStore(db, tmp_path / "outbox", CIPHER)
    assert [i.id for i in await store.items()] == ["u1", "u2", "u3"]
    await store.remove("u2")
    assert [i.id for i in await store.items()] == ["u1", "u3"]
    assert not (tmp_path / "outbox" / "u2").exists()
    db.close()
