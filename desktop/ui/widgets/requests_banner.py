"""The bottom banner « N demande(s) de mise en relation » with its **Voir** button."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QWidget

from desktop.ui.widgets.plain_text import PlainLabel


class RequestsBanner(QFrame):
    """Hidden when there is no pending request."""

    view_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("requestsBanner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        self.label = PlainLabel(self)
        self.view_button = QPushButton(self.tr("Voir"), self)
        self.view_button.setAccessibleName(self.tr("Voir les demandes de mise en relation"))
        self.view_button.clicked.connect(self.view_requested)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.view_button)
        self.set_count(0)

    def set_count(self, count: int) -> None:
        text = (
            self.tr("1 demande de mise en relation")
            if count == 1
            else self.tr("%1 demandes de mise en relation").replace("%1", str(count))
        )
        self.label.setText(text)
        self.setAccessibleName(text)
        self.setVisible(count > 0)
