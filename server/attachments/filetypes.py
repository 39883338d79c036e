"""Recognise PDF, JPEG and PNG by their content as the bytes stream in — never by the file's name.

`FileSniffer` is fed the upload chunk by chunk and keeps only a few bytes of state (the first
bytes, the last KiB, a JPEG segment cursor): it decides the type from the signature, refuses
anything else as soon as the first bytes are known, and on `finish()` checks what a truncated or
forged file would lack:

- PDF: ``%PDF-x.y`` at offset 0 and an ``%%EOF`` marker in the last 1024 bytes;
- PNG: the 8-byte signature, an ``IHDR`` chunk first with a valid CRC, and the ``IEND`` chunk near
  the end;
- JPEG: ``FF D8 FF``, then well-formed marker segments up to a frame header (SOF) giving the size.

Images over 50 megapixels are refused (`ImageTooLargeError`): no decoder on the other side has to
inflate a decompression bomb.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass

from server.kernel.errors import DomainError

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"

MAX_PIXELS = 50_000_000
TAIL_BYTES = 1024

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
JPEG_SIGNATURE = b"\xff\xd8\xff"
PDF_SIGNATURE = b"%PDF-"
_PDF_HEADER = re.compile(rb"%PDF-\d\.\d")
_SIGNATURES = (PDF_SIGNATURE, PNG_SIGNATURE, JPEG_SIGNATURE)
_HEAD_BYTES = 8

# Frame headers (start of frame) of every JPEG coding process; C4 (DHT), C8 (JPG) and CC (DAC) are not.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM, RST0-7: no length field

UNSUPPORTED = (
    "Ce fichier n'est pas un PDF, un JPEG ou un PNG valide : seuls ces formats peuvent être envoyés. "
    "Enregistrez le document en PDF ou la photo en JPEG, puis réessayez."
)


class UnsupportedFileError(DomainError):
    """The content is not a well-formed PDF, JPEG or PNG, whatever its name says."""

    status = 415
    code = "unsupported_file"

    def __init__(self, detail: str = UNSUPPORTED) -> None:
        super().__init__(detail)


class ImageTooLargeError(DomainError):
    """An image whose pixel count exceeds the limit (decompression-bomb guard)."""

    status = 413
    code = "image_too_large"

    def __init__(self, pixels: int, limit: int) -> None:
        super().__init__(
            f"L'image est trop grande : {limit // 1_000_000} mégapixels au plus "
            f"(celle-ci en compte {pixels / 1_000_000:.0f}). Réduisez sa taille, puis réessayez."
        )


@dataclass(frozen=True)
class FileKind:
    """What a file turned out to be."""

    content_type: str
    extension: str  # canonical, without the dot
    width: int | None = None
    height: int | None = None


EXTENSIONS: dict[str, tuple[str, ...]] = {
    PDF: ("pdf",),
    JPEG: ("jpg", "jpeg", "jpe", "jfif"),
    PNG: ("png",),
}


class FileSniffer:
    """Streaming recogniser of one upload; `feed()` the chunks in order, then `finish()`.

    Raises `UnsupportedFileError` (or `ImageTooLargeError`) as early as the content allows.
    """

    def __init__(self, max_pixels: int = MAX_PIXELS) -> None:
        self._max_pixels = max_pixels
        self._type: str | None = None
        self._pending = bytearray()  # bytes seen before the type is known, or PNG header bytes
        self._tail = b""
        self._size = 0
        self._width: int | None = None
        self._height: int | None = None
        self._header_done = False
        self._jpeg = bytearray()  # unparsed bytes at the JPEG segment cursor
        self._jpeg_skip = 0  # bytes of the current segment still to skip

    @property
    def size(self) -> int:
        return self._size

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        self._size += len(chunk)
        self._tail = chunk[-TAIL_BYTES:] if len(chunk) >= TAIL_BYTES else (self._tail + chunk)[-TAIL_BYTES:]
        if self._header_done:
            return
        if self._type is None:
            self._pending += chunk
            if not self._detect():
                return
            data, self._pending = bytes(self._pending), bytearray()
        else:
            data = chunk
        if self._type == JPEG:
            self._feed_jpeg(data)
        elif self._type == PNG:
            self._feed_png(data)
        else:
            self._header_done = True  # PDF: the header was checked by _detect()

    def finish(self) -> FileKind:
        """The recognised kind, once every byte has been fed.

        Raises:
            UnsupportedFileError: empty, truncated, or not one of the three formats.
        """
        if self._size == 0:
            raise UnsupportedFileError("Le fichier est vide : envoyez un PDF, un JPEG ou un PNG.")
        if self._type is None or not self._header_done:
            raise UnsupportedFileError()
        if self._type == PDF and b"%%EOF" not in self._tail:
            raise UnsupportedFileError()
        if self._type == PNG and PNG_IEND not in self._tail:
            raise UnsupportedFileError()
        return FileKind(self._type, EXTENSIONS[self._type][0], self._width, self._height)

    # ---------------------------------------------------------------- detection
    def _detect(self) -> bool:
        head = bytes(self._pending[:_HEAD_BYTES])
        if len(head) < _HEAD_BYTES:
            if not any(sig.startswith(head) or head.startswith(sig) for sig in _SIGNATURES):
                raise UnsupportedFileError()
            if not head.startswith(JPEG_SIGNATURE):
                return False  # PDF and PNG need all 8 bytes
        if head.startswith(PNG_SIGNATURE):
            self._type = PNG
        elif head.startswith(JPEG_SIGNATURE):
            self._type = JPEG
        elif _PDF_HEADER.match(head):
            self._type = PDF
        else:
            raise UnsupportedFileError()
        return True

    def _check_pixels(self, width: int, height: int) -> None:
        if width <= 0 or height <= 0:
            raise UnsupportedFileError()
        if width * height > self._max_pixels:
            raise ImageTooLargeError(width * height, self._max_pixels)
        self._width, self._height = width, height
        self._header_done = True

    # ---------------------------------------------------------------- PNG
    def _feed_png(self, data: bytes) -> None:
        # signature (8) + IHDR length (4) + type (4) + 13 bytes of data + CRC (4)
        self._pending += data[: 33 - len(self._pending)]
        if len(self._pending) < 33:
            return
        length, chunk_type = struct.unpack(">I4s", self._pending[8:16])
        body = bytes(self._pending[12:29])  # type + data, what the CRC covers
        (crc,) = struct.unpack(">I", self._pending[29:33])
        if length != 13 or chunk_type != b"IHDR" or zlib.crc32(body) != crc:
            raise UnsupportedFileError()
        width, height, depth, color, compression, filtering, interlace = struct.unpack(
            ">IIBBBBB", self._pending[16:29]
        )
        if (
            depth not in (1, 2, 4, 8, 16)
            or color not in (0, 2, 3, 4, 6)
            or (compression, filtering) != (0, 0)
            or interlace not in (0, 1)
        ):
            raise UnsupportedFileError()
        self._pending = bytearray()
        self._check_pixels(width, height)

    # ---------------------------------------------------------------- JPEG
    def _feed_jpeg(self, data: bytes) -> None:
        """Walk the marker segments up to the frame header, skipping segment bodies unread."""
        if self._jpeg_skip:
            skipped = min(self._jpeg_skip, len(data))
            self._jpeg_skip -= skipped
            data = data[skipped:]
        if not data:
            return
        buf = self._jpeg
        buf += data
        first = self._size == len(buf)  # the buffer starts at offset 0: SOI expected
        if first and buf[:2] != b"\xff\xd8":
            raise UnsupportedFileError()
        while len(buf) >= 2:
            if buf[0] != 0xFF:
                raise UnsupportedFileError()
            marker = buf[1]
            if marker == 0xFF:  # fill byte before a marker
                del buf[0]
                continue
            if marker == 0xD8:  # SOI: only at the very start
                if not first:
                    raise UnsupportedFileError()
                first = False
                del buf[:2]
                continue
            first = False
            if marker in _JPEG_STANDALONE:
                del buf[:2]
                continue
            if marker in (0xD9, 0xDA, 0x00):  # end of image or scan data before any frame header
                raise UnsupportedFileError()
            if len(buf) < 4:
                return
            (length,) = struct.unpack(">H", buf[2:4])
            if length < 2:
                raise UnsupportedFileError()
            if marker in _JPEG_SOF:
                if length < 8:
                    raise UnsupportedFileError()
                if len(buf) < 9:
                    return
                height, width = struct.unpack(">HH", buf[5:9])
                self._jpeg = bytearray()
                self._check_pixels(width, height)
                return
            end = 2 + length
            if len(buf) >= end:
                del buf[:end]
            else:
                self._jpeg_skip = end - len(buf)
                buf.clear()
                return
