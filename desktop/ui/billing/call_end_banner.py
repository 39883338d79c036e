"""After a call: « Téléconsultation terminée (10:00 – 10:12). [Facturer cette téléconsultation] ✕ ».

Shown on the conversation page of the call that just ended, so billing is one click away when the
practitioner comes back from the call window (which closes as soon as they hang up). Dumb: the
billing controller decides when and for which conversation.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QToolButton, QWidget

from desktop.ui.widgets.plain_text import PlainLabel


class CallEndBanner(QFrame):
    """The offer to bill the call that just ended."""

    bill_requested = Signal()
    dismiss_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("callEndBanner")
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 6, 6, 6)
        self.label = PlainLabel(self)
        self.bill = QPushButton(self.tr("Facturer cette téléconsultation"), self)
        self.bill.setAccessibleName(self.tr("Facturer cette téléconsultation"))
        self.bill.clicked.connect(self.bill_requested)
        close = QToolButton(self)
        close.setText("✕")
        close.setAccessibleName(self.tr("Masquer"))
        close.clicked.connect(self.dismiss_requested)
        row.addWidget(self.label, 1)
        row.addWidget(self.bill)
        row.addWidget(close)
        self.hide()

    def offer(self, text: str) -> None:
        self.label.setText(text)
        self.setAccessibleName(text)
        self.show()
