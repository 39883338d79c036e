"""The encrypted blob store: round trips at chunk boundaries, tamper detection, keys and partial files."""

from __future__ import annotations

import asyncio
import base64
import os
import time
from pathlib import Path

import pytest

from server.attachments.blobs import (
    CHUNK,
    HEADER,
    RECORD,
    BlobCorruptedError,
    BlobKeyMismatchError,
    BlobMissingError,
    Keyring,
    load_or_create_key,
)
from server.attachments.file_store import FileBlobStore
from server.settings import SettingsError

KEY = bytes(range(32))


def store_at(tmp_path: Path, key: bytes = KEY) -> FileBlobStore:
    store = FileBlobStore(tmp_path / "attachments", Keyring(key))
    store.prepare()
    return store


async def put(store: FileBlobStore, data: bytes, piece: int = 50_000) -> str:
    writer = await store.writer()
    for start in range(0, len(data), piece):
        await writer.write(data[start : start + piece])
    blob = await writer.commit()
    assert blob.size == len(data)
    return blob.name


async def get(store: FileBlobStore, name: str) -> bytes:
    reader = await store.open(name)
    await reader.verify()
    assert reader.size >= 0
    return b"".join([chunk async for chunk in reader.chunks()])


@pytest.mark.parametrize(
    "size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 16 * CHUNK, 16 * CHUNK + 1, 40 * CHUNK + 17]
)
def test_round_trip_at_chunk_and_batch_boundaries(tmp_path: Path, size: int) -> None:
    store = store_at(tmp_path)
    data = os.urandom(size)

    async def run() -> None:
        name = await put(store, data)
        assert await get(store, name) == data
        stored = store.path_of(name).read_bytes()
        assert size < 16 or data[:16] not in stored
        assert len(stored) == HEADER + len(data) + 28 * max(1, -(-size // CHUNK))

    asyncio.run(run())
    assert list(store.temp_dir.iterdir()) == []


def tamper_cases(stored: bytes) -> dict[str, bytes]:
    records = [stored[HEADER + i : HEADER + i + RECORD] for i in range(0, len(stored) - HEADER, RECORD)]
    header = stored[:HEADER]
    return {
        "bit flip in a record": stored[:5000] + bytes([stored[5000] ^ 1]) + stored[5001:],
        "bit flip in the salt": stored[:20] + bytes([stored[20] ^ 1]) + stored[21:],
        "records swapped": header + records[1] + records[0] + b"".join(records[2:]),
        "last record dropped": header + b"".join(records[:-1]),
        "record duplicated": header + records[0] + b"".join(records),
        "cut inside a record": stored[:-100],
        "header only": header,
        "not a blob": b"%PDF-1.7 plain text" * 10,
    }


def test_any_tampering_fails_authentication(tmp_path: Path) -> None:
    store = store_at(tmp_path)

    async def run() -> None:
        name = await put(store, os.urandom(3 * CHUNK + 500))
        path = store.path_of(name)
        original = path.read_bytes()
        for case, damaged in tamper_cases(original).items():
            path.write_bytes(damaged)
            with pytest.raises(BlobCorruptedError):
                reader = await store.open(name)
                await reader.verify()
                pytest.fail(f"not detected: {case}")
        # Another blob's file put in this one's place is detected too (the name is authenticated).
        other = await put(store, os.urandom(3 * CHUNK + 500))
        path.write_bytes(store.path_of(other).read_bytes())
        with pytest.raises(BlobCorruptedError):
            await (await store.open(name)).verify()

    asyncio.run(run())


def test_streaming_never_yields_unauthenticated_plaintext(tmp_path: Path) -> None:
    store = store_at(tmp_path)

    async def run() -> None:
        data = os.urandom(4 * CHUNK)
        name = await put(store, data)
        path = store.path_of(name)
        reader = await store.open(name)
        await reader.verify()
        with path.open("r+b") as f:  # damaged in place after the check, before the stream
            f.seek(HEADER + 2 * RECORD + 40)
            f.write(b"\x00\x01\x02")
        received = []
        with pytest.raises(BlobCorruptedError):
            async for chunk in reader.chunks():
                received.append(chunk)
        # Only records that passed authentication came out (none past the damaged one).
        assert len(b"".join(received)) <= 2 * CHUNK
        assert data.startswith(b"".join(received))

    asyncio.run(run())


def test_another_key_is_told_apart_from_damage(tmp_path: Path) -> None:
    async def run() -> None:
        name = await put(store_at(tmp_path), b"contenu")
        with pytest.raises(BlobKeyMismatchError):
            await store_at(tmp_path, bytes(32)).open(name)
        with pytest.raises(BlobMissingError):
            await store_at(tmp_path).open("0" * 32)
        with pytest.raises(BlobMissingError):
            await store_at(tmp_path).open("../../etc/passwd")

    asyncio.run(run())


def test_abort_removes_the_partial_file_and_prepare_sweeps_stale_ones(tmp_path: Path) -> None:
    store = store_at(tmp_path)

    async def run() -> None:
        writer = await store.writer()
        await writer.write(os.urandom(2 * 1024 * 1024))
        assert len(list(store.temp_dir.iterdir())) == 1
        await writer.abort()
        await writer.abort()  # idempotent
        assert list(store.temp_dir.iterdir()) == []

    asyncio.run(run())
    stale, fresh = store.temp_dir / "a.part", store.temp_dir / "b.part"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"x")
    old = time.time() - 2 * 24 * 3600
    os.utime(stale, (old, old))
    assert store.prepare() == 1
    assert not stale.exists() and fresh.exists()


def test_key_is_generated_once_owner_only_and_reused(tmp_path: Path) -> None:
    key_file = tmp_path / "data" / "attachments.key"
    key = load_or_create_key("", key_file)
    assert len(key) == 32
    if os.name == "posix":
        assert key_file.stat().st_mode & 0o777 == 0o600
        key_file.chmod(0o644)
    assert load_or_create_key("", key_file) == key
    if os.name == "posix":
        assert key_file.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in key_file.parent.iterdir()] == ["attachments.key"]


def test_configured_key_wins_and_bad_keys_are_reported_in_french(tmp_path: Path) -> None:
    configured = base64.b64encode(KEY).decode()
    assert load_or_create_key(configured, tmp_path / "absent.key") == KEY
    assert not (tmp_path / "absent.key").exists()
    assert load_or_create_key(base64.urlsafe_b64encode(KEY).decode(), tmp_path / "absent.key") == KEY
    for bad in ("trop-court", base64.b64encode(b"x" * 16).decode(), "pas du base64 !"):
        with pytest.raises(SettingsError, match="Clé de chiffrement des documents invalide"):
            load_or_create_key(bad, tmp_path / "absent.key")
    broken = tmp_path / "broken.key"
    broken.write_text("abc")
    with pytest.raises(SettingsError, match=str(broken)):
        load_or_create_key("", broken)
