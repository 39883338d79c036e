"""The round **+** button at the bottom right, with its menu."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QToolButton, QWidget


class RoundButton(QToolButton):
    """A circular tool button showing its menu on click (keyboard: Space or Enter)."""

    def __init__(self, text: str, parent: QWidget | None = None, diameter: int = 48) -> None:
        super().__init__(parent)
        self.setObjectName("roundButton")
        self.setText(text)
        self.setFixedSize(QSize(diameter, diameter))
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        # Colours, font and focus ring come from the theme (`QToolButton#roundButton`).
