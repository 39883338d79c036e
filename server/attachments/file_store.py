"""Encrypted blobs as files under the data folder: the default store, for one server machine.

A blob is one file ``<name[:2]>/<name>``: the header, then the records (`server.attachments.blobs`).
Writes go to ``tmp/<name>.part`` and are renamed into place once complete and flushed to disk, so
a crash leaves at most a partial file there (swept by `prepare()`); re-sealing under a new key
writes ``tmp/<name>.reseal`` and renames it over the blob, so a reader holding the old file keeps
reading it whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

from server.attachments.blobs import (
    HEADER,
    OVERHEAD,
    PER_BATCH,
    RECORD,
    BlobCorruptedError,
    BlobMissingError,
    BlobReader,
    BlobWriter,
    Keyring,
    Opener,
    Sealer,
    check_name,
    fsync_dir,
)


class _FileWriter(BlobWriter):
    def __init__(self, store: FileBlobStore, name: str) -> None:
        super().__init__(store.keys, name)
        self._store = store
        self._temp = store.temp_dir / f"{name}.part"
        self._file: BinaryIO | None = None

    async def open(self) -> None:
        def create() -> BinaryIO:
            fd = os.open(self._temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
            f = os.fdopen(fd, "wb")
            f.write(self._sealer.header)
            return f

        self._file = await asyncio.to_thread(create)

    def _write_all(self, records: list[bytes]) -> None:
        assert self._file is not None
        for record in records:
            self._file.write(record)

    async def _put(self, records: list[bytes]) -> None:
        await asyncio.to_thread(self._write_all, records)

    async def _publish(self, records: list[bytes], size: int) -> None:
        def finish() -> None:
            assert self._file is not None
            try:
                self._write_all(records)
                self._file.flush()
                os.fsync(self._file.fileno())
            finally:
                self._file.close()
            _place(self._temp, self._store.path_of(self.name))

        await asyncio.to_thread(finish)

    async def _discard(self) -> None:
        def discard() -> None:
            if self._file is not None:
                self._file.close()
            self._temp.unlink(missing_ok=True)

        await asyncio.to_thread(discard)


def _place(temp: Path, final: Path) -> None:
    final.parent.mkdir(parents=True, exist_ok=True)
    temp.replace(final)
    fsync_dir(final.parent)


class _FileReader(BlobReader):
    def __init__(self, file: BinaryIO, opener: Opener, records: int, size: int) -> None:
        super().__init__(opener, records)
        self._file = file
        self.size = size

    async def _fetch(self, first: int, count: int) -> list[bytes]:
        def read() -> list[bytes]:
            self._file.seek(HEADER + first * RECORD)
            return [self._file.read(RECORD) for _ in range(count)]

        return await asyncio.to_thread(read)

    def close(self) -> None:
        self._file.close()


def _open_file(keys: Keyring, name: str, file: BinaryIO) -> _FileReader:
    total = os.fstat(file.fileno()).st_size
    header = file.read(HEADER)
    if len(header) < HEADER:
        raise BlobCorruptedError(f"blob {name}: bad header")
    opener = Opener(keys, name, header)
    body = total - HEADER
    records = max(1, -(-body // RECORD))
    if body - (records - 1) * RECORD < OVERHEAD:
        raise BlobCorruptedError(f"blob {name}: truncated")
    return _FileReader(file, opener, records, body - records * OVERHEAD)


class FileBlobStore:
    """Encrypted files under `root`, named by the store (random 128-bit hex names)."""

    def __init__(self, root: Path, keys: Keyring) -> None:
        self.root = root
        self.temp_dir = root / "tmp"
        self.keys = keys

    def prepare(self, stale_after_seconds: float = 24 * 3600) -> int:
        """Create the folders and remove partial files left by a crash; returns how many."""
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            self.root.chmod(0o700)
        removed = 0
        limit = time.time() - stale_after_seconds
        for part in [*self.temp_dir.glob("*.part"), *self.temp_dir.glob("*.reseal")]:
            with contextlib.suppress(OSError):
                if part.stat().st_mtime < limit:
                    part.unlink()
                    removed += 1
        return removed

    def path_of(self, name: str) -> Path:
        return self.root / check_name(name)[:2] / name

    async def writer(self) -> BlobWriter:
        writer = _FileWriter(self, secrets.token_hex(16))
        await writer.open()
        return writer

    async def open(self, name: str) -> BlobReader:
        path = self.path_of(name)

        def run() -> BlobReader:
            try:
                file = path.open("rb")
            except FileNotFoundError:
                raise BlobMissingError(f"blob {name} is missing") from None
            try:
                return _open_file(self.keys, name, file)
            except BaseException:
                file.close()
                raise

        return await asyncio.to_thread(run)

    async def exists(self, name: str) -> bool:
        return await asyncio.to_thread(self.path_of(name).is_file)

    async def delete(self, name: str) -> None:
        await asyncio.to_thread(self.path_of(name).unlink, True)

    async def names(self) -> AsyncIterator[str]:
        def listing() -> list[str]:
            if not self.root.is_dir():
                return []
            return sorted(
                p.name
                for p in self.root.glob("??/*")
                if p.parent.name != "tmp"
                and p.is_file()
                and len(p.name) == 32
                and p.name[:2] == p.parent.name
            )

        for name in await asyncio.to_thread(listing):
            yield name

    async def reseal(self, name: str) -> bool:
        return await asyncio.to_thread(self._reseal, name)

    def _reseal(self, name: str) -> bool:
        path = self.path_of(name)
        try:
            file = path.open("rb")
        except FileNotFoundError:
            raise BlobMissingError(f"blob {name} is missing") from None
        with file:
            reader = _open_file(self.keys, name, file)
            if self.keys.is_current(reader.header):
                return False
            sealer = Sealer(self.keys, name)
            temp = self.temp_dir / f"{name}.{secrets.token_hex(4)}.reseal"
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(sealer.header)
                    last = reader.records - 1
                    for first in range(0, reader.records, PER_BATCH):
                        count = min(PER_BATCH, reader.records - first)
                        file.seek(HEADER + first * RECORD)
                        raw = [file.read(RECORD) for _ in range(count)]
                        plain = b"".join(reader.open_records(first, raw))
                        for record in sealer.seal(plain, first + count - 1 == last):
                            out.write(record)
                    out.flush()
                    os.fsync(out.fileno())
                _place(temp, path)
            except BaseException:
                temp.unlink(missing_ok=True)
                raise
        return True
