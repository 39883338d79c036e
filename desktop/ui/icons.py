"""The app's icons (SVG in resources/icons): no emoji, which many Linux desktops cannot draw.

The one-colour line icons (`TINTED`) are drawn in the theme's muted text colour at paint time, so
they stay visible in the dark scheme too (#37474f on the dark surface was 1.6:1) and follow a
scheme change without being set again.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRect, QSize
from PySide6.QtGui import QIcon, QIconEngine, QImageReader, QPainter, QPixmap

from desktop.ui.theme import current_palette

ICONS = Path(__file__).resolve().parents[2] / "resources" / "icons"
# Line icons drawn in one colour (the `stroke` of the file), recoloured with the theme.
TINTED = frozenset({"camera", "paperclip", "search"})
_STROKE = re.compile(r'stroke="(#[0-9a-fA-F]{6})"')


class _TintedIconEngine(QIconEngine):
    """Renders `name`'s SVG with its stroke colour replaced by the current palette's muted colour."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self._name = name

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        colour = current_palette().muted if mode != QIcon.Mode.Disabled else current_palette().border
        return QPixmap(_tinted(self._name, colour, size.width(), size.height()))

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        side = min(rect.width(), rect.height())
        image = self.pixmap(QSize(side, side), mode, state)
        painter.drawPixmap(
            QPoint(rect.x() + (rect.width() - side) // 2, rect.y() + (rect.height() - side) // 2), image
        )

    def clone(self) -> QIconEngine:
        return _TintedIconEngine(self._name)


@cache
def _tinted(name: str, colour: str, width: int, height: int) -> QPixmap:
    svg = _STROKE.sub(f'stroke="{colour}"', (ICONS / f"{name}.svg").read_text(encoding="utf-8"))
    buffer = QBuffer()
    buffer.setData(QByteArray(svg.encode("utf-8")))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer, QByteArray(b"svg"))
    reader.setScaledSize(QSize(width, height))  # drawn at the size asked, not scaled from 24 px
    return QPixmap.fromImage(reader.read())


@cache
def icon(name: str) -> QIcon:
    """`resources/icons/<name>.svg` as an icon (an empty icon when missing)."""
    path = ICONS / f"{name}.svg"
    if not path.exists():
        return QIcon()
    return QIcon(_TintedIconEngine(name)) if name in TINTED else QIcon(str(path))


def pixmap(name: str, size: int = 20) -> QPixmap:
    return icon(name).pixmap(size, size)
