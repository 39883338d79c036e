"""Recognising PDF, JPEG and PNG by content, chunk by chunk, and a fuzz corpus of malformed files."""

from __future__ import annotations

import random
import struct

import pytest

from server.attachments.filetypes import (
    JPEG,
    PDF,
    PNG,
    FileKind,
    FileSniffer,
    ImageTooLargeError,
    UnsupportedFileError,
)
from server.attachments.service import clean_filename
from tests.helpers.documents import make_big_pdf, make_jpeg, make_pdf, make_png

SAMPLES = {
    "pdf": (make_pdf(), FileKind(PDF, "pdf")),
    "big pdf": (make_big_pdf(300_000), FileKind(PDF, "pdf")),
    "png": (make_png(40, 30), FileKind(PNG, "png", 40, 30)),
    "jpeg": (make_jpeg(640, 480), FileKind(JPEG, "jpg", 640, 480)),
}


def sniff_in_pieces(data: bytes, size: int) -> FileKind:
    sniffer = FileSniffer()
    for start in range(0, len(data), size):
        sniffer.feed(data[start : start + size])
    return sniffer.finish()


def sniff(data: bytes) -> FileKind:
    sniffer = FileSniffer()
    sniffer.feed(data)
    return sniffer.finish()


@pytest.mark.parametrize("name", sorted(SAMPLES))
@pytest.mark.parametrize("piece", [1, 7, 4096, 1 << 30])
def test_real_files_are_recognised_whatever_the_chunking(name: str, piece: int) -> None:
    data, expected = SAMPLES[name]
    if piece == 1 and len(data) > 20_000:
        data, expected = SAMPLES["pdf"]
    assert sniff_in_pieces(data, piece) == expected


def jpeg_with_big_app_segments() -> bytes:
    """A JPEG whose frame header comes after 300 KiB of APPn/COM segments (EXIF, ICC profiles…)."""
    jpeg = make_jpeg(123, 45)
    segments = b"".join(
        b"\xff" + bytes([0xE1 + i % 14]) + struct.pack(">H", 65_000) + bytes([i]) * 64_998 for i in range(5)
    )
    return jpeg[:2] + segments + b"\xff\xfe\x00\x05abc" + jpeg[2:]


def test_jpeg_frame_header_found_after_large_segments_spanning_chunks() -> None:
    data = jpeg_with_big_app_segments()
    for piece in (3, 1000, 65_536, 100_000):
        kind = sniff_in_pieces(data, piece)
        assert (kind.width, kind.height) == (123, 45)


def test_progressive_jpeg_and_fill_bytes() -> None:
    # SOF2 (progressive) after fill bytes: still a frame header.
    data = b"\xff\xd8" + b"\xff\xff\xff\xc2\x00\x11\x08\x01\x00\x02\x00\x03" + b"\x00" * 9 + b"\xff\xd9"
    kind = sniff(data)
    assert (kind.content_type, kind.width, kind.height) == (JPEG, 512, 256)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"%PDF",
        b"%PDF-x.y\n%%EOF",
        b"hello world, not a document",
        b"\x89PNG\r\n\x1a\n",
        b"\xff\xd8\xff\xd9",  # end of image before any frame
        b"\xff\xd8\xff\xda\x00\x02",  # scan before any frame
        b"\xff\xd8\xff\xe0\x00\x01",  # segment length below 2
        b"\xff\xd8\xff\xc0\x00\x11\x08\x00\x00\x00\x10\x03",  # zero height
        make_pdf()[:-1200],  # the %%EOF trailer cut off
        make_png()[:-12],  # no IEND
        make_png()[:20],
    ],
)
def test_malformed_files_are_refused(data: bytes) -> None:
    with pytest.raises(UnsupportedFileError) as refused:
        sniff(data)
    assert refused.value.status == 415 and refused.value.code == "unsupported_file"


def test_unknown_content_is_refused_on_the_first_bytes() -> None:
    sniffer = FileSniffer()
    with pytest.raises(UnsupportedFileError):
        sniffer.feed(b"GIF89a")
    with pytest.raises(UnsupportedFileError):
        FileSniffer().feed(b"\xff\xd8\x00")


def test_images_over_the_pixel_limit_are_refused() -> None:
    assert sniff(make_png(8, 8, declared=(7071, 7071))).width == 7071  # 49.99 Mpx
    with pytest.raises(ImageTooLargeError) as refused:
        sniff(make_png(8, 8, declared=(10_000, 6_000)))
    assert refused.value.status == 413 and "50 mégapixels" in refused.value.detail
    sof = b"\xff\xc0\x00\x11\x08" + struct.pack(">HH", 8000, 8000) + b"\x03" + b"\x00" * 9
    with pytest.raises(ImageTooLargeError):
        FileSniffer().feed(b"\xff\xd8" + sof)  # refused as soon as the header arrives


def mutate(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    how = rng.randrange(5)
    if how == 0:  # flip bytes
        for _ in range(rng.randint(1, 8)):
            out[rng.randrange(len(out))] = rng.randrange(256)
    elif how == 1:  # truncate
        del out[rng.randrange(len(out)) :]
    elif how == 2:  # insert junk
        at = rng.randrange(len(out) + 1)
        out[at:at] = rng.randbytes(rng.randint(1, 64))
    elif how == 3:  # damage the first bytes only
        out[: rng.randint(1, 40)] = rng.randbytes(rng.randint(1, 40))
    else:  # random bytes with a real signature
        out = bytearray(data[: rng.choice([3, 5, 8, 16])] + rng.randbytes(rng.randint(0, 2000)))
    return bytes(out)


def test_fuzz_corpus_of_malformed_files_never_crashes_nor_mislabels() -> None:
    """R10: 1 000+ malformed files, 0 crashes, 0 accepted files whose content contradicts the type."""
    rng = random.Random(20261126)
    seeds = [make_pdf(), make_png(12, 9), make_jpeg(32, 24), jpeg_with_big_app_segments()[:140_000]]
    accepted = 0
    for i in range(1500):
        data = mutate(seeds[i % len(seeds)], rng)
        try:
            kind = sniff_in_pieces(data, rng.choice([1, 13, 4096, 1 << 20]) if len(data) < 50_000 else 65_536)
        except (UnsupportedFileError, ImageTooLargeError):
            continue
        accepted += 1
        signature = {PDF: b"%PDF-", PNG: b"\x89PNG\r\n\x1a\n", JPEG: b"\xff\xd8\xff"}[kind.content_type]
        assert data.startswith(signature)
        if kind.content_type == PDF:
            assert b"%%EOF" in data[-1024:]
        else:
            assert kind.width and kind.height and kind.width * kind.height <= 50_000_000
    assert accepted < 1500  # most mutations are caught


@pytest.mark.parametrize(
    ("raw", "kind", "expected"),
    [
        ("Ordonnance.pdf", PDF, "Ordonnance.pdf"),
        ("ordonnance", PDF, "ordonnance.pdf"),
        ("compte.rendu", PDF, "compte.rendu.pdf"),
        ("scan.PNG", JPEG, "scan.jpg"),
        ("photo.JPEG", JPEG, "photo.JPEG"),
        ("C:\\Users\\hd\\radio.png", PNG, "radio.png"),
        ("../../etc/passwd", PNG, "passwd.png"),
        ("facture\u202egnp.exe", PNG, "facturegnp.exe.png"),
        ("  . ", PDF, "document.pdf"),
        ("", JPEG, "photo.jpg"),
        ("x" * 300 + ".pdf", PDF, "x" * 176 + ".pdf"),
        ("Re\u0301sume\u0301 d\u2019examen.pdf", PDF, "Résumé d\u2019examen.pdf"),  # NFC
    ],
)
def test_file_names_are_cleaned_and_match_the_content(raw: str, kind: str, expected: str) -> None:
    extension = {PDF: "pdf", JPEG: "jpg", PNG: "png"}[kind]
    assert clean_filename(raw, FileKind(kind, extension)) == expected
