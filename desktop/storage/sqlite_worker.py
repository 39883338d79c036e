"""One thread that owns one SQLite connection: the UI thread never touches the disk.

`sqlite3` objects must stay on the thread that made them, and a single writer avoids
`database is locked`; every call is queued on a one-thread executor and awaited as a future.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from desktop.storage.errors import StorageError

T = TypeVar("T")

log = logging.getLogger(__name__)

# Decides, on the first connection, whether the database may be kept (see `Cipher.admits`).
Admission = Callable[[sqlite3.Connection], bool]
# Reads, from a refused database, what must survive it; answers how to write it into the new one.
Carry = Callable[[sqlite3.Connection], Callable[[sqlite3.Connection], None]]


class SqliteWorker:
    """Runs functions of a `sqlite3.Connection` on a dedicated thread.

    `path` None: a database in memory, gone when closed. `admit`: a database it refuses is
    deleted and made again, empty (a local cache sealed with a key that is not this one), but for
    what `carry` reads from it before and writes into the new one (work not yet sent).
    """

    def __init__(
        self, path: Path | None, schema: str, admit: Admission | None = None, carry: Carry | None = None
    ) -> None:
        self._path = path
        self._schema = schema
        self._carry = carry
        self._admit = admit
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="teleconsult-sqlite")
        self._conn: sqlite3.Connection | None = None
        self._closed = False
        self._lock = threading.Lock()

    @property
    def path(self) -> Path | None:
        return self._path

    def _open(self) -> sqlite3.Connection:
        if self._path is None:
            conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=True)
        else:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            fresh = not self._path.exists()
            conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=True)
            if fresh:
                with contextlib.suppress(OSError):  # the cache holds health data: owner-only
                    self._path.chmod(0o600)
            conn.execute("PRAGMA journal_mode=WAL")
            # FULL: an outbox row that was committed survives a power cut (nothing acknowledged is lost)
            conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.executescript(self._schema)
        return conn

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = self._open()
            if self._admit is not None and not self._admit(conn):
                restore = self._carry(conn) if self._carry is not None else None
                conn.close()
                self._discard()
                conn = self._open()
                if not self._admit(conn):
                    conn.close()
                    raise sqlite3.DatabaseError("a new local database was refused")
                if restore is not None:
                    restore(conn)
            self._conn = conn
        return self._conn

    def _discard(self) -> None:
        """Delete the database and its journal files: their content cannot be read any more."""
        if self._path is None:
            return
        log.warning("local database unreadable with the current key: discarded, synced again")
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                self._path.with_name(self._path.name + suffix).unlink()

    def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        try:
            return fn(self._connection())
        except sqlite3.Error as exc:
            raise StorageError(
                "Les données locales de Teleconsult sont illisibles ou le disque est plein."
            ) from exc

    async def call(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(connection)` on the worker thread and return its result."""
        if self._closed:
            raise StorageError("Les données locales sont fermées.")
        return await asyncio.wrap_future(self._executor.submit(self._run, fn))

    def close(self) -> None:
        """Close the connection and stop the thread (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True

        def shut() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        self._executor.submit(shut).result()
        self._executor.shutdown(wait=True)


def transaction(conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    """Run `fn` inside BEGIN IMMEDIATE … COMMIT (rolled back on error)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = fn(conn)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result
