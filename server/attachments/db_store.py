"""Encrypted blobs as rows of the server's database: documents reachable from every server process.

The same records as `FileBlobStore` (`server.attachments.blobs`: 64 KiB chunks, same AEAD framing,
same associated data), one row of ``blob_chunks`` each, under a ``blobs`` header row. An upload
stores its records in short transactions as they arrive (no lock or connection is held while a
slow client sends) under a header row marked incomplete; the transaction that stores the last
record marks it complete, and only a complete blob can be opened, listed or copied. An abandoned
upload is removed by `abort()`, or after a crash by housekeeping (`purge_partial_blobs`). Blobs
still in files from before the switch are read from there until copied (`documents-migrate`).
Re-sealing a blob under a new key rewrites its rows and header in one transaction; a reader
that was streaming the old records picks up the new header and goes on from the same chunk.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.clock import Clock
from server.attachments.blobs import (
    CHUNK,
    PER_BATCH,
    BlobCorruptedError,
    BlobMissingError,
    BlobReader,
    BlobWriter,
    Keyring,
    Opener,
    Sealer,
    check_name,
)
from server.attachments.file_store import FileBlobStore
from server.attachments.models import BlobChunk, BlobRow
from server.db.database import Database

# An incomplete blob older than this is an upload that will never finish (its process died).
PARTIAL_KEPT = timedelta(hours=24)


def _rows(name: str, first: int, records: list[bytes]) -> list[dict[str, object]]:
    return [{"name": name, "idx": first + i, "data": record} for i, record in enumerate(records)]


class _DatabaseWriter(BlobWriter):
    def __init__(self, store: DatabaseBlobStore, name: str) -> None:
        super().__init__(store.keys, name)
        self._db = store.db
        self._clock = store.clock
        self._stored = 0  # records in the database so far

    async def open(self) -> None:
        async with self._db.write() as session:
            session.add(
                BlobRow(
                    name=self.name,
                    header=self._sealer.header,
                    size=0,
                    records=0,
                    complete=False,
                    created_at=self._clock(),
                )
            )

    async def _insert(self, session: AsyncSession, records: list[bytes]) -> None:
        await session.execute(insert(BlobChunk), _rows(self.name, self._stored, records))
        self._stored += len(records)

    async def _put(self, records: list[bytes]) -> None:
        async with self._db.write() as session:
            await self._insert(session, records)

    async def _publish(self, records: list[bytes], size: int) -> None:
        async with self._db.write() as session:
            await self._insert(session, records)
            await session.execute(
                update(BlobRow)
                .where(BlobRow.name == self.name)
                .values(size=size, records=self._stored, complete=True)
            )

    async def _discard(self) -> None:
        # Shielded: an upload cancelled by its client still removes its rows (else housekeeping does).
        await asyncio.shield(_remove(self._db, self.name))


async def _remove(db: Database, name: str) -> None:
    # Essential: removing an upload that failed for want of space must go on when the disk is full.
    async with db.write(essential=True) as session:
        await session.execute(delete(BlobChunk).where(BlobChunk.name == name))
        await session.execute(delete(BlobRow).where(BlobRow.name == name))


async def _fetch(session: AsyncSession, name: str, first: int, count: int) -> list[bytes]:
    result = await session.execute(
        select(BlobChunk.data)
        .where(BlobChunk.name == name, BlobChunk.idx >= first, BlobChunk.idx < first + count)
        .order_by(BlobChunk.idx)
    )
    return [bytes(data) for data in result.scalars()]


class _DatabaseReader(BlobReader):
    def __init__(self, store: DatabaseBlobStore, opener: Opener, records: int, size: int) -> None:
        super().__init__(opener, records)
        self._store = store
        self.size = size

    async def _fetch(self, first: int, count: int) -> list[bytes]:
        async with self._store.db.read() as session:
            return await _fetch(session, self.name, first, count)

    async def _reopened(self) -> Opener | None:
        async with self._store.db.read() as session:
            header = await session.scalar(
                select(BlobRow.header).where(BlobRow.name == self.name, BlobRow.complete.is_(True))
            )
        if header is None or bytes(header) == self.header:
            return None
        return Opener(self._store.keys, self.name, bytes(header))


class DatabaseBlobStore:
    """Encrypted blobs in the ``blobs`` and ``blob_chunks`` tables of `db`."""

    def __init__(
        self, db: Database, keys: Keyring, clock: Clock, legacy: FileBlobStore | None = None
    ) -> None:
        self.db = db
        self.keys = keys
        self.clock = clock
        # Blobs written as files before the switch, read (and deleted) there until
        # `documents-migrate` has copied them: an upgrade loses no document meanwhile.
        self._legacy = legacy

    async def writer(self) -> BlobWriter:
        writer = _DatabaseWriter(self, secrets.token_hex(16))
        await writer.open()
        return writer

    async def _header(self, session: AsyncSession, name: str) -> BlobRow:
        row = await session.scalar(
            select(BlobRow).where(BlobRow.name == check_name(name), BlobRow.complete.is_(True))
        )
        if row is None:
            raise BlobMissingError(f"blob {name} is missing")
        return row

    async def open(self, name: str) -> BlobReader:
        try:
            async with self.db.read() as session:
                row = await self._header(session, name)
        except BlobMissingError:
            if self._legacy is None:
                raise
            return await self._legacy.open(name)
        if row.records < 1 or row.size < 0 or row.size > row.records * CHUNK:
            raise BlobCorruptedError(f"blob {name}: bad header")
        opener = await asyncio.to_thread(Opener, self.keys, name, bytes(row.header))
        return _DatabaseReader(self, opener, row.records, row.size)

    async def exists(self, name: str) -> bool:
        if await self._in_database(name):
            return True
        return self._legacy is not None and await self._legacy.exists(name)

    async def _in_database(self, name: str) -> bool:
        async with self.db.read() as session:
            found = await session.scalar(
                select(BlobRow.name).where(BlobRow.name == check_name(name), BlobRow.complete.is_(True))
            )
        return found is not None

    async def delete(self, name: str) -> None:
        await _remove(self.db, check_name(name))
        if self._legacy is not None:
            await self._legacy.delete(name)

    async def names(self) -> AsyncIterator[str]:
        after = ""
        while True:  # by pages of names: no long read transaction over the whole table
            async with self.db.read() as session:
                page = list(
                    await session.scalars(
                        select(BlobRow.name)
                        .where(BlobRow.complete.is_(True), BlobRow.name > after)
                        .order_by(BlobRow.name)
                        .limit(500)
                    )
                )
            if not page:
                return
            for name in page:
                yield name
            after = page[-1]

    async def reseal(self, name: str) -> bool:
        async with self.db.write() as session:
            row = await session.scalar(
                select(BlobRow)
                .where(BlobRow.name == check_name(name), BlobRow.complete.is_(True))
                .with_for_update()
            )
            if row is None:
                raise BlobMissingError(f"blob {name} is missing")
            if self.keys.is_current(bytes(row.header)):
                return False
            old = Opener(self.keys, name, bytes(row.header))
            sealer = Sealer(self.keys, name)
            last = row.records - 1
            for first in range(0, row.records, PER_BATCH):
                count = min(PER_BATCH, row.records - first)
                records = await _fetch(session, name, first, count)
                if len(records) != count:
                    raise BlobCorruptedError(f"blob {name}: truncated")

                def reseal(
                    first: int = first, records: list[bytes] = records, count: int = count
                ) -> list[bytes]:
                    plain = b"".join(old.open(r, first + i, first + i == last) for i, r in enumerate(records))
                    return sealer.seal(plain, first + count - 1 == last)

                # Bulk UPDATE by primary key: one executemany per batch of 16 records.
                await session.execute(update(BlobChunk), _rows(name, first, await asyncio.to_thread(reseal)))
            if sealer.index != row.records:
                raise BlobCorruptedError(f"blob {name}: record count differs")
            row.header = sealer.header
        return True

    async def import_blob(self, reader: BlobReader) -> bool:
        """Copy a blob verbatim (its records are already sealed) under the same name, in one
        transaction; False when a blob of that name is here already.

        The caller verifies `reader` first: records are copied as they are, not re-sealed.
        """
        if await self._in_database(reader.name):
            return False
        try:
            async with self.db.write() as session:
                session.add(
                    BlobRow(
                        name=reader.name,
                        header=reader.header,
                        size=reader.size,
                        records=reader.records,
                        complete=True,
                        created_at=self.clock(),
                    )
                )
                await session.flush()
                stored = 0
                async for batch in reader.raw_batches():
                    await session.execute(insert(BlobChunk), _rows(reader.name, stored, batch))
                    stored += len(batch)
        except IntegrityError:  # copied meanwhile by another run
            return False
        return True


async def purge_partial_blobs(session: AsyncSession, now: datetime) -> int:
    """Housekeeping: remove uploads abandoned by a process that died; returns how many."""
    stale = select(BlobRow.name).where(BlobRow.complete.is_(False), BlobRow.created_at < now - PARTIAL_KEPT)
    await session.execute(delete(BlobChunk).where(BlobChunk.name.in_(stale)))
    result = await session.execute(delete(BlobRow).where(BlobRow.name.in_(stale)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
