"""The app's icons (SVG in resources/icons): no emoji, which many Linux desktops cannot draw."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon, QPixmap

ICONS = Path(__file__).resolve().parents[2] / "resources" / "icons"


@cache
def icon(name: str) -> QIcon:
    """`resources/icons/<name>.svg` as an icon (an empty icon when missing)."""
    path = ICONS / f"{name}.svg"
    return QIcon(str(path)) if path.exists() else QIcon()


def pixmap(name: str, size: int = 20) -> QPixmap:
    return icon(name).pixmap(size, size)
