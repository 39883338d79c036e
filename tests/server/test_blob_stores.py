"""Both blob stores behind one port, on SQLite and PostgreSQL: round trips, tampering, atomic
visibility, housekeeping, key rotation (with a reader streaming meanwhile) and the copy of file
blobs into the database."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from server.attachments.blobs import (
    CHUNK,
    BlobCorruptedError,
    BlobKeyMismatchError,
    BlobMissingError,
    BlobStore,
    Keyring,
)
from server.attachments.db_store import DatabaseBlobStore, purge_partial_blobs
from server.attachments.file_store import FileBlobStore
from server.attachments.models import BlobChunk, BlobRow
from server.attachments.stores import copy_files_to_database, reseal_all
from server.db.database import Database
from server.db.migrate import upgrade
from tests.conftest import POSTGRES_URL, create_postgres_database, need
from tests.helpers.live_server import run_in_thread

OLD, NEW, OTHER = bytes(range(32)), bytes(range(1, 33)), bytes(32)
NOW = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database per backend, shared by the module (blob names are random)."""
    if request.param == "postgres":
        need(bool(POSTGRES_URL), "PostgreSQL absent : définir TELECONSULT_TEST_POSTGRES_URL")
        url = create_postgres_database(POSTGRES_URL)
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('blobs') / 'blobs.db'}"
    run_in_thread(upgrade(url))
    return url


@pytest.fixture(params=["files", "database"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@asynccontextmanager
async def opened(url: str) -> AsyncIterator[Database]:
    db = Database(url)
    try:
        yield db
    finally:
        await db.dispose()


def store_of(kind: str, db: Database, root: Path, keys: Keyring) -> BlobStore:
    if kind == "files":
        files = FileBlobStore(root, keys)
        files.prepare()
        return files
    return DatabaseBlobStore(db, keys, lambda: NOW)


def run(url: str, body: Callable[[Database], Awaitable[None]]) -> None:
    async def go() -> None:
        async with opened(url) as db:
            async with db.write() as session:  # each test counts the blobs it made, alone
                await session.execute(delete(BlobChunk))
                await session.execute(delete(BlobRow))
            await body(db)

    asyncio.run(go())


async def put(store: BlobStore, data: bytes, piece: int = 50_000) -> str:
    writer = await store.writer()
    for start in range(0, len(data), piece):
        await writer.write(data[start : start + piece])
    return (await writer.commit()).name


async def get(store: BlobStore, name: str) -> bytes:
    reader = await store.open(name)
    await reader.verify()
    return b"".join([chunk async for chunk in reader.chunks()])


@pytest.mark.parametrize("size", [0, 1, CHUNK, CHUNK + 1, 16 * CHUNK + 1, 40 * CHUNK + 17])
def test_round_trip_on_both_stores(database_url: str, kind: str, tmp_path: Path, size: int) -> None:
    data = os.urandom(size)

    async def body(db: Database) -> None:
        store = store_of(kind, db, tmp_path, Keyring(OLD))
        name = await put(store, data)
        assert await store.exists(name)
        assert name in {n async for n in store.names()}
        assert await get(store, name) == data
        await store.delete(name)
        assert not await store.exists(name)
        with pytest.raises(BlobMissingError):
            await store.open(name)

    run(database_url, body)


def test_a_blob_being_written_is_invisible_and_abort_removes_it(
    database_url: str, kind: str, tmp_path: Path
) -> None:
    async def body(db: Database) -> None:
        store = store_of(kind, db, tmp_path, Keyring(OLD))
        writer = await store.writer()
        await writer.write(os.urandom(3 * 1024 * 1024))  # some records are stored already
        assert not await store.exists(writer.name)
        assert writer.name not in {n async for n in store.names()}
        with pytest.raises(BlobMissingError):
            await store.open(writer.name)
        await writer.abort()
        await writer.abort()
        if isinstance(store, DatabaseBlobStore):
            async with db.read() as session:
                left = await session.scalar(select(BlobChunk.name).where(BlobChunk.name == writer.name))
            assert left is None

    run(database_url, body)


def test_housekeeping_removes_uploads_abandoned_by_a_dead_process(database_url: str) -> None:
    async def body(db: Database) -> None:
        store = DatabaseBlobStore(db, Keyring(OLD), lambda: NOW)
        dead = await store.writer()  # its process "dies": never committed, never aborted
        await dead.write(os.urandom(2 * 1024 * 1024))
        kept = await put(store, b"fini")
        async with db.write() as session:
            assert await purge_partial_blobs(session, NOW + timedelta(hours=23)) == 0
        async with db.write() as session:
            assert await purge_partial_blobs(session, NOW + timedelta(hours=25)) >= 1
        async with db.read() as session:
            assert await session.scalar(select(BlobRow.name).where(BlobRow.name == dead.name)) is None
            assert await session.scalar(select(BlobChunk.name).where(BlobChunk.name == dead.name)) is None
        assert await get(store, kept) == b"fini"

    run(database_url, body)


def test_rows_moved_dropped_or_altered_fail_authentication(database_url: str) -> None:
    async def body(db: Database) -> None:
        store = DatabaseBlobStore(db, Keyring(OLD), lambda: NOW)
        data = os.urandom(3 * CHUNK + 500)
        name, other = await put(store, data), await put(store, data)

        async def damaged(*statements: object) -> None:
            async with db.write() as session:
                for statement in statements:
                    await session.execute(statement)  # type: ignore[call-overload]
            with pytest.raises(BlobCorruptedError):
                await get(store, name)

        async def original() -> tuple[bytes, list[bytes]]:
            async with db.read() as session:
                header = await session.scalar(select(BlobRow.header).where(BlobRow.name == name))
                rows = await session.scalars(
                    select(BlobChunk.data).where(BlobChunk.name == name).order_by(BlobChunk.idx)
                )
                assert header is not None
                return bytes(header), [bytes(r) for r in rows]

        header, records = await original()

        async def restore() -> None:
            async with db.write() as session:
                await session.execute(delete(BlobChunk).where(BlobChunk.name == name))
                await session.execute(
                    update(BlobRow)
                    .where(BlobRow.name == name)
                    .values(header=header, records=4, size=len(data))
                )
                for index, record in enumerate(records):
                    session.add(BlobChunk(name=name, idx=index, data=record))
            assert await get(store, name) == data

        where = (BlobChunk.name == name,)
        flipped = bytearray(records[1])
        flipped[100] ^= 1
        await damaged(update(BlobChunk).where(*where, BlobChunk.idx == 1).values(data=bytes(flipped)))
        await restore()
        await damaged(  # two records swapped
            update(BlobChunk).where(*where, BlobChunk.idx == 0).values(data=records[1]),
            update(BlobChunk).where(*where, BlobChunk.idx == 1).values(data=records[0]),
        )
        await restore()
        await damaged(delete(BlobChunk).where(*where, BlobChunk.idx == 3))  # last record dropped
        await restore()
        await damaged(  # last record dropped and the count lowered to match
            delete(BlobChunk).where(*where, BlobChunk.idx == 3),
            update(BlobRow).where(BlobRow.name == name).values(records=3),
        )
        await restore()
        await damaged(update(BlobRow).where(BlobRow.name == name).values(size=len(data) - 1))
        await restore()
        async with db.write() as session:  # another blob's record in this one's place
            await session.execute(delete(BlobChunk).where(*where, BlobChunk.idx == 2))
            moved = await session.scalar(
                select(BlobChunk.data).where(BlobChunk.name == other, BlobChunk.idx == 2)
            )
            session.add(BlobChunk(name=name, idx=2, data=moved))
        with pytest.raises(BlobCorruptedError):
            await get(store, name)
        await restore()

    run(database_url, body)


def test_key_rotation_reseals_every_blob_and_the_old_key_is_no_longer_needed(
    database_url: str, kind: str, tmp_path: Path
) -> None:
    contents = [os.urandom(n) for n in (0, 100, CHUNK, 20 * CHUNK + 3)]

    async def body(db: Database) -> None:
        names = [await put(store_of(kind, db, tmp_path, Keyring(OLD)), data) for data in contents]
        # The new key alone cannot read them: the existing clear error.
        with pytest.raises(BlobKeyMismatchError):
            await store_of(kind, db, tmp_path, Keyring(NEW)).open(names[0])
        both = store_of(kind, db, tmp_path, Keyring(NEW, [OLD]))
        assert [await get(both, n) for n in names] == contents  # read with either key meanwhile
        written_new = await put(both, b"nouveau")  # new blobs under the new key
        resealed = await both.reseal(names[1])  # a first run stops after one blob…
        assert resealed
        report = await reseal_all(both)  # …and is resumed: the rest, once
        assert (report.done, report.skipped, report.failed) == (3, 2, [])
        again = await reseal_all(both)
        assert (again.done, again.skipped) == (0, 5)
        only_new = store_of(kind, db, tmp_path, Keyring(NEW))
        assert [await get(only_new, n) for n in names] == contents
        assert await get(only_new, written_new) == b"nouveau"
        with pytest.raises(BlobKeyMismatchError):
            await store_of(kind, db, tmp_path, Keyring(OTHER)).open(names[2])
        # A blob under a key the ring lacks is reported, not lost.
        stray = await put(store_of(kind, db, tmp_path, Keyring(OTHER)), b"autre")
        report = await reseal_all(only_new)
        assert report.unknown_key == [stray] and report.done == 0

    run(database_url, body)


def test_a_download_streaming_while_its_blob_is_resealed_stays_whole(
    database_url: str, kind: str, tmp_path: Path
) -> None:
    data = os.urandom(40 * CHUNK + 5)

    async def body(db: Database) -> None:
        name = await put(store_of(kind, db, tmp_path, Keyring(OLD)), data)
        store = store_of(kind, db, tmp_path, Keyring(NEW, [OLD]))
        reader = await store.open(name)
        await reader.verify()
        received = []
        async for chunk in reader.chunks():
            received.append(chunk)
            if len(received) == 1:
                assert await store.reseal(name)  # between two batches of the stream
        assert b"".join(received) == data
        assert await get(store_of(kind, db, tmp_path, Keyring(NEW)), name) == data

    run(database_url, body)


def test_file_blobs_are_copied_into_the_database_once(database_url: str, tmp_path: Path) -> None:
    contents = {os.urandom(n) for n in (1, CHUNK + 1, 17 * CHUNK)}

    async def body(db: Database) -> None:
        old_files = FileBlobStore(tmp_path, Keyring(OLD))
        old_files.prepare()
        names = {await put(old_files, data): data for data in contents}
        files = FileBlobStore(tmp_path, Keyring(NEW, [OLD]))  # a rotation was under way: both keys
        names[await put(files, b"sous la nouvelle cle")] = b"sous la nouvelle cle"
        damaged = await put(files, os.urandom(1000))
        path = files.path_of(damaged)
        path.write_bytes(path.read_bytes()[:-5])
        database = DatabaseBlobStore(db, Keyring(NEW, [OLD]), lambda: NOW)
        report = await copy_files_to_database(files, database)
        assert (report.done, report.damaged) == (4, [damaged])
        assert {n: await get(database, n) for n in names} == names
        assert not await database.exists(damaged)
        again = await copy_files_to_database(files, database)
        assert (again.done, again.skipped) == (0, 4)
        # Copied verbatim: still under the old key until rotated, then readable with the new one alone.
        assert (await reseal_all(database)).done >= 3
        only_new = DatabaseBlobStore(db, Keyring(NEW), lambda: NOW)
        assert {n: await get(only_new, n) for n in names} == names

    run(database_url, body)
