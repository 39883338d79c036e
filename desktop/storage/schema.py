"""The local database of one signed-in account: cache of conversations and messages, outbox."""

from __future__ import annotations

from pathlib import Path

from desktop.storage.sqlite_worker import SqliteWorker

SCHEMA = """
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    updated_at REAL NOT NULL,
    last_seq INTEGER NOT NULL,
    read_seq INTEGER NOT NULL,
    other_read_seq INTEGER NOT NULL,
    unread INTEGER NOT NULL,
    preview_kind TEXT,
    preview_text TEXT,
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
    json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages (conversation_id, seq);
CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    file_path TEXT,
    filename TEXT NOT NULL DEFAULT '',
    size INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT
);
"""


def open_database(path: Path) -> SqliteWorker:
    """The worker of the account database at `path` (created on first use)."""
    return SqliteWorker(path, SCHEMA)
