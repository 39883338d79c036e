"""The local database holds no patient name nor message text in clear; its key is in the keyring."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from keyring.backends import fail

from contracts.wire.accounts import UserPublic
from contracts.wire.conversations import MessagePublic
from desktop.app import workspace_parts
from desktop.domain.outbox_item import MESSAGE, UPLOAD, OutboxItem
from desktop.services.config import AppConfig
from desktop.services.session import SignedIn
from desktop.storage.cache import LocalCache
from desktop.storage.cipher import Cipher, new_key
from desktop.storage.credentials import CredentialStore
from desktop.storage.outbox_store import OutboxStore
from desktop.storage.schema import open_database
from tests.desktop.services.harness import MemoryKeyring
from tests.desktop.storage.test_cache import summary

# What must never be readable on disk: the patient's names, the texts and the document's name.
SECRETS = ["Bernard", "Zoé", "Bonjour docteur", "Douleur thoracique depuis hier", "Ordonnance-Dupont"]


def message(body: str) -> MessagePublic:
    return MessagePublic.model_validate(
        {
            "id": "m1",
            "conversation_id": "c1",
            "seq": 1,
            "sender_id": "p1",
            "sender_role": "patient",
            "kind": "text",
            "body": body,
            "data": None,
            "created_at": "2026-11-11T08:00:00Z",
        }
    )


def disk_bytes(folder: Path) -> bytes:
    """Every byte of the database files (main file, WAL, shared memory, journal)."""
    return b"".join(p.read_bytes() for p in sorted(folder.glob("local.sqlite3*")))


async def fill(path: Path | None, cipher: Cipher, source: Path) -> None:
    db = open_database(path, cipher)
    try:
        cache = LocalCache(db, cipher)
        await cache.save_conversations([summary(i) for i in range(1, 4)])
        await cache.save_messages([message("Douleur thoracique depuis hier")])
        await cache.set_last_event_seq(7)
        store = OutboxStore(db, source.parent / "outbox", cipher)
        now = datetime.now(UTC)
        await store.add(OutboxItem("o1", MESSAGE, "c1", now, body="Bonjour docteur, encore moi"))
        await store.add(OutboxItem("o2", UPLOAD, "c1", now, filename="Ordonnance-Dupont.pdf"), source)
    finally:
        db.close()


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"%PDF-1.4 test")
    return path


@pytest.mark.asyncio
async def test_the_files_hold_no_name_nor_text_and_the_key_reopens_them(tmp_path: Path, source: Path) -> None:
    key = new_key()
    path = tmp_path / "local.sqlite3"
    await fill(path, Cipher(key), source)
    raw = disk_bytes(tmp_path)
    assert len(raw) > 4096
    for secret in SECRETS:
        for encoded in (secret.encode("utf-8"), secret.encode("utf-16-le")):
            assert encoded not in raw, secret

    cipher = Cipher(key)  # the next run: the same key from the keyring
    db = open_database(path, cipher)
    cache = LocalCache(db, cipher)
    rows = await cache.load_rows()
    loaded = {cid: rows.take(cid) for cid, *_ in rows.index_rows()}
    assert loaded == {c.id: c for c in (summary(i) for i in range(1, 4))}
    assert [m.body for m in await cache.messages("c1")] == ["Douleur thoracique depuis hier"]
    assert await cache.last_event_seq() == 7
    items = await OutboxStore(db, tmp_path / "outbox", cipher).items()
    assert [(i.id, i.body, i.filename) for i in items] == [
        ("o1", "Bonjour docteur, encore moi", ""),
        ("o2", "", "Ordonnance-Dupont.pdf"),
    ]
    db.close()


@pytest.mark.asyncio
async def test_a_wrong_or_lost_key_discards_the_database(tmp_path: Path, source: Path) -> None:
    path = tmp_path / "local.sqlite3"
    await fill(path, Cipher(new_key()), source)
    cipher = Cipher(new_key())  # a lost key is replaced by a new one: the same as another key
    db = open_database(path, cipher)
    cache = LocalCache(db, cipher)
    assert len(await cache.load_rows()) == 0  # discarded: the next sync fills it again
    assert await cache.last_event_seq() == 0  # so the sync starts from the beginning
    assert await cache.messages("c1") == []
    assert await OutboxStore(db, tmp_path / "outbox", cipher).items() == []
    await cache.save_conversations([summary(1)])  # usable at once
    assert len(await cache.load_rows()) == 1
    db.close()


@pytest.mark.asyncio
async def test_a_database_from_before_the_encryption_is_discarded(tmp_path: Path) -> None:
    path = tmp_path / "local.sqlite3"
    with sqlite3.connect(path) as old:
        old.execute("CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        old.execute(
            "CREATE TABLE conversations (id TEXT PRIMARY KEY, patient_id TEXT, first_name TEXT, "
            "last_name TEXT)"
        )
        old.execute("INSERT INTO conversations VALUES ('c1', 'p1', 'Zoé', 'Bernard')")
    old.close()
    cipher = Cipher(new_key())
    db = open_database(path, cipher)
    cache = LocalCache(db, cipher)
    assert len(await cache.load_rows()) == 0
    await cache.save_conversations([summary(1)])
    db.close()
    assert b"Bernard" not in disk_bytes(tmp_path)


@pytest.mark.asyncio
async def test_the_outbox_of_a_database_from_before_the_encryption_is_carried_over_sealed(
    tmp_path: Path,
) -> None:
    """An upgrade does not lose what the practitioner queued offline with the previous version."""
    path = tmp_path / "local.sqlite3"
    copy = tmp_path / "outbox" / "u1"
    copy.parent.mkdir()
    copy.write_bytes(b"%PDF-1.4")
    with sqlite3.connect(path) as old:  # the outbox table as the previous version wrote it
        old.execute(
            "CREATE TABLE outbox (id TEXT PRIMARY KEY, position INTEGER NOT NULL, kind TEXT NOT NULL, "
            "conversation_id TEXT NOT NULL, body TEXT NOT NULL DEFAULT '', file_path TEXT, "
            "filename TEXT NOT NULL DEFAULT '', size INTEGER NOT NULL DEFAULT 0, created_at REAL NOT NULL, "
            "attempts INTEGER NOT NULL DEFAULT 0, error TEXT)"
        )
        old.execute(
            "INSERT INTO outbox VALUES ('m1', 1, ?, 'c1', ?, NULL, '', 0, 1.0, 2, NULL)",
            (MESSAGE, "Douleur thoracique depuis hier"),
        )
        old.execute(
            "INSERT INTO outbox VALUES ('u1', 2, ?, 'c1', '', ?, 'Ordonnance-Dupont.pdf', 8, 2.0, 0, NULL)",
            (UPLOAD, str(copy)),
        )
    old.close()
    cipher = Cipher(new_key())
    db = open_database(path, cipher)
    items = await OutboxStore(db, copy.parent, cipher).items()
    db.close()
    assert [(i.id, i.kind, i.body, i.filename, i.file_path, i.attempts) for i in items] == [
        ("m1", MESSAGE, "Douleur thoracique depuis hier", "", None, 2),
        ("u1", UPLOAD, "", "Ordonnance-Dupont.pdf", copy, 0),
    ]
    on_disk = b"".join(
        path.with_name(path.name + s).read_bytes()
        for s in ("", "-wal")
        if path.with_name(path.name + s).exists()
    )
    assert b"Douleur" not in on_disk and b"Ordonnance" not in on_disk


@pytest.mark.asyncio
async def test_without_a_key_nothing_reaches_the_disk(tmp_path: Path, source: Path) -> None:
    cipher = Cipher(new_key())
    db = open_database(None, cipher)  # no secure keyring: the composition root passes no path
    cache = LocalCache(db, cipher)
    await cache.save_conversations([summary(1)])
    assert len(await cache.load_rows()) == 1  # works for the session
    db.close()
    assert not list(tmp_path.glob("*.sqlite3*"))


@pytest.mark.asyncio
async def test_the_key_lives_in_the_keyring_and_none_without_a_secure_one() -> None:
    keyring = MemoryKeyring()
    store = CredentialStore(keyring)
    key = await store.cache_key("srv|account-1")
    assert key is not None and len(key) == 32
    assert await CredentialStore(keyring).cache_key("srv|account-1") == key  # the next run: same key
    assert await store.cache_key("srv|account-2") != key
    assert [name for _, name in keyring.data] == ["cache-key|srv|account-1", "cache-key|srv|account-2"]
    keyring.data[("teleconsult", "cache-key|srv|account-1")] = "abîmé"
    replaced = await store.cache_key("srv|account-1")
    assert replaced is not None and replaced != key  # unreadable: a new key (the database is discarded)
    assert await CredentialStore(fail.Keyring()).cache_key("srv|account-1") is None


@pytest.mark.asyncio
@pytest.mark.parametrize("keyring_is_secure", [True, False])
async def test_the_composition_root_keeps_the_database_on_disk_only_with_a_key(
    tmp_path: Path, keyring_is_secure: bool
) -> None:
    config = AppConfig(tmp_path / "data", tmp_path / "config")
    account = UserPublic(
        id="a1",
        role="practitioner",
        first_name="Claire",
        last_name="Martin",
        email="c@example.fr",
        event_seq=0,
        phone=None,
    )
    backend = MemoryKeyring() if keyring_is_secure else fail.Keyring()
    key = await CredentialStore(backend).cache_key("srv|a1")
    signed = SignedIn("http://127.0.0.1:1", "srv", account, "token", key)
    parts = workspace_parts(config, signed)
    await parts.cache.save_conversations([summary(1)])
    assert len(await parts.cache.load_rows()) == 1
    parts.close_storage()
    await parts.api.aclose()
    files = list((tmp_path / "data").rglob("local.sqlite3*"))
    if keyring_is_secure:
        assert files and b"Bernard" not in disk_bytes(files[0].parent)
    else:
        assert files == []  # memory only (the French notice says so once: NO_KEYRING)
