"""The local database of one signed-in account: cache of conversations and messages, outbox.

What would name a patient or say what was written (names, previews, bodies, file names) is
sealed (`desktop.storage.cipher`); ids, times and seqs stay in clear for the indexes.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

from desktop.storage.cipher import Cipher
from desktop.storage.sqlite_worker import SqliteWorker

log = logging.getLogger(__name__)

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


def _legacy_outbox(cipher: Cipher) -> Callable[[sqlite3.Connection], Callable[[sqlite3.Connection], None]]:
    """Carry the outbox of a database written before the encryption (its texts in clear) into the
    new, sealed one: what the practitioner queued offline is sent after the upgrade, not lost.
    The cache itself is not carried: it is synced again from the server."""

    def carry(old: sqlite3.Connection) -> Callable[[sqlite3.Connection], None]:
        columns = {str(c[1]) for c in old.execute("PRAGMA table_info(outbox)")}
        if "sealed" in columns or not {"body", "file_path", "filename"} <= columns:
            return lambda _new: None  # sealed with another key (unreadable), or no outbox
        rows = old.execute(
            "SELECT id, position, kind, conversation_id, body, file_path, filename, size, created_at, "
            "attempts, error FROM outbox ORDER BY position"
        ).fetchall()

        def restore(new: sqlite3.Connection) -> None:
            for (
                item_id,
                position,
                kind,
                conversation_id,
                body,
                file_path,
                filename,
                size,
                created,
                tries,
                error,
            ) in rows:
                sealed = cipher.seal(json.dumps([body or "", file_path, filename or ""]), str(item_id))
                new.execute(
                    "INSERT OR IGNORE INTO outbox (id, position, kind, conversation_id, sealed, size, "
                    "created_at, attempts, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (item_id, position, kind, conversation_id, sealed, size, created, tries, error),
                )
            if rows:
                log.info("local database sealed: %d queued item(s) carried over", len(rows))

        return restore

    return carry


def open_database(path: Path | None, cipher: Cipher) -> SqliteWorker:
    """The worker of the account database at `path` (created on first use), sealed by `cipher`.

    `path` None (no secure keyring, so no key kept across runs): the database is in memory only,
    nothing of it reaches the disk, and it is empty at the next start. A database on disk that
    `cipher` cannot read (another key, a lost key, written before the encryption) is discarded;
    the outbox of one written before the encryption is carried over, sealed.
    """
    if path is None:
        return SqliteWorker(None, SCHEMA)
    return SqliteWorker(path, SCHEMA, admit=cipher.admits, carry=_legacy_outbox(cipher))
