"""The local database of one signed-in account: cache of conversations and messages, outbox.

What would name a patient or say what was written (names, previews, bodies, file names) is
sealed (`desktop.storage.cipher`); ids, times and seqs stay in clear for the indexes.
"""

from __future__ import annotations

from pathlib import Path

from desktop.storage.cipher import Cipher
from desktop.storage.sqlite_worker import SqliteWorker

SCHEMA = """
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL,
    sealed BLOB NOT NULL,
    updated_at REAL NOT NULL,
    last_seq INTEGER NOT NULL,
    read_seq INTEGER NOT NULL,
    other_read_seq INTEGER NOT NULL,
    unread INTEGER NOT NULL,
    preview_kind TEXT,
    preview_role TEXT,
    preview_at REAL,
    write_mode TEXT NOT NULL,
    write_until TEXT,
    can_write INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    sealed BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages (conversation_id, seq);
CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    sealed BLOB NOT NULL,
    size INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT
);
"""


def open_database(path: Path | None, cipher: Cipher) -> SqliteWorker:
    """The worker of the account database at `path` (created on first use), sealed by `cipher`.

    `path` None (no secure keyring, so no key kept across runs): the database is in memory only,
    nothing of it reaches the disk, and it is empty at the next start. A database on disk that
    `cipher` cannot read (another key, a lost key, written before the encryption) is discarded.
    """
    if path is None:
        return SqliteWorker(None, SCHEMA)
    return SqliteWorker(path, SCHEMA, admit=cipher.admits)
