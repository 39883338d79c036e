"""One stylesheet for the app: design tokens (spacing, type scale, colours, focus ring) → QSS + QPalette.

Light and dark follow the system (`QStyleHints.colorScheme()` and its `colorSchemeChanged`). Widgets
never carry colours of their own: they name what they are (an object name, or a `role` property
set with `set_role`) and the rules below colour them from the current palette's tokens. Every
text/background pair the rules use is listed in `TEXT_PAIRS` and checked for WCAG AA contrast by
the tests (4.5:1 for text, 3:1 for the focus ring and icons).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

# Spacing scale (px) and type scale (px): the only sizes the rules use.
SPACE = {"xs": 4, "s": 8, "m": 12, "l": 16, "xl": 24}
TYPE = {"small": 11, "body": 13, "subtitle": 15, "title": 16, "brand": 17, "plus": 22}
RADIUS = {"s": 4, "m": 6, "l": 10}
FOCUS_WIDTH = 2


class Scheme(Enum):
    LIGHT = "light"
    DARK = "dark"


@dataclass(frozen=True)
class Palette:
    """Colour tokens of one scheme (hex `#rrggbb`)."""

    window: str
    surface: str  # inputs, lists, the conversation
    surface_alt: str  # the patient's bubbles, previews, chips
    text: str
    muted: str
    border: str
    primary: str  # the « + » button, selection
    on_primary: str
    header: str
    on_header: str
    info_bg: str
    info_text: str
    warning_bg: str
    warning_text: str
    error_bg: str
    error_text: str
    success_bg: str
    success_text: str
    banner_bg: str  # « 2 demandes de mise en relation », pending payments
    banner_border: str
    mine: str  # the practitioner's bubbles
    focus: str  # focus ring on window and surfaces
    focus_on_header: str
    # The call screen is dark in both schemes (video): its own tokens.
    call_bg: str
    call_text: str
    call_button: str
    call_button_hover: str
    call_danger: str
    call_ok: str
    call_warning: str
    call_focus: str
    call_poor: str
    call_muted: str


_CALL = {
    "call_bg": "#202124",
    "call_text": "#f1f3f4",
    "call_button": "#3c4043",
    "call_button_hover": "#5f6368",
    "call_danger": "#c5221f",
    "call_ok": "#81c995",
    "call_warning": "#fdd663",
    "call_focus": "#ffb74d",
    "call_poor": "#f28b82",
    "call_muted": "#bdc1c6",
}

LIGHT = Palette(
    window="#f4f5f7",
    surface="#ffffff",
    surface_alt="#eceff1",
    text="#1b1c1f",
    muted="#545a61",
    border="#cfd8dc",
    primary="#1565c0",
    on_primary="#ffffff",
    header="#0d47a1",
    on_header="#ffffff",
    info_bg="#e3f2fd",
    info_text="#0d47a1",
    warning_bg="#fff3e0",
    warning_text="#8a3800",
    error_bg="#ffebee",
    error_text="#b71c1c",
    success_bg="#e8f5e9",
    success_text="#1b5e20",
    banner_bg="#fff8e1",
    banner_border="#ffe082",
    mine="#e3f2fd",
    focus="#b35000",
    focus_on_header="#ffd54f",
    **_CALL,
)

DARK = Palette(
    window="#1e1f22",
    surface="#26282c",
    surface_alt="#34373c",
    text="#e8eaed",
    muted="#b0b6bd",
    border="#4a4e54",
    primary="#8ab4f8",
    on_primary="#0b1a33",
    header="#17305c",
    on_header="#ffffff",
    info_bg="#10304f",
    info_text="#bcd7fb",
    warning_bg="#3b2a06",
    warning_text="#ffcc80",
    error_bg="#4a1519",
    error_text="#ffb4ab",
    success_bg="#173a22",
    success_text="#a5d6a7",
    banner_bg="#3a3106",
    banner_border="#6b5a12",
    mine="#1f3a5c",
    focus="#fdd663",
    focus_on_header="#fdd663",
    **_CALL,
)

PALETTES = {Scheme.LIGHT: LIGHT, Scheme.DARK: DARK}

# (text token, background token): every pair the rules below paint text with.
TEXT_PAIRS: list[tuple[str, str]] = [
    *(
        (fg, bg)
        for fg in ("text", "muted", "error_text")
        for bg in ("window", "surface", "surface_alt", "mine")
    ),
    ("text", "banner_bg"),
    ("success_text", "window"),
    ("success_text", "surface"),
    ("warning_text", "window"),
    ("warning_text", "surface"),
    ("on_primary", "primary"),
    ("on_header", "header"),
    ("info_text", "info_bg"),
    ("warning_text", "warning_bg"),
    ("error_text", "error_bg"),
    ("success_text", "success_bg"),
    ("text", "info_bg"),
    ("call_text", "call_bg"),
    ("call_text", "call_button"),
    ("call_text", "call_button_hover"),
    ("call_text", "call_danger"),
    ("call_ok", "call_bg"),
    ("call_warning", "call_bg"),
    ("call_poor", "call_bg"),
    ("call_muted", "call_bg"),
]
# (ring or icon token, background token): non-text contrast, 3:1.
FOCUS_PAIRS: list[tuple[str, str]] = [
    ("focus", "window"),
    ("focus", "surface"),
    ("focus", "surface_alt"),
    ("focus_on_header", "header"),
    ("call_focus", "call_bg"),
    ("call_focus", "call_button"),
    ("call_text", "call_button_hover"),  # the call screen's white icons on a hovered button
]


def luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of `#rrggbb`."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def set_role(widget: QWidget, role: str) -> None:
    """Name what a widget shows (`error`, `muted`, `success`, `warning`, `title`, `strong`…):
    the stylesheet colours it."""
    widget.setProperty("role", role)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def stylesheet(p: Palette) -> str:
    """The app's QSS for palette `p`."""
    ring = f"{FOCUS_WIDTH}px solid {p.focus}"
    rules = f"""
*[role="error"] {{ color: {p.error_text}; }}
*[role="muted"] {{ color: {p.muted}; }}
*[role="success"] {{ color: {p.success_text}; }}
*[role="warning"] {{ color: {p.warning_text}; font-weight: bold; }}
*[role="strong"] {{ font-weight: bold; }}
*[role="title"] {{ font-size: {TYPE["title"]}px; font-weight: bold; }}
*[role="subtitle"] {{ font-size: {TYPE["subtitle"]}px; font-weight: bold; }}
*[role="small"] {{ color: {p.muted}; font-size: {TYPE["small"]}px; }}
*[role="hint"] {{ color: {p.muted}; padding: {SPACE["l"]}px; }}
*[role="italic"] {{ color: {p.muted}; font-style: italic; }}
*[role="notice"] {{ background: {p.warning_bg}; color: {p.warning_text}; padding: {SPACE["s"]}px;
    border-radius: {RADIUS["s"]}px; }}
*[role="info"] {{ background: {p.info_bg}; color: {p.info_text}; border: 1px solid {p.border};
    border-radius: {RADIUS["s"]}px; padding: {SPACE["s"]}px; font-weight: bold; }}
*[role="alert"] {{ background: {p.error_bg}; color: {p.error_text}; padding: {SPACE["s"] - 2}px; }}
*[role="preview"] {{ background: {p.surface_alt}; border: 1px solid {p.border}; padding: {SPACE["s"]}px;
    border-radius: {RADIUS["s"]}px; }}
*[role="chip"] {{ background: {p.surface_alt}; padding: 2px {SPACE["s"]}px; border-radius: 8px; }}
QFrame#header {{ background: {p.header}; }}
QFrame#header QLabel {{ color: {p.on_header}; }}
QFrame#header QLabel#brand {{ font-size: {TYPE["brand"]}px; font-weight: bold; }}
QFrame#messageBar {{ background: {p.info_bg}; border-bottom: 1px solid {p.border}; }}
QFrame#messageBar QLabel {{ color: {p.info_text}; }}
QFrame#messageBar[level="warning"] {{ background: {p.warning_bg}; }}
QFrame#messageBar[level="warning"] QLabel {{ color: {p.warning_text}; }}
QFrame#messageBar[level="error"] {{ background: {p.error_bg}; }}
QFrame#messageBar[level="error"] QLabel {{ color: {p.error_text}; }}
QFrame#requestsBanner, QFrame#paymentRow {{
    background: {p.banner_bg}; border-top: 1px solid {p.banner_border}; }}
QFrame#requestsBanner QLabel, QFrame#paymentRow QLabel {{ color: {p.text}; }}
QFrame#paymentRow {{ border: 1px solid {p.banner_border}; border-radius: {RADIUS["m"]}px; }}
QFrame#paymentRow[status="paid"] {{ background: {p.success_bg}; border-color: {p.border}; }}
QFrame#paymentRow[status="refunded"] {{ background: {p.surface_alt}; border-color: {p.border}; }}
QFrame#callEndBanner, QFrame#waitingBanner {{ background: {p.info_bg}; border-bottom: 1px solid {p.border}; }}
QFrame#callEndBanner QLabel, QFrame#waitingBanner QLabel {{ color: {p.info_text}; font-weight: bold; }}
QFrame#uploadRow {{ background: {p.surface_alt}; border-radius: {RADIUS["m"]}px; }}
QFrame#requestRow {{ border-bottom: 1px solid {p.border}; }}
QWidget#conversationHeader {{ border-bottom: 1px solid {p.border}; }}
QFrame#bubble {{ background: {p.surface_alt}; border-radius: {RADIUS["l"]}px; }}
QFrame#bubble[mine="true"] {{ background: {p.mine}; }}
QFrame#bubble[system="true"] {{ background: transparent; }}
QFrame#bubble QLabel {{ color: {p.text}; }}
QFrame#bubble QLabel[role="small"], QFrame#bubble QLabel[role="italic"] {{ color: {p.muted}; }}
QToolButton#roundButton {{ border-radius: 24px; font-size: {TYPE["plus"]}px; font-weight: bold;
    background: {p.primary}; color: {p.on_primary}; border: {FOCUS_WIDTH}px solid {p.primary}; }}
QToolButton#roundButton:focus {{ border: {FOCUS_WIDTH + 1}px solid {p.focus}; }}
QToolButton#roundButton::menu-indicator {{ image: none; width: 0; }}
QPushButton {{ background: {p.surface}; color: {p.text}; border: 1px solid {p.border};
    border-radius: {RADIUS["s"]}px; padding: {SPACE["xs"]}px {SPACE["m"]}px; min-height: 18px; }}
QPushButton:hover {{ background: {p.surface_alt}; }}
QPushButton:pressed, QPushButton:checked {{ background: {p.border}; }}
QPushButton:disabled {{ color: {p.muted}; background: {p.window}; }}
QPushButton:default {{ border-color: {p.primary}; }}
QPushButton:focus {{ border: {ring}; padding: {SPACE["xs"] - 1}px {SPACE["m"] - 1}px; }}
QPushButton::menu-indicator {{ subcontrol-origin: padding; subcontrol-position: right center;
    right: {SPACE["xs"]}px; }}
QPushButton[hasMenu="true"] {{ padding-right: {SPACE["xl"]}px; }}
QToolButton {{ background: transparent; color: {p.text}; border: 1px solid transparent;
    border-radius: {RADIUS["s"]}px; padding: 3px; }}
QToolButton:hover {{ background: {p.surface_alt}; border-color: {p.border}; }}
QToolButton:pressed, QToolButton:checked {{ background: {p.border}; }}
QToolButton:focus {{ border: {ring}; padding: 2px; }}
QToolButton[popupMode="2"] {{ padding-right: {SPACE["l"] + SPACE["xs"]}px; }}
QToolButton[popupMode="2"]:focus {{ padding-right: {SPACE["l"] + SPACE["xs"] - 1}px; }}
QToolButton[popupMode="2"]::menu-indicator {{ subcontrol-origin: padding;
    subcontrol-position: right center; right: {SPACE["xs"]}px; }}
QFrame#header QToolButton, QFrame#header QPushButton {{ color: {p.on_header}; background: transparent;
    border: 1px solid {p.on_header}; }}
QFrame#header QToolButton:hover, QFrame#header QPushButton:hover {{ background: {p.primary}; }}
QFrame#header QToolButton:focus, QFrame#header QPushButton:focus {{
    border: {FOCUS_WIDTH}px solid {p.focus_on_header}; }}
QLineEdit, QPlainTextEdit, QTextEdit {{
    background: {p.surface}; color: {p.text}; border: 1px solid {p.border}; border-radius: {RADIUS["s"]}px;
    padding: 3px; selection-background-color: {p.primary}; selection-color: {p.on_primary}; }}
QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus {{ border: {ring}; padding: 2px; }}
QLineEdit#conversationSearch {{ padding: {SPACE["s"]}px; margin: {SPACE["s"] - 2}px; }}
QLineEdit#conversationSearch:focus {{ padding: {SPACE["s"] - 1}px; }}
QTableView:focus, QListView:focus, QTreeView:focus {{ border: {ring}; }}
QWidget#callWindow {{ background: {p.call_bg}; }}
QWidget#callWindow QLabel {{ color: {p.call_text}; }}
QWidget#callWindow QLabel#callPresence, QWidget#callWindow QLabel[role="ok"] {{ color: {p.call_ok};
    font-weight: bold; }}
QWidget#callWindow QLabel#callNotice, QWidget#callWindow QLabel[role="caution"] {{ color: {p.call_warning}; }}
QWidget#callWindow QLabel[role="poor"] {{ color: {p.call_poor}; font-weight: bold; }}
QWidget#callWindow QLabel[role="muted"] {{ color: {p.call_muted}; }}
QWidget#callWindow QToolButton, QWidget#callWindow QPushButton {{ background: {p.call_button};
    color: {p.call_text}; padding: {SPACE["s"]}px 14px; border-radius: {RADIUS["m"]}px;
    border: {FOCUS_WIDTH}px solid {p.call_button}; }}
QWidget#callWindow QToolButton:hover, QWidget#callWindow QPushButton:hover {{
    background: {p.call_button_hover}; border-color: {p.call_button_hover}; }}
QWidget#callWindow QToolButton[role="switch"]:!checked {{
    background: {p.call_danger}; border-color: {p.call_danger}; }}
QWidget#callWindow QPushButton#callHangup {{ background: {p.call_danger}; border-color: {p.call_danger};
    padding: {SPACE["s"]}px 18px; }}
QWidget#callWindow QToolButton#callFullscreen {{ background: transparent; border-color: transparent;
    padding: {SPACE["xs"]}px; }}
QWidget#callWindow QToolButton#callFullscreen:hover {{ background: {p.call_button_hover}; }}
QWidget#callWindow QToolButton:focus, QWidget#callWindow QPushButton:focus,
QWidget#callWindow QToolButton#callFullscreen:focus {{ border: {FOCUS_WIDTH}px solid {p.call_focus}; }}
QWidget#callWindow QToolButton[popupMode="2"] {{ padding-right: {SPACE["xl"]}px; }}
QDialog#pdfViewer QScrollArea {{ background: {p.surface_alt}; }}
"""
    return rules


def qpalette(p: Palette) -> QPalette:
    """The Fusion palette from the tokens (what the QSS does not name)."""
    palette = QPalette()
    role = QPalette.ColorRole
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        for key, value in (
            (role.Window, p.window),
            (role.WindowText, p.text),
            (role.Base, p.surface),
            (role.AlternateBase, p.surface_alt),
            (role.Text, p.text),
            (role.Button, p.surface_alt),
            (role.ButtonText, p.text),
            (role.ToolTipBase, p.surface),
            (role.ToolTipText, p.text),
            (role.PlaceholderText, p.muted),
            (role.Highlight, p.primary),
            (role.HighlightedText, p.on_primary),
            (role.Link, p.primary),
            (role.BrightText, p.on_primary),
            (role.Mid, p.border),
            (role.Dark, p.border),
        ):
            palette.setColor(group, key, QColor(value))
    disabled = QPalette.ColorGroup.Disabled
    for key, value in (
        (role.Window, p.window),
        (role.Base, p.window),
        (role.Button, p.window),
        (role.WindowText, p.muted),
        (role.Text, p.muted),
        (role.ButtonText, p.muted),
    ):
        palette.setColor(disabled, key, QColor(value))
    return palette


def system_scheme() -> Scheme:
    hints = QGuiApplication.styleHints()
    return Scheme.DARK if hints.colorScheme() == Qt.ColorScheme.Dark else Scheme.LIGHT


class Theme(QObject):
    """Applies the palette and QSS to the app and follows the system's light/dark choice."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._app = app
        self.scheme = Scheme.LIGHT
        app.setStyle("Fusion")  # the one style whose colours follow the palette on every platform
        app.styleHints().colorSchemeChanged.connect(self._on_color_scheme_changed)
        self.apply(system_scheme())

    @property
    def palette(self) -> Palette:
        return PALETTES[self.scheme]

    def apply(self, scheme: Scheme) -> None:
        self.scheme = scheme
        palette = PALETTES[scheme]
        self._app.setPalette(qpalette(palette))
        self._app.setStyleSheet(stylesheet(palette))

    def _on_color_scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        self.apply(Scheme.DARK if scheme == Qt.ColorScheme.Dark else Scheme.LIGHT)


def current_palette() -> Palette:
    """The palette in force (light before the theme is installed)."""
    app = QApplication.instance()
    theme = app.findChild(Theme) if app is not None else None
    return theme.palette if isinstance(theme, Theme) else LIGHT


def install_theme(app: QApplication) -> Theme:
    """The app's one `Theme` (created on first call)."""
    existing = app.findChild(Theme)
    return existing if isinstance(existing, Theme) else Theme(app)
