"""Database handle: async engines for SQLite (WAL, durable commits) or PostgreSQL (asyncpg)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from server.db.storage import DiskFullError, StorageGuard, is_storage_full

T = TypeVar("T")

# Every engine: an error's text never carries the statement's parameters (they are health data and
# other people's messages; server.kernel.failures says what is logged instead).
HIDE_PARAMETERS = True


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_dir(url: str) -> Path | None:
    """The folder of a SQLite database file (where its disk's free space is measured)."""
    if not is_sqlite(url):
        return None
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(database).parent


def ensure_sqlite_dir(url: str) -> None:
    """Create the folder of a SQLite database file (first start on a fresh machine)."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # isolation_level=None hands transaction control to our BEGIN below (pysqlite's own
    # implicit BEGIN is deferred, which deadlocks two writers upgrading their locks).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")  # an acknowledged commit survives a power loss
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_engine(url: str, echo: bool, *, pool: int, overflow: int, begin: str) -> Engine:
    """A stdlib-driver (pysqlite) engine on the same file, with the same pragmas."""
    engine = create_engine(
        make_url(url).set(drivername="sqlite+pysqlite"),
        echo=echo,
        hide_parameters=HIDE_PARAMETERS,
        pool_size=pool,
        max_overflow=overflow,
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _begin_with(begin))
    return engine


@asynccontextmanager
async def _closing(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """`session`, closed even when its task is cancelled meanwhile (a client gone, a shutdown).

    Closing returns the connection to the pool, which rolls it back: cancelled half-way, the
    pool logs « Exception during reset » and may drop the connection. The close runs shielded, and
    a task cancelled meanwhile (a server stopping its workers) waits for it before it ends.
    """
    try:
        yield session
    finally:
        closing = asyncio.ensure_future(session.close())
        try:
            await asyncio.shield(closing)
        except asyncio.CancelledError:
            await closing
            raise


class Database:
    """Two session factories: `write()` for transactions that change data, `read()` for the rest.

    On SQLite writes go through one connection with ``BEGIN IMMEDIATE`` so concurrent writers
    queue instead of failing with ``database is locked``; reads use other connections (WAL lets
    them run beside the writer). On PostgreSQL both share one pool.
    """

    def __init__(self, url: str, *, echo: bool = False, reserve_bytes: int = 0) -> None:
        self.url = url
        self.sqlite = is_sqlite(url)
        self.storage = StorageGuard(_sqlite_dir(url), reserve_bytes)
        if self.sqlite:
            ensure_sqlite_dir(url)
            self._write_engine = create_async_engine(
                url, echo=echo, hide_parameters=HIDE_PARAMETERS, pool_size=1, max_overflow=0, pool_timeout=60
            )
            self._read_engine = create_async_engine(
                url, echo=echo, hide_parameters=HIDE_PARAMETERS, pool_size=4, max_overflow=4
            )
            for engine, begin in ((self._write_engine, "BEGIN IMMEDIATE"), (self._read_engine, "BEGIN")):
                event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
                event.listen(engine.sync_engine, "begin", _begin_with(begin))
        else:
            self._write_engine = create_async_engine(
                url, echo=echo, hide_parameters=HIDE_PARAMETERS, pool_size=10, max_overflow=10
            )
            self._read_engine = self._write_engine
        self._writer = async_sessionmaker(self._write_engine, expire_on_commit=False)
        self._reader = async_sessionmaker(self._read_engine, expire_on_commit=False)
        self._sync_reader: Engine | None = None
        self._sync_writer: Engine | None = None
        self._write_thread: ThreadPoolExecutor | None = None
        # SQLite: the async writer and the stdlib one (`run_write`) take turns; PostgreSQL locks rows.
        self._write_turn: asyncio.Lock | None = asyncio.Lock() if self.sqlite else None
        if self.sqlite:
            # The stdlib driver in a worker thread: a whole read in one thread hop (aiosqlite
            # hops once per cursor call), for hot read paths such as search as you type.
            self._sync_reader = _sqlite_engine(url, echo, pool=4, overflow=4, begin="BEGIN")
            # A whole write transaction in one thread hop (`run_write`): on a loaded machine every
            # hop waits for a core, and aiosqlite makes several per statement.
            self._sync_writer = _sqlite_engine(url, echo, pool=1, overflow=0, begin="BEGIN IMMEDIATE")
            # Its own thread: commits never queue behind reads or other work in the default pool.
            self._write_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")

    @property
    def engine(self) -> AsyncEngine:
        return self._write_engine

    @asynccontextmanager
    async def write(self, *, essential: bool = False) -> AsyncIterator[AsyncSession]:
        """A session in a transaction committed on success, rolled back on any error.

        Args:
            essential: a write that must go on when the disk is full (a session opened at
                sign-in, a rate-limit count, the audit log): it may use the freed reserve.

        Raises:
            DiskFullError: the disk is full (this write failed for want of space, or an earlier
                one did and no space came back): nothing was stored.
        """
        if self.storage.refuses(essential):
            raise DiskFullError
        try:
            async with self._turn(), _closing(self._writer()) as session, session.begin():
                yield session
        except DiskFullError:
            raise
        except Exception as exc:
            if is_storage_full(exc):
                self.storage.mark_full()
                raise DiskFullError from exc
            raise

    async def run_write(self, fn: Callable[[Connection], T], *, essential: bool = False) -> T:
        """Run `fn(connection)` — synchronous Core statements only — in one write transaction,
        committed when it returns, rolled back when it raises.

        SQLite: in a worker thread on the stdlib driver, in turn with `write()`. PostgreSQL:
        through `run_sync` on the async driver.

        Raises:
            DiskFullError: as `write()`.
        """
        if self.storage.refuses(essential):
            raise DiskFullError
        try:
            if self._sync_writer is not None and self._write_thread is not None:
                engine, thread = self._sync_writer, self._write_thread

                def run() -> T:
                    with engine.begin() as connection:
                        return fn(connection)

                async with self._turn():
                    return await asyncio.get_running_loop().run_in_executor(thread, run)
            async with self._write_engine.begin() as connection:
                return await connection.run_sync(fn)
        except DiskFullError:
            raise
        except Exception as exc:
            if is_storage_full(exc):
                self.storage.mark_full()
                raise DiskFullError from exc
            raise

    def _turn(self) -> AbstractAsyncContextManager[Any]:
        return self._write_turn if self._write_turn is not None else nullcontext()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only (its transaction is rolled back at the end)."""
        async with _closing(self._reader()) as session:
            yield session

    async def run_read(self, fn: Callable[[Connection], T]) -> T:
        """Run `fn(connection)` — synchronous Core statements only — in one read transaction.

        SQLite: in a worker thread on the stdlib driver. PostgreSQL: through `run_sync` on the
        async driver (no thread needed there: asyncpg has no per-call thread hop).
        """
        if self._sync_reader is not None:
            engine = self._sync_reader

            def run() -> T:
                with engine.connect() as connection:
                    return fn(connection)

            return await asyncio.to_thread(run)
        async with self._read_engine.connect() as connection:
            return await connection.run_sync(fn)

    async def dispose(self) -> None:
        if self._write_thread is not None:
            self._write_thread.shutdown(wait=True)  # a commit under way finishes first
        for engine in (self._sync_reader, self._sync_writer):
            if engine is not None:
                engine.dispose()
        await self._write_engine.dispose()
        if self._read_engine is not self._write_engine:
            await self._read_engine.dispose()


def _begin_with(statement: str) -> Any:
    def begin(conn: Any) -> None:
        conn.exec_driver_sql(statement)

    return begin


def migration_engine(url: str) -> AsyncEngine:
    """An engine for Alembic: no pooling, same SQLite pragmas."""
    ensure_sqlite_dir(url)
    engine = create_async_engine(url, poolclass=NullPool, hide_parameters=HIDE_PARAMETERS)
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _begin_with("BEGIN"))
    return engine
