"""ReportLab set-up shared by the billing PDFs: embedded DejaVu fonts, French styles, table styles.

Only DejaVu Sans (regular and bold), shipped in resources/fonts, is used and embedded; the canvas
default font and every table's FONTNAME are set to it so that no unembedded Helvetica reference is
written into a PDF.
"""

from __future__ import annotations

import io
from functools import partial
from importlib import resources
from threading import Lock
from typing import Any

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import TableStyle

from contracts.billing.errors import BillingError

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
_FONT_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
_lock = Lock()
_registered = False

INK = colors.HexColor("#1F2933")
MUTED = colors.HexColor("#52606D")
RULE = colors.HexColor("#CBD2D9")
BAND = colors.HexColor("#F0F4F8")
PREVIEW_INK = colors.HexColor("#B42318")  # the « APERÇU — non envoyé » mark of a note not sent yet


def register_fonts() -> None:
    """Register DejaVu Sans from resources/fonts once per process and make it the canvas default."""
    global _registered
    with _lock:
        if _registered:
            return
        for name, filename in _FONT_FILES.items():
            try:
                data = (resources.files("resources") / "fonts" / filename).read_bytes()
            except (FileNotFoundError, ModuleNotFoundError) as exc:
                raise BillingError(f"Police {filename} introuvable dans l’application.") from exc
            pdfmetrics.registerFont(TTFont(name, io.BytesIO(data)))
        pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD)
        rl_config.canvas_basefontname = REGULAR
        _registered = True


def canvas_maker() -> Any:
    """A Canvas factory whose initial font is DejaVu Sans (not ReportLab's Helvetica)."""
    return partial(Canvas, initialFontName=REGULAR, initialFontSize=10)


def styles() -> dict[str, ParagraphStyle]:
    """Paragraph styles in DejaVu Sans."""
    base = ParagraphStyle("base", fontName=REGULAR, fontSize=9.5, leading=12.5, textColor=INK)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.5, textColor=MUTED),
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=18, leading=22, spaceAfter=2),
        "heading": ParagraphStyle(
            "heading", parent=base, fontName=BOLD, fontSize=10.5, leading=14, spaceBefore=8
        ),
        "bold": ParagraphStyle("bold", parent=base, fontName=BOLD),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "right_bold": ParagraphStyle("right_bold", parent=base, fontName=BOLD, alignment=TA_RIGHT),
        "notice": ParagraphStyle(
            "notice", parent=base, backColor=BAND, borderPadding=6, spaceBefore=10, spaceAfter=4, leading=13
        ),
    }


def table_style(header: bool = True, total_row: bool = False) -> TableStyle:
    """A light table style; FONTNAME is set on every cell so no cell falls back to Helvetica."""
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), REGULAR),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    if header:
        commands += [
            ("FONTNAME", (0, 0), (-1, 0), BOLD),
            ("BACKGROUND", (0, 0), (-1, 0), BAND),
            ("ALIGN", (-1, 0), (-1, 0), "RIGHT"),
        ]
    if total_row:
        commands += [("FONTNAME", (0, -1), (-1, -1), BOLD), ("LINEABOVE", (0, -1), (-1, -1), 0.8, INK)]
    return TableStyle(commands)
