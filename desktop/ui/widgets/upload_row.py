"""A document waiting or being sent: name, progress bar, « Annuler »."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QProgressBar, QPushButton, QWidget

from contracts.fr_format import file_size
from desktop.domain.outbox_item import OutboxItem
from desktop.ui.widgets.plain_text import PlainLabel


class UploadRow(QFrame):
    """Shown at the bottom of the conversation until the server has the document."""

    cancel_requested = Signal(str)  # outbox item id

    def __init__(self, item: OutboxItem, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item = item
        self.setObjectName("uploadRow")
        layout = QHBoxLayout(self)
        self.label = PlainLabel(f"{item.filename}  ({file_size(item.size)})", self)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, max(1, item.size))
        self.bar.setValue(0)
        self.bar.setFormat(self.tr("En attente de connexion"))
        self.bar.setAccessibleName(self.tr("Envoi de %1").replace("%1", item.filename))
        self.cancel = QPushButton(self.tr("Annuler"), self)
        self.cancel.setAccessibleName(self.tr("Annuler l'envoi de %1").replace("%1", item.filename))
        self.cancel.clicked.connect(lambda: self.cancel_requested.emit(self.item.id))
        layout.addWidget(self.label, 1)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel)

    def set_progress(self, sent: int, total: int) -> None:
        self.bar.setRange(0, max(1, total))
        self.bar.setValue(min(sent, total))
        self.bar.setFormat(self.tr("%p % envoyés"))

    @property
    def fraction(self) -> float:
        return self.bar.value() / max(1, self.bar.maximum())
