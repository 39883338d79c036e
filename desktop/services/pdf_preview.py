"""Pages of a received PDF as images (first-page thumbnail, in-app viewer), rendered by PDFium.

PDFium is blocking and not thread-safe: every render runs in a worker thread (`asyncio.to_thread`)
and one lock serialises them. The result is a plain RGB buffer, so this module has no Qt in it;
`desktop/ui` turns it into a `QImage`. A damaged or password-protected PDF gives a
`PdfPreviewError` with a French message, never a crash.
"""

from __future__ import annotations

import asyncio
import math
import threading
from dataclasses import dataclass
from pathlib import Path

from desktop.domain.errors import UserFacingError

POINTS_PER_INCH = 72
SCREEN_DPI = 96  # zoom 1 = the page at its printed size on a 96-dpi screen
MAX_PIXELS = 16_000_000  # a forged 5-metre page must not allocate gigabytes
_LOCK = threading.Lock()


class PdfPreviewError(UserFacingError):
    """The PDF cannot be previewed (damaged, protected by a password)."""


@dataclass(frozen=True)
class PageImage:
    """One rendered page: `rgb` holds `height` rows of `stride` bytes (3 bytes a pixel)."""

    page_index: int
    page_count: int
    width: int
    height: int
    stride: int
    rgb: bytes


def render_page(
    path: Path | bytes, index: int = 0, *, zoom: float = 1.0, fit: int | None = None
) -> PageImage:
    """Render page `index` (clamped to the document) at `zoom`, or to fit a `fit`-pixel square.

    `path` is a PDF file, or a PDF held in memory (a document drawn for a preview, never written).

    Blocking: call it from a worker thread (`PdfPreviewService` does).

    Raises:
        PdfPreviewError: the file is not a readable PDF, is encrypted, or has no page.
    """
    import pypdfium2 as pdfium  # ~70 ms: loaded by the first render, in its worker thread, not at start-up

    with _LOCK:
        try:
            document = pdfium.PdfDocument(path if isinstance(path, bytes) else str(path))
        except pdfium.PdfiumError as exc:
            if getattr(exc, "err_code", None) == pdfium.raw.FPDF_ERR_PASSWORD:
                raise PdfPreviewError(
                    "Ce PDF est protégé par un mot de passe : l'aperçu est impossible. "
                    "Ouvrez-le avec votre lecteur de PDF."
                ) from None
            raise PdfPreviewError("Ce PDF est endommagé ou illisible : l'aperçu est impossible.") from None
        except OSError:
            raise PdfPreviewError("Le document n'a pas pu être lu sur ce poste.") from None
        try:
            count = len(document)
            if count == 0:
                raise PdfPreviewError("Ce PDF ne contient aucune page.")
            index = min(max(index, 0), count - 1)
            page = document[index]
            try:
                width, height = page.get_size()
                scale = _scale(width, height, zoom=zoom, fit=fit)
                bitmap = page.render(scale=scale, rev_byteorder=True, fill_color=(255, 255, 255, 255))
                try:
                    if bitmap.n_channels != 3:
                        raise PdfPreviewError("Ce PDF est endommagé ou illisible : l'aperçu est impossible.")
                    return PageImage(
                        index, count, bitmap.width, bitmap.height, bitmap.stride, bytes(bitmap.buffer)
                    )
                finally:
                    bitmap.close()
            finally:
                page.close()
        except pdfium.PdfiumError:
            raise PdfPreviewError("Ce PDF est endommagé ou illisible : l'aperçu est impossible.") from None
        finally:
            document.close()


def _scale(width: float, height: float, *, zoom: float, fit: int | None) -> float:
    if width <= 0 or height <= 0:
        raise PdfPreviewError("Ce PDF est endommagé ou illisible : l'aperçu est impossible.")
    scale = fit / max(width, height) if fit is not None else zoom * SCREEN_DPI / POINTS_PER_INCH
    limit = math.sqrt(MAX_PIXELS / (width * height))
    return max(min(scale, limit), 0.01)


class PdfPreviewService:
    """Renders off the event loop; widgets get `PageImage`s."""

    async def thumbnail(self, path: Path, size: int) -> PageImage:
        """The first page, fitting a `size`-pixel square."""
        return await asyncio.to_thread(render_page, path, 0, fit=size)

    async def page(self, path: Path | bytes, index: int, zoom: float) -> PageImage:
        """Page `index` (clamped) at `zoom` (1 = printed size)."""
        return await asyncio.to_thread(render_page, path, index, zoom=zoom)
