"""Real documents for upload tests: PDFs (built by hand, any size), PNGs and JPEGs (Pillow)."""

from __future__ import annotations

import io
import os
import struct
import uuid
import zlib
from collections.abc import Iterator

import httpx
from sqlalchemy import delete, select, update

from server.attachments.blobs import HEADER, RECORD
from server.attachments.file_store import FileBlobStore
from server.attachments.models import Attachment, BlobChunk, BlobRow
from server.container import Services
from tests.helpers.factories import Account
from tests.helpers.live_server import LiveServer


def make_pdf(text: str = "Ordonnance : paracétamol 1 g, 3 fois par jour.") -> bytes:
    """A one-page PDF with `text` in Helvetica, about 1.4 kB like a one-line reportlab page.

    Built by hand (the server's tests run without reportlab, a desktop dependency); a kilobyte of
    random bytes in an unreferenced stream makes each call's file different, as reportlab's
    dates and /ID did, and puts the header more than 1200 bytes before the %%EOF trailer.
    """
    return _pdf(text, filler=1024)


def make_big_pdf(size: int, text: str = "Compte rendu") -> bytes:
    """A valid one-page PDF of exactly `size` bytes: an unreferenced stream of random bytes pads it."""
    overhead = len(_pdf(text, 0))
    # The filler's length is written in decimal: adjust once for the extra digits.
    filler = size - overhead
    filler -= len(_pdf(text, filler)) - size
    data = _pdf(text, filler)
    assert len(data) == size, (len(data), size)
    return data


def _pdf(text: str, filler: int) -> bytes:
    """One A4 page showing `text` (Windows-1252, as the standard fonts encode it), then `filler` bytes."""
    literal = text.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    content = b"BT /F1 12 Tf 72 770 Td (" + literal + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.2756 841.8898] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % filler + os.urandom(filler) + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def make_png(width: int = 40, height: int = 30, *, declared: tuple[int, int] | None = None) -> bytes:
    """An RGB PNG with a gradient; `declared` forges the IHDR size (the pixels stay small)."""
    raw = b"".join(
        b"\x00" + b"".join(bytes((x % 256, y % 256, 128)) for x in range(width)) for y in range(height)
    )
    w, h = declared or (width, height)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
        + _png_chunk(b"IDAT", zlib.compress(raw))
        + _png_chunk(b"IEND", b"")
    )


def make_jpeg(width: int = 64, height: int = 48, quality: int = 90) -> bytes:
    """A real JPEG encoded by Pillow (libjpeg): a red image crossed by a dotted blue line."""
    from PIL import Image

    image = Image.new("RGB", (width, height), (200, 60, 40))
    for x in range(0, width, 4):
        image.putpixel((x, height // 2), (20, 20, 220))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


# -------------------------------------------------------------------- uploads against a live server
def upload(
    client: httpx.Client,
    account: Account,
    conversation_id: str,
    content: bytes | Iterator[bytes],
    filename: str = "document.pdf",
    attachment_id: str | None = None,
) -> httpx.Response:
    aid = attachment_id or str(uuid.uuid4())
    return client.put(
        f"/conversations/{conversation_id}/attachments/{aid}",
        params={"filename": filename},
        content=content,
        headers=account.headers,
    )


def stored_blobs(server: LiveServer) -> set[str]:
    """The name of every committed blob of the server's store (partial uploads excluded)."""

    async def names(services: Services) -> set[str]:
        return {name async for name in services.attachments.store.names()}

    return server.run(names)


def partial_files(server: LiveServer) -> list[str]:
    """Uploads begun and not committed: partial files, or incomplete blob rows."""
    store = server.services.attachments.store
    if isinstance(store, FileBlobStore):
        return sorted(p.name for p in store.temp_dir.glob("*"))

    async def incomplete(services: Services) -> list[str]:
        async with services.core.db.read() as session:
            return sorted(await session.scalars(select(BlobRow.name).where(BlobRow.complete.is_(False))))

    return server.run(incomplete)


def blob_name(server: LiveServer, attachment_id: str) -> str:
    async def lookup(services: Services) -> str:
        async with services.core.db.read() as session:
            row = await session.get(Attachment, attachment_id)
            assert row is not None
            return row.blob_name

    return server.run(lookup)


def read_stored(server: LiveServer, name: str) -> bytes:
    """A blob as stored, in the file layout (header, then the records), from either store."""
    store = server.services.attachments.store
    if isinstance(store, FileBlobStore):
        return store.path_of(name).read_bytes()

    async def rows(services: Services) -> bytes:
        async with services.core.db.read() as session:
            header = await session.scalar(select(BlobRow.header).where(BlobRow.name == name))
            chunks = await session.scalars(
                select(BlobChunk.data).where(BlobChunk.name == name).order_by(BlobChunk.idx)
            )
            assert header is not None
            return bytes(header) + b"".join(bytes(c) for c in chunks)

    return server.run(rows)


def write_stored(server: LiveServer, name: str, data: bytes) -> None:
    """Replace a stored blob by `data` in the file layout (to damage it, or to put it back)."""
    store = server.services.attachments.store
    if isinstance(store, FileBlobStore):
        store.path_of(name).write_bytes(data)
        return
    header, body = data[:HEADER], data[HEADER:]
    records = [body[i : i + RECORD] for i in range(0, len(body), RECORD)]

    async def replace(services: Services) -> None:
        async with services.core.db.write() as session:
            await session.execute(delete(BlobChunk).where(BlobChunk.name == name))
            await session.execute(
                update(BlobRow).where(BlobRow.name == name).values(header=header, records=len(records))
            )
            for index, record in enumerate(records):
                session.add(BlobChunk(name=name, idx=index, data=record))

    server.run(replace)
