"""The persisted outbox: messages and documents waiting for the server, kept across restarts.

A row is committed (synchronous=FULL) before the UI shows the item as pending, and deleted only
after the server acknowledged it; a document is first copied into the outbox folder so the
practitioner may move or delete the original meanwhile. The text, the copy's path and the
document's name are sealed (`desktop.storage.cipher`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from desktop.domain.outbox_item import UPLOAD, OutboxItem
from desktop.storage.cipher import Cipher, UnreadableValueError
from desktop.storage.errors import StorageError
from desktop.storage.sqlite_worker import SqliteWorker

_COLUMNS = "id, kind, conversation_id, sealed, size, created_at, attempts, error"

log = logging.getLogger(__name__)


def _item(cipher: Cipher, row: tuple[Any, ...]) -> OutboxItem | None:
    (item_id, kind, conversation_id, sealed, size, created, attempts, error) = row
    try:
        body, file_path, filename = json.loads(cipher.open(sealed, str(item_id)))
    except (UnreadableValueError, ValueError):
        log.warning("an outbox item could not be read: skipped")
        return None
    return OutboxItem(
        id=str(item_id),
        kind=str(kind),
        conversation_id=str(conversation_id),
        created_at=datetime.fromtimestamp(float(created), UTC),
        body=str(body or ""),
        file_path=Path(file_path) if file_path else None,
        filename=str(filename or ""),
        size=int(size or 0),
        attempts=int(attempts or 0),
        error=str(error) if error else None,
    )


class OutboxStore:
    """Rows of the `outbox` table plus the folder holding copies of queued documents."""

    def __init__(self, db: SqliteWorker, files_dir: Path, cipher: Cipher) -> None:
        self._db = db
        self._files = files_dir
        self._cipher = cipher

    async def add(self, item: OutboxItem, source: Path | None = None) -> OutboxItem:
        """Persist `item`; for an upload, copy `source` into the outbox folder first.

        Raises:
            StorageError: the file cannot be read or copied.
        """
        stored = item
        if item.kind == UPLOAD:
            if source is None:
                raise ValueError("an upload needs its source file")
            target = self._files / item.id
            try:
                await asyncio.to_thread(self._copy, source, target)
            except OSError as exc:
                raise StorageError("Impossible de lire ce fichier : vérifiez qu'il existe encore.") from exc
            stored = OutboxItem(
                id=item.id,
                kind=item.kind,
                conversation_id=item.conversation_id,
                created_at=item.created_at,
                filename=item.filename,
                size=target.stat().st_size,
                file_path=target,
            )

        texts = [stored.body, str(stored.file_path) if stored.file_path else None, stored.filename]
        sealed = self._cipher.seal(json.dumps(texts), stored.id)

        def write(conn: sqlite3.Connection) -> None:
            position = conn.execute("SELECT coalesce(max(position), 0) + 1 FROM outbox").fetchone()[0]
            conn.execute(
                "INSERT OR IGNORE INTO outbox (id, position, kind, conversation_id, sealed, "
                "size, created_at, attempts, error) VALUES (?, ?, ?, ?, ?, ?, ?, 0, NULL)",
                (
                    stored.id,
                    position,
                    stored.kind,
                    stored.conversation_id,
                    sealed,
                    stored.size,
                    stored.created_at.timestamp(),
                ),
            )

        await self._db.call(write)
        return stored

    def _copy(self, source: Path, target: Path) -> None:
        self._files.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)

    async def items(self) -> list[OutboxItem]:
        """Every pending item, oldest first."""
        rows = await self._db.call(
            lambda conn: conn.execute(f"SELECT {_COLUMNS} FROM outbox ORDER BY position").fetchall()  # noqa: S608
        )
        return [item for r in rows if (item := _item(self._cipher, tuple(r))) is not None]

    async def get(self, item_id: str) -> OutboxItem | None:
        rows = await self._db.call(
            lambda conn: conn.execute(
                f"SELECT {_COLUMNS} FROM outbox WHERE id = ?",  # noqa: S608
                (item_id,),
            ).fetchall()
        )
        return _item(self._cipher, tuple(rows[0])) if rows else None

    async def count_attempt(self, item_id: str) -> None:
        await self._db.call(
            lambda conn: conn.execute("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", (item_id,))
        )

    async def remove(self, item_id: str) -> None:
        """Forget an item (sent, refused or cancelled) and its file copy."""
        await self._db.call(lambda conn: conn.execute("DELETE FROM outbox WHERE id = ?", (item_id,)))
        with contextlib.suppress(OSError):
            await asyncio.to_thread((self._files / item_id).unlink, True)
