"""PDF pages rendered by PDFium in a worker thread: sizes, page clamping, damaged and protected files."""

from __future__ import annotations

import asyncio
import io
import threading
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen.canvas import Canvas

from desktop.services import pdf_preview
from desktop.services.pdf_preview import PageImage, PdfPreviewError, PdfPreviewService, render_page
from tests.helpers.documents import make_pdf


def pages_pdf(count: int, *, password: str | None = None) -> bytes:
    """A `count`-page A4 PDF; page n is filled black over its top n tenths (tells pages apart)."""
    out = io.BytesIO()
    encrypt = StandardEncryption(password, canPrint=0) if password else None
    canvas = Canvas(out, pagesize=A4, encrypt=encrypt)
    width, height = A4
    for number in range(1, count + 1):
        canvas.rect(0, height * (1 - number / 10), width, height * number / 10, fill=1)
        canvas.drawString(72, 72, f"Page {number}")
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def dark_ratio(page: PageImage) -> float:
    """Share of pixels darker than mid-grey."""
    dark = total = 0
    for row in range(0, page.height, 4):
        line = page.rgb[row * page.stride : row * page.stride + page.width * 3]
        for x in range(0, len(line), 12):
            total += 1
            dark += sum(line[x : x + 3]) < 384
    return dark / total


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_the_first_page_fits_the_thumbnail_square(tmp_path: Path) -> None:
    page = render_page(write(tmp_path, "ordonnance.pdf", make_pdf()), fit=220)
    assert (page.page_index, page.page_count) == (0, 1)
    assert page.height == 220 and 150 <= page.width <= 160  # A4 portrait: 220 × 220/√2
    assert page.stride >= page.width * 3 and len(page.rgb) == page.stride * page.height
    assert dark_ratio(page) < 0.05 and min(page.rgb) < 160  # a white page with a line of text


def test_zoom_one_is_the_printed_size_at_96_dpi(tmp_path: Path) -> None:
    page = render_page(write(tmp_path, "a.pdf", pages_pdf(1)), zoom=1.0)
    assert abs(page.width - 794) <= 1 and abs(page.height - 1123) <= 1
    double = render_page(tmp_path / "a.pdf", zoom=2.0)
    assert abs(double.width - 2 * page.width) <= 2


def test_pages_are_chosen_and_clamped(tmp_path: Path) -> None:
    path = write(tmp_path, "compte-rendu.pdf", pages_pdf(3))
    ratios = [dark_ratio(render_page(path, index, fit=200)) for index in range(3)]
    assert ratios[0] < ratios[1] < ratios[2]  # three different pages, in order
    last = render_page(path, 7, fit=200)
    assert (last.page_index, last.page_count) == (2, 3)
    assert render_page(path, -2, fit=200).page_index == 0


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"%PDF-1.7\nnot really a pdf", "endommagé"),
        (make_pdf()[:400], "endommagé"),  # truncated download
        (b"", "endommagé"),
        (pages_pdf(2, password="secret"), "mot de passe"),
    ],
    ids=["garbage", "truncated", "empty", "encrypted"],
)
def test_unreadable_pdfs_give_a_french_message(tmp_path: Path, data: bytes, words: str) -> None:
    with pytest.raises(PdfPreviewError) as caught:
        render_page(write(tmp_path, "document.pdf", data), fit=220)
    assert words in caught.value.message and "aperçu" in caught.value.message.lower()


def test_a_missing_file_gives_a_french_message(tmp_path: Path) -> None:
    with pytest.raises(PdfPreviewError, match="n'a pas pu être lu"):
        render_page(tmp_path / "absent.pdf")


def test_rendering_runs_in_a_worker_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "a.pdf", pages_pdf(2))
    threads: list[threading.Thread] = []
    original = pdf_preview.render_page

    def recording(*args: object, **kwargs: object) -> PageImage:
        threads.append(threading.current_thread())
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pdf_preview, "render_page", recording)

    async def both() -> tuple[PageImage, PageImage]:
        service = PdfPreviewService()
        return await asyncio.gather(service.thumbnail(path, 220), service.page(path, 1, 1.5))

    thumbnail, second = asyncio.run(both())
    assert thumbnail.height == 220 and second.page_index == 1 and second.width > 1000
    assert threads and all(t is not threading.main_thread() for t in threads)


def test_a_pdf_held_in_memory_is_rendered_like_its_file(tmp_path: Path) -> None:
    """A preview drawn in memory (the note d'honoraires before sending) is never written to disk."""
    data = pages_pdf(3)
    from_bytes = asyncio.run(PdfPreviewService().page(data, 1, 1.0))
    from_file = render_page(write(tmp_path, "pages.pdf", data), 1)
    assert (from_bytes.page_index, from_bytes.page_count) == (1, 3)
    assert from_bytes.rgb == from_file.rgb
    with pytest.raises(PdfPreviewError, match="endommagé"):
        render_page(b"%PDF-1.4 not really a pdf", 0)
