"""Documents at rest: AES-256-GCM in 64 KiB chunks, under generated names, written and read as streams.

Layout of a blob file (format 1)::

    header  = b"TCB1" | key id (8 bytes) | salt (16 bytes)                  28 bytes
    record* = nonce (12 random bytes) | AES-256-GCM(chunk) with its tag      ≤ 64 KiB + 28 bytes

Every chunk but the last holds exactly 64 KiB of plaintext. The file key is
HKDF-SHA256(master key, salt), so no two blobs share a key. Each record's associated data is
``header | blob name | chunk index (8 bytes) | final flag (1 byte)``: a record moved within the
file, to another file, dropped, or a file cut at a record boundary or extended, all fail the GCM
check. The key id (an HMAC of the master key) tells a changed key apart from a damaged file.

Writes go to ``tmp/<name>.part`` and are renamed into ``<name[:2]>/<name>`` once complete and
flushed to disk; crypto and file I/O run in worker threads, 1 MiB at a time.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import hmac
import os
import secrets
import struct
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from server.settings import SettingsError

MAGIC = b"TCB1"
CHUNK = 64 * 1024
NONCE = 12
TAG = 16
KEY_ID = 8
SALT = 16
HEADER = len(MAGIC) + KEY_ID + SALT
RECORD = NONCE + CHUNK + TAG
BATCH = 16 * CHUNK  # plaintext handed to a worker thread at a time
_INFO = b"teleconsult/attachments/v1"


class BlobError(Exception):
    """Base of the blob store's errors (messages carry blob names only, never content)."""


class BlobMissingError(BlobError):
    """No blob file under that name."""


class BlobCorruptedError(BlobError):
    """The blob file fails its integrity check: damaged, truncated, or tampered with."""


class BlobKeyMismatchError(BlobCorruptedError):
    """The blob was encrypted under another master key than the configured one."""


def key_id(master: bytes) -> bytes:
    return hmac.new(master, b"teleconsult attachments key id", hashlib.sha256).digest()[:KEY_ID]


def _file_cipher(master: bytes, salt: bytes) -> AESGCM:
    key = HKDF(algorithm=SHA256(), length=32, salt=salt, info=_INFO).derive(master)
    return AESGCM(key)


def _aad(header: bytes, name: str, index: int, final: bool) -> bytes:
    return header + name.encode("ascii") + struct.pack(">QB", index, 1 if final else 0)


@dataclass(frozen=True)
class StoredBlob:
    name: str
    size: int  # plaintext bytes


class BlobWriter:
    """One blob being written; `write()` chunks, then `commit()` (or `abort()`, idempotent)."""

    def __init__(self, store: EncryptedBlobStore, name: str, master: bytes) -> None:
        self.name = name
        self._store = store
        self._temp = store.temp_dir / f"{name}.part"
        salt = secrets.token_bytes(SALT)
        self._header = MAGIC + key_id(master) + salt
        self._cipher = _file_cipher(master, salt)
        self._buffer = bytearray()
        self._index = 0
        self._size = 0
        self._file: BinaryIO | None = None
        self._done = False

    async def open(self) -> None:
        def create() -> BinaryIO:
            fd = os.open(self._temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
            f = os.fdopen(fd, "wb")
            f.write(self._header)
            return f

        self._file = await asyncio.to_thread(create)

    async def write(self, data: bytes) -> None:
        self._buffer += data
        self._size += len(data)
        if len(self._buffer) > BATCH:
            # Keep at least one byte back: only the last record may carry the final flag.
            cut = (len(self._buffer) - 1) // CHUNK * CHUNK
            batch = bytes(self._buffer[:cut])
            del self._buffer[:cut]
            await asyncio.to_thread(self._encrypt, batch, False)

    async def commit(self) -> StoredBlob:
        """Encrypt the rest, flush to disk and move the blob to its final place."""
        batch, self._buffer = bytes(self._buffer), bytearray()
        await asyncio.to_thread(self._finish, batch)
        self._done = True
        return StoredBlob(self.name, self._size)

    async def abort(self) -> None:
        """Forget the blob: the partial file is removed."""
        if self._done:
            return
        self._done = True
        await asyncio.to_thread(self._discard)

    # ---------------------------------------------------------------- worker-thread side
    def _encrypt(self, batch: bytes, last: bool) -> None:
        assert self._file is not None
        view = memoryview(batch)
        starts = range(0, len(batch), CHUNK) if batch else range(1)
        for start in starts:
            chunk = view[start : start + CHUNK]
            final = last and start + CHUNK >= len(batch)
            nonce = secrets.token_bytes(NONCE)
            sealed = self._cipher.encrypt(nonce, chunk, _aad(self._header, self.name, self._index, final))
            self._file.write(nonce)
            self._file.write(sealed)
            self._index += 1

    def _finish(self, batch: bytes) -> None:
        assert self._file is not None
        try:
            self._encrypt(batch, True)
            self._file.flush()
            os.fsync(self._file.fileno())
        finally:
            self._file.close()
        final = self._store.path_of(self.name)
        final.parent.mkdir(parents=True, exist_ok=True)
        self._temp.replace(final)
        _fsync_dir(final.parent)

    def _discard(self) -> None:
        if self._file is not None:
            self._file.close()
        self._temp.unlink(missing_ok=True)


class BlobReader:
    """An open blob: `verify()` checks every record, `chunks()` streams the plaintext."""

    def __init__(self, name: str, file: BinaryIO, master: bytes) -> None:
        self.name = name
        self._file = file
        total = os.fstat(file.fileno()).st_size
        header = file.read(HEADER)
        if len(header) < HEADER or not header.startswith(MAGIC):
            raise BlobCorruptedError(f"blob {name}: bad header")
        if not hmac.compare_digest(header[4 : 4 + KEY_ID], key_id(master)):
            raise BlobKeyMismatchError(f"blob {name}: encrypted under another key")
        self._header = header
        self._cipher = _file_cipher(master, header[4 + KEY_ID :])
        body = total - HEADER
        self._records = max(1, -(-body // RECORD))
        last = body - (self._records - 1) * RECORD
        if last < NONCE + TAG:
            raise BlobCorruptedError(f"blob {name}: truncated")
        self.size = body - self._records * (NONCE + TAG)

    def _read_records(self, first: int, count: int) -> list[bytes]:
        out = []
        for index in range(first, min(first + count, self._records)):
            record = self._file.read(RECORD)
            final = index == self._records - 1
            aad = _aad(self._header, self.name, index, final)
            try:
                out.append(self._cipher.decrypt(record[:NONCE], record[NONCE:], aad))
            except (InvalidTag, ValueError):
                raise BlobCorruptedError(f"blob {self.name}: record {index} fails authentication") from None
        return out

    async def verify(self) -> None:
        """Authenticate every record without keeping any plaintext; then rewind."""

        def run() -> None:
            self._file.seek(HEADER)
            for first in range(0, self._records, BATCH // CHUNK):
                self._read_records(first, BATCH // CHUNK)
            self._file.seek(HEADER)

        await asyncio.to_thread(run)

    async def chunks(self) -> AsyncIterator[bytes]:
        """The plaintext, 64 KiB at a time, each chunk authenticated before it is yielded."""
        try:
            await asyncio.to_thread(self._file.seek, HEADER)
            per_batch = BATCH // CHUNK
            for first in range(0, self._records, per_batch):
                for plain in await asyncio.to_thread(self._read_records, first, per_batch):
                    if plain:
                        yield plain
        finally:
            self.close()

    def close(self) -> None:
        self._file.close()


class EncryptedBlobStore:
    """Encrypted files under `root`, named by the store (random 128-bit hex names)."""

    def __init__(self, root: Path, master_key: bytes) -> None:
        if len(master_key) != 32:
            raise ValueError("the attachments key must be 32 bytes")
        self.root = root
        self.temp_dir = root / "tmp"
        self._master = master_key

    def prepare(self, stale_after_seconds: float = 24 * 3600) -> int:
        """Create the folders and remove partial files left by a crash; returns how many."""
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            self.root.chmod(0o700)
        removed = 0
        limit = time.time() - stale_after_seconds
        for part in self.temp_dir.glob("*.part"):
            with contextlib.suppress(OSError):
                if part.stat().st_mtime < limit:
                    part.unlink()
                    removed += 1
        return removed

    def path_of(self, name: str) -> Path:
        if len(name) != 32 or not all(c in "0123456789abcdef" for c in name):
            raise BlobMissingError(f"invalid blob name {name!r}")
        return self.root / name[:2] / name

    async def writer(self) -> BlobWriter:
        """A new blob under a fresh generated name (nothing visible until `commit()`)."""
        writer = BlobWriter(self, secrets.token_hex(16), self._master)
        await writer.open()
        return writer

    async def open(self, name: str) -> BlobReader:
        """Open a stored blob for reading.

        Raises:
            BlobMissingError: no such blob.
            BlobCorruptedError: its header is damaged or it was written under another key.
        """
        path = self.path_of(name)

        def run() -> BlobReader:
            try:
                file = path.open("rb")
            except FileNotFoundError:
                raise BlobMissingError(f"blob {name} is missing") from None
            try:
                return BlobReader(name, file, self._master)
            except BaseException:
                file.close()
                raise

        return await asyncio.to_thread(run)

    async def delete(self, name: str) -> None:
        await asyncio.to_thread(self.path_of(name).unlink, True)


def load_or_create_key(configured: str, key_file: Path) -> bytes:
    """The 32-byte master key: `configured` (base64) if given, else `key_file`, created once (0600).

    Several server processes must share one key: give them the same setting or data folder.

    Raises:
        SettingsError: the configured key or the key file is not 32 bytes of base64.
    """
    if configured.strip():
        return _decode_key(configured, "TELECONSULT_ATTACHMENTS_KEY")
    try:
        key = _decode_key(key_file.read_text("ascii"), str(key_file))
    except FileNotFoundError:
        pass
    else:
        if os.name == "posix" and key_file.stat().st_mode & 0o077:
            key_file.chmod(0o600)  # the key opens every document: owner only
        return key
    key_file.parent.mkdir(parents=True, exist_ok=True)
    temp = key_file.with_name(f".{key_file.name}.{secrets.token_hex(8)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(base64.b64encode(secrets.token_bytes(32)).decode("ascii") + "\n")
            f.flush()
            os.fsync(f.fileno())
        # link() never replaces: if another process created the key meanwhile, its key wins.
        with contextlib.suppress(FileExistsError):
            os.link(temp, key_file)
    finally:
        temp.unlink(missing_ok=True)
    _fsync_dir(key_file.parent)
    return _decode_key(key_file.read_text("ascii"), str(key_file))


def _decode_key(text: str, origin: str) -> bytes:
    try:
        key = base64.b64decode(text.strip().replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise SettingsError(
            f"Clé de chiffrement des documents invalide ({origin}) : 32 octets encodés en base64 attendus, "
            "par exemple la sortie de « openssl rand -base64 32 »."
        )
    return key


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
