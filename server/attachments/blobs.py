"""Documents at rest: the encrypted blob format, the master keys, and the blob-store port.

A blob is a header and a sequence of records (format 1)::

    header  = b"TCB1" | key id (8 bytes) | salt (16 bytes)                  28 bytes
    record* = nonce (12 random bytes) | AES-256-GCM(chunk) with its tag      ≤ 64 KiB + 28 bytes

Every chunk but the last holds exactly 64 KiB of plaintext. The blob key is
HKDF-SHA256(master key, salt), so no two blobs share a key. Each record's associated data is
``header | blob name | chunk index (8 bytes) | final flag (1 byte)``: a record moved within the
blob, to another blob, dropped, or a blob cut at a record boundary or extended, all fail the GCM
check. The key id (an HMAC of the master key) names the master key that sealed the blob: a
`Keyring` holds the current key (every new blob) and previous ones (read only, until
`documents-rotate-key` has re-sealed every blob under the current key).

Two stores keep these bytes behind one port (`BlobStore`): `FileBlobStore` (a file per blob
under the data folder; `server.attachments.file_store`) and `DatabaseBlobStore` (a header row and
a row per record, in the server's database; `server.attachments.db_store`). Either streams: about
1 MiB (`BATCH`) of a document is in memory at a time, and crypto runs in worker threads.
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
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

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
OVERHEAD = NONCE + TAG
BATCH = 16 * CHUNK  # plaintext handed to a worker thread at a time
PER_BATCH = BATCH // CHUNK
_INFO = b"teleconsult/attachments/v1"


class BlobError(Exception):
    """Base of the blob stores' errors (messages carry blob names only, never content)."""


class BlobMissingError(BlobError):
    """No blob under that name."""


class BlobCorruptedError(BlobError):
    """The blob fails its integrity check: damaged, truncated, or tampered with."""


class BlobKeyMismatchError(BlobCorruptedError):
    """The blob was sealed under a master key the keyring does not hold."""


def key_id(master: bytes) -> bytes:
    return hmac.new(master, b"teleconsult attachments key id", hashlib.sha256).digest()[:KEY_ID]


def check_name(name: str) -> str:
    """A store-generated blob name (128-bit hex), else BlobMissingError (never a path)."""
    if len(name) != 32 or not all(c in "0123456789abcdef" for c in name):
        raise BlobMissingError(f"invalid blob name {name!r}")
    return name


class Keyring:
    """The current master key (seals every new blob) and previous ones (open older blobs)."""

    def __init__(self, current: bytes, previous: Sequence[bytes] = ()) -> None:
        for key in (current, *previous):
            if len(key) != 32:
                raise ValueError("the attachments key must be 32 bytes")
        self.current = current
        self.current_id = key_id(current)
        self._keys = {key_id(key): key for key in previous}
        self._keys[self.current_id] = current

    def key_for(self, header: bytes, name: str) -> bytes:
        """The master key that sealed a blob of this header.

        Raises:
            BlobKeyMismatchError: a key the ring does not hold (changed, or removed too early).
        """
        key = self._keys.get(header[len(MAGIC) : len(MAGIC) + KEY_ID])
        if key is None:
            raise BlobKeyMismatchError(f"blob {name}: encrypted under another key")
        return key

    def is_current(self, header: bytes) -> bool:
        return hmac.compare_digest(header[len(MAGIC) : len(MAGIC) + KEY_ID], self.current_id)


def _cipher(master: bytes, salt: bytes) -> AESGCM:
    key = HKDF(algorithm=SHA256(), length=32, salt=salt, info=_INFO).derive(master)
    return AESGCM(key)


def _aad(header: bytes, name: str, index: int, final: bool) -> bytes:
    return header + name.encode("ascii") + struct.pack(">QB", index, 1 if final else 0)


class Sealer:
    """Seals the chunks of one new blob under the keyring's current key, in order."""

    def __init__(self, keys: Keyring, name: str) -> None:
        salt = secrets.token_bytes(SALT)
        self.name = name
        self.header = MAGIC + keys.current_id + salt
        self._cipher = _cipher(keys.current, salt)
        self.index = 0  # records sealed so far

    def seal(self, batch: bytes, last: bool) -> list[bytes]:
        """Records for `batch` (whole chunks, or the rest when `last`; an empty blob has one)."""
        view = memoryview(batch)
        out = []
        for start in range(0, len(batch), CHUNK) if batch else range(1):
            final = last and start + CHUNK >= len(batch)
            nonce = secrets.token_bytes(NONCE)
            aad = _aad(self.header, self.name, self.index, final)
            out.append(nonce + self._cipher.encrypt(nonce, view[start : start + CHUNK], aad))
            self.index += 1
        return out


class Opener:
    """Opens the records of one stored blob, given its header."""

    def __init__(self, keys: Keyring, name: str, header: bytes) -> None:
        if len(header) != HEADER or not header.startswith(MAGIC):
            raise BlobCorruptedError(f"blob {name}: bad header")
        self.name = name
        self.header = header
        self._cipher = _cipher(keys.key_for(header, name), header[len(MAGIC) + KEY_ID :])

    def open(self, record: bytes, index: int, final: bool) -> bytes:
        try:
            return self._cipher.decrypt(
                record[:NONCE], record[NONCE:], _aad(self.header, self.name, index, final)
            )
        except (InvalidTag, ValueError):
            raise BlobCorruptedError(f"blob {self.name}: record {index} fails authentication") from None


@dataclass(frozen=True)
class StoredBlob:
    name: str
    size: int  # plaintext bytes


class BlobWriter:
    """One blob being written: `write()` plaintext, then `commit()` (or `abort()`, idempotent).

    Nothing is visible under the blob's name before `commit()` returns. Subclasses keep the
    records (`_put`) and publish them (`_publish`, which receives the last records).
    """

    def __init__(self, keys: Keyring, name: str) -> None:
        self.name = name
        self._sealer = Sealer(keys, name)
        self._buffer = bytearray()
        self._size = 0
        self._done = False

    async def write(self, data: bytes) -> None:
        self._buffer += data
        self._size += len(data)
        if len(self._buffer) > BATCH:
            # Keep at least one byte back: only the last record may carry the final flag.
            cut = (len(self._buffer) - 1) // CHUNK * CHUNK
            batch = bytes(self._buffer[:cut])
            del self._buffer[:cut]
            await self._put(await asyncio.to_thread(self._sealer.seal, batch, False))

    async def commit(self) -> StoredBlob:
        """Seal the rest and make the blob visible, durably."""
        batch, self._buffer = bytes(self._buffer), bytearray()
        records = await asyncio.to_thread(self._sealer.seal, batch, True)
        await self._publish(records, self._size)
        self._done = True
        return StoredBlob(self.name, self._size)

    async def abort(self) -> None:
        """Forget the blob: what was written of it is removed."""
        if self._done:
            return
        self._done = True
        await self._discard()

    async def _put(self, records: list[bytes]) -> None:
        raise NotImplementedError

    async def _publish(self, records: list[bytes], size: int) -> None:
        raise NotImplementedError

    async def _discard(self) -> None:
        raise NotImplementedError


class BlobReader:
    """An open blob: `verify()` checks every record, `chunks()` streams the plaintext.

    Subclasses fetch raw records (`_fetch`); `size` is the plaintext size its layout implies.
    """

    size: int

    def __init__(self, opener: Opener, records: int) -> None:
        self.name = opener.name
        self._opener = opener
        self._records = records

    async def _fetch(self, first: int, count: int) -> list[bytes]:
        raise NotImplementedError

    async def _reopened(self) -> Opener | None:
        """The blob's opener again when it was re-sealed meanwhile (key rotation), else None."""
        return None

    def open_records(self, first: int, records: list[bytes]) -> list[bytes]:
        """The plaintext of `records`, the first at index `first` (worker-thread side)."""
        last = self._records - 1
        return [self._opener.open(record, first + i, first + i == last) for i, record in enumerate(records)]

    async def _batch(self, first: int) -> list[bytes]:
        count = min(PER_BATCH, self._records - first)
        records = await self._fetch(first, count)
        try:
            if len(records) != count:
                raise BlobCorruptedError(f"blob {self.name}: truncated")
            return await asyncio.to_thread(self.open_records, first, records)
        except BlobCorruptedError:
            # Re-sealed under the current key while being read: the same plaintext, chunk for chunk.
            opener = await self._reopened()
            if opener is None:
                raise
            self._opener = opener
            records = await self._fetch(first, count)
            if len(records) != count:
                raise BlobCorruptedError(f"blob {self.name}: truncated") from None
            return await asyncio.to_thread(self.open_records, first, records)

    async def verify(self) -> None:
        """Authenticate every record without keeping any plaintext."""
        total = 0
        for first in range(0, self._records, PER_BATCH):
            total += sum(len(plain) for plain in await self._batch(first))
        if total != self.size:
            raise BlobCorruptedError(f"blob {self.name}: size differs from its records")

    async def chunks(self) -> AsyncIterator[bytes]:
        """The plaintext, 64 KiB at a time, each chunk authenticated before it is yielded."""
        try:
            for first in range(0, self._records, PER_BATCH):
                for plain in await self._batch(first):
                    if plain:
                        yield plain
        finally:
            self.close()

    async def raw_batches(self) -> AsyncIterator[list[bytes]]:
        """The sealed records as stored, a batch at a time (copied verbatim to another store)."""
        for first in range(0, self._records, PER_BATCH):
            yield await self._fetch(first, min(PER_BATCH, self._records - first))

    @property
    def header(self) -> bytes:
        return self._opener.header

    @property
    def records(self) -> int:
        return self._records

    def close(self) -> None:
        """Release what the reader holds (idempotent)."""


class BlobStore(Protocol):
    """Where encrypted blobs live: files in the data folder, or rows in the database."""

    keys: Keyring

    async def writer(self) -> BlobWriter:
        """A new blob under a fresh generated name (nothing visible until `commit()`)."""
        ...

    async def open(self, name: str) -> BlobReader:
        """Open a stored blob.

        Raises:
            BlobMissingError: no such blob.
            BlobCorruptedError: its header is damaged or sealed under a key the ring lacks.
        """
        ...

    async def exists(self, name: str) -> bool: ...

    async def delete(self, name: str) -> None: ...

    def names(self) -> AsyncIterator[str]:
        """Every committed blob's name."""
        ...

    async def reseal(self, name: str) -> bool:
        """Re-encrypt a blob under the current key in place (readers see old or new, whole).

        Returns:
            False when it already was under the current key.
        """
        ...


def load_or_create_key(configured: str, key_file: Path) -> bytes:
    """The 32-byte master key: `configured` (base64) if given, else `key_file`, created once (0600).

    Several server processes must share one key: give them the same setting or data folder.

    Raises:
        SettingsError: the configured key or the key file is not 32 bytes of base64.
    """
    if configured.strip():
        return decode_key(configured, "TELECONSULT_ATTACHMENTS_KEY")
    try:
        key = decode_key(key_file.read_text("ascii"), str(key_file))
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
    fsync_dir(key_file.parent)
    return decode_key(key_file.read_text("ascii"), str(key_file))


def load_keyring(configured: str, key_file: Path, previous: str) -> Keyring:
    """The current key (`load_or_create_key`) and the previous ones, comma-separated base64.

    Raises:
        SettingsError: one of the keys is not 32 bytes of base64.
    """
    old = [
        decode_key(text, "TELECONSULT_ATTACHMENTS_PREVIOUS_KEYS")
        for text in previous.split(",")
        if text.strip()
    ]
    return Keyring(load_or_create_key(configured, key_file), old)


def decode_key(text: str, origin: str) -> bytes:
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


def fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
