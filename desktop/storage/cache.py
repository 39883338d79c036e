"""Local cache of conversations and messages: the list and search work offline and start instantly.

Conversations are stored as columns (no JSON to parse) so 100 000 rows load in a fraction of a
second on the worker thread; messages keep their wire JSON (`MessagePublic`), a conversation at a
time. Rows were validated when they came from the server: they are rebuilt without validating
again (`model_construct`), the lean path the list's 100 000 rows need.

Names, the preview's text and the messages' JSON are sealed (`desktop.storage.cipher`): they are
opened on the worker thread at load, and the search index is built in memory from them.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError

from contracts.wire.accounts import PersonPublic
from contracts.wire.conversations import MessagePublic, PatientWritePublic
from desktop.domain.conversation_summary import ConversationSummary, MessagePreview
from desktop.storage.cipher import Cipher, UnreadableValueError
from desktop.storage.sqlite_worker import SqliteWorker, transaction

_CONVERSATION_COLUMNS = (
    "id, patient_id, sealed, updated_at, last_seq, read_seq, other_read_seq, unread, "
    "preview_kind, preview_role, preview_at, write_mode, write_until, can_write"
)
_SEP = "\x00"  # between the sealed texts of a row; no name holds it (the server refuses it)

log = logging.getLogger(__name__)

Row = tuple[object, ...]


def _stamp(value: datetime) -> float:
    return value.timestamp()


def _time(stamp: float) -> datetime:
    return datetime.fromtimestamp(stamp, UTC)


def conversation_row(c: ConversationSummary) -> Row:
    p = c.last_message
    return (
        c.id,
        c.patient.id,
        c.patient.first_name,
        c.patient.last_name,
        _stamp(c.updated_at),
        c.last_seq,
        c.read_seq,
        c.other_read_seq,
        c.unread,
        p.kind if p else None,
        p.text if p else None,
        p.sender_role if p else None,
        _stamp(p.created_at) if p else None,
        c.patient_write.mode,
        c.patient_write.until.isoformat() if c.patient_write.until else None,
        1 if c.patient_can_write else 0,
    )


def conversation_from_row(row: Sequence[Any]) -> ConversationSummary:
    (cid, pid, first, last, updated, last_seq, read_seq, other_read, unread) = row[:9]
    (p_kind, p_text, p_role, p_at, mode, until, can_write) = row[9:]
    last_message = (
        MessagePreview(str(p_kind), str(p_text or ""), str(p_role or "system"), _time(float(p_at)))
        if p_kind is not None and p_at is not None
        else None
    )
    return ConversationSummary(
        id=str(cid),
        patient=PersonPublic.model_construct(id=str(pid), first_name=str(first), last_name=str(last)),
        updated_at=_time(float(updated)),
        last_seq=int(last_seq),
        read_seq=int(read_seq),
        other_read_seq=int(other_read),
        unread=int(unread),
        last_message=last_message,
        patient_write=_patient_write(mode, str(until) if until else None),
        patient_can_write=bool(can_write),
    )


@functools.cache
def _patient_write(mode: Any, until: str | None) -> PatientWritePublic:  # mode: as stored, trusted
    """One shared value per setting (most rows say « always »); like every wire value, never modified."""
    return PatientWritePublic.model_construct(mode=mode, until=date.fromisoformat(until) if until else None)


def _sealed_row(cipher: Cipher, row: Row) -> Row:
    """The stored form of a `conversation_row`: names and preview text sealed together."""
    texts = _SEP.join((str(row[2]), str(row[3]), str(row[10] or "")))
    return (row[0], row[1], cipher.seal(texts, str(row[0])), *row[4:10], *row[11:])


def _opened_row(cipher: Cipher, stored: Sequence[Any]) -> Row:
    """The `conversation_row` of a stored row (raises UnreadableValueError)."""
    first, last, text = cipher.open(stored[2], stored[0]).split(_SEP, 2)
    return (stored[0], stored[1], first, last, *stored[3:9], text, *stored[9:])


class CachedRows:
    """Cached conversations as raw rows, decoded one by one when first needed.

    Decoding 100 000 summaries up front takes over a second; the list and the search only need
    ids, names and times, and the screen shows a few dozen rows at a time.
    """

    def __init__(self, rows: dict[str, tuple[Any, ...]]) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, conversation_id: object) -> bool:
        return conversation_id in self._rows

    def index_rows(self) -> list[tuple[str, str, str, float]]:
        """(id, first name, last name, updated_at timestamp) of every row."""
        return [(cid, row[2], row[3], float(row[4])) for cid, row in self._rows.items()]

    def take(self, conversation_id: str) -> ConversationSummary | None:
        """Decode one row and forget the raw form (the caller keeps the summary)."""
        row = self._rows.pop(conversation_id, None)
        return conversation_from_row(row) if row is not None else None


class LocalCache:
    """Conversations, messages and sync state of one account, in its local database."""

    def __init__(self, db: SqliteWorker, cipher: Cipher) -> None:
        self._db = db
        self._cipher = cipher

    # ---------------------------------------------------------------- state
    async def get_state(self, key: str) -> str | None:
        def read(conn: sqlite3.Connection) -> str | None:
            row = conn.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
            return str(row[0]) if row else None

        return await self._db.call(read)

    async def set_state(self, key: str, value: str) -> None:
        await self._db.call(
            lambda conn: conn.execute(
                "INSERT INTO state (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
        )

    async def last_event_seq(self) -> int:
        value = await self.get_state("last_event_seq")
        return int(value) if value and value.isdigit() else 0

    async def set_last_event_seq(self, seq: int) -> None:
        await self.set_state("last_event_seq", str(seq))

    # ---------------------------------------------------------------- conversations
    async def load_rows(self) -> CachedRows:
        """Every cached conversation, undecoded (see `CachedRows`)."""

        cipher = self._cipher

        def read(conn: sqlite3.Connection) -> CachedRows:
            cursor = conn.execute(f"SELECT {_CONVERSATION_COLUMNS} FROM conversations")  # noqa: S608
            rows: dict[str, Row] = {}
            for stored in cursor:
                try:
                    rows[str(stored[0])] = _opened_row(cipher, stored)
                except UnreadableValueError:  # the server sends it again at the next sync
                    log.warning("a cached conversation could not be read: skipped")
            return CachedRows(rows)

        return await self._db.call(read)

    async def save_conversations(self, conversations: Sequence[ConversationSummary]) -> None:
        """Insert or replace summaries, in one transaction."""
        cipher = self._cipher
        rows = [_sealed_row(cipher, conversation_row(c)) for c in conversations]
        if not rows:
            return
        marks = ", ".join("?" * 14)

        def write(conn: sqlite3.Connection) -> None:
            conn.executemany(
                f"INSERT OR REPLACE INTO conversations ({_CONVERSATION_COLUMNS}) VALUES ({marks})",  # noqa: S608
                rows,
            )

        await self._db.call(lambda conn: transaction(conn, write))

    # ---------------------------------------------------------------- messages
    async def messages(self, conversation_id: str, limit: int = 200) -> list[MessagePublic]:
        """The latest `limit` cached messages of a conversation, in seq order."""

        cipher = self._cipher

        def read(conn: sqlite3.Connection) -> list[MessagePublic]:
            rows = conn.execute(
                "SELECT id, sealed FROM messages WHERE conversation_id = ? ORDER BY seq DESC LIMIT ?",
                (conversation_id, limit),
            ).fetchall()
            return _messages(cipher, reversed(rows))

        return await self._db.call(read)

    async def save_messages(self, messages: Sequence[MessagePublic]) -> None:
        seal = self._cipher.seal
        rows = [(m.id, m.conversation_id, m.seq, seal(m.model_dump_json(), m.id)) for m in messages]
        if not rows:
            return

        def write(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "INSERT OR REPLACE INTO messages (id, conversation_id, seq, sealed) VALUES (?, ?, ?, ?)", rows
            )

        await self._db.call(lambda conn: transaction(conn, write))


def _messages(cipher: Cipher, rows: Iterable[Sequence[Any]]) -> list[MessagePublic]:
    """Cached messages in order; one that does not open or validate (older shape) is left out."""
    found: list[MessagePublic] = []
    for message_id, sealed in rows:
        try:
            found.append(MessagePublic.model_validate_json(cipher.open(sealed, str(message_id))))
        except (ValidationError, UnreadableValueError):
            log.warning("a cached message could not be read: skipped")
    return found
