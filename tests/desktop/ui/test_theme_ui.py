"""Issue 12 item 15: one stylesheet from design tokens, WCAG AA in light and dark, following the system."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QVBoxLayout, QWidget

from contracts.wire.invitations import InvitationPublic
from desktop.ui.icons import icon
from desktop.ui.pages.invitations_page import InvitationsPage
from desktop.ui.theme import (
    DARK,
    FOCUS_PAIRS,
    LIGHT,
    PALETTES,
    TEXT_PAIRS,
    Palette,
    Scheme,
    Theme,
    contrast,
    install_theme,
    stylesheet,
)

UI = Path(__file__).resolve().parents[3] / "desktop" / "ui"


@pytest.fixture
def theme() -> Iterator[Theme]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    installed = install_theme(app)
    yield installed
    installed.apply(Scheme.LIGHT)


@pytest.mark.parametrize("palette", [LIGHT, DARK], ids=["light", "dark"])
def test_every_text_colour_on_its_background_meets_wcag_aa(palette: Palette) -> None:
    weak = {
        (fg, bg): round(contrast(getattr(palette, fg), getattr(palette, bg)), 2)
        for fg, bg in TEXT_PAIRS
        if contrast(getattr(palette, fg), getattr(palette, bg)) < 4.5
    }
    assert not weak
    rings = {
        (fg, bg): round(contrast(getattr(palette, fg), getattr(palette, bg)), 2)
        for fg, bg in FOCUS_PAIRS
        if contrast(getattr(palette, fg), getattr(palette, bg)) < 3
    }
    assert not rings


def test_the_contrast_formula_matches_wcag() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48  # the classic « just fails AA » grey
    assert contrast("#1565c0", "#1565c0") == 1


def test_every_colour_in_the_stylesheet_is_a_token() -> None:
    for palette in (LIGHT, DARK):
        tokens = {value.lower() for value in vars(palette).values()}
        used = {c.lower() for c in re.findall(r"#[0-9a-fA-F]{6}\b", stylesheet(palette))}
        assert used <= tokens, used - tokens


def test_no_widget_carries_its_own_colours() -> None:
    """Colours live in theme.py only: no per-widget setStyleSheet, no hex colour elsewhere in the UI
    (the video surface paints its own black frame; that is the picture, not the chrome)."""
    offenders = []
    for path in UI.rglob("*.py"):
        if path.name == "theme.py":
            continue
        text = path.read_text(encoding="utf-8")
        if ".setStyleSheet(" in text:
            offenders.append(f"{path.name}: setStyleSheet")
        colours = re.findall(r"[\"']#[0-9a-fA-F]{6}[\"']", text)
        if colours and path.name not in {"video_surface.py", "status_indicator.py"}:
            offenders.append(f"{path.name}: {colours}")
    assert not offenders


def test_the_theme_follows_the_system_scheme(theme: Theme) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    hints = app.styleHints()
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert theme.scheme is Scheme.DARK
    assert app.palette().color(QPalette.ColorRole.Window) == QColor(DARK.window)
    assert DARK.surface in app.styleSheet()
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert theme.scheme is Scheme.LIGHT
    assert app.palette().color(QPalette.ColorRole.Window) == QColor(LIGHT.window)
    assert install_theme(app) is theme  # one theme for the app


@pytest.mark.parametrize("scheme", [Scheme.LIGHT, Scheme.DARK], ids=["light", "dark"])
def test_the_focus_ring_is_drawn_in_the_focus_colour(theme: Theme, scheme: Scheme, qtbot: object) -> None:
    theme.apply(scheme)
    ring = QColor(PALETTES[scheme].focus)
    host = QWidget()
    column = QVBoxLayout(host)
    button = QPushButton("Envoyer", host)
    edit = QLineEdit(host)
    column.addWidget(button)
    column.addWidget(edit)
    host.show()
    QApplication.processEvents()
    for widget, other in ((button, edit), (edit, button)):
        other.setFocus(Qt.FocusReason.TabFocusReason)
        QApplication.processEvents()
        before = _count(widget, ring)
        widget.setFocus(Qt.FocusReason.TabFocusReason)
        QApplication.processEvents()
        assert QApplication.focusWidget() is widget
        after = _count(widget, ring)
        assert before == 0 and after >= 2 * (widget.width() + widget.height()), (widget, before, after)
    host.deleteLater()


def _count(widget: QWidget, colour: QColor) -> int:
    widget.update()
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    target = colour.rgb()
    return sum(1 for x in range(image.width()) for y in range(image.height()) if image.pixel(x, y) == target)


@pytest.mark.parametrize("scheme", [Scheme.LIGHT, Scheme.DARK], ids=["light", "dark"])
@pytest.mark.parametrize("name", ["paperclip", "camera", "search"])
def test_line_icons_stay_visible_in_both_schemes(theme: Theme, scheme: Scheme, name: str) -> None:
    theme.apply(scheme)
    image = icon(name).pixmap(22, 22).toImage()
    strokes = Counter(
        QColor(image.pixel(x, y)).name()
        for x in range(image.width())
        for y in range(image.height())
        if QColor.fromRgba(image.pixel(x, y)).alpha() == 255
    )
    assert strokes, name
    stroke = strokes.most_common(1)[0][0]
    palette = PALETTES[scheme]
    for background in (palette.surface, palette.window):
        assert contrast(stroke, background) >= 3, (name, scheme, stroke, background)


def test_invitation_statuses_take_the_new_scheme_colours(theme: Theme, qtbot: object) -> None:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    accepted = InvitationPublic(
        id="i1",
        first_name="Hélène",
        last_name="Dupont",
        email="helene@exemple.fr",
        phone=None,
        channel="email",
        status="accepted",
        status_label="acceptée",
        created_at=now,
        sent_at=now,
        expires_at=now,
        accepted_at=now,
        conversation_id="c1",
        delivery_error=None,
    )
    page = InvitationsPage()
    page.show()
    page.show_invitations([accepted])
    status = page.table.item(0, 3)
    assert status is not None and status.foreground().color() == QColor(LIGHT.success_text)
    theme.apply(Scheme.DARK)
    QApplication.processEvents()  # the palette change reaches the widgets as an event
    status = page.table.item(0, 3)
    assert status is not None and status.foreground().color() == QColor(DARK.success_text)
    page.deleteLater()
