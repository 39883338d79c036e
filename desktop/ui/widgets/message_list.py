"""The scrolling column of a conversation: day separators, messages, then what waits to be sent.

Widgets are reused by key between updates (a new message adds one bubble, it does not rebuild
the conversation), and the view follows the bottom when the practitioner was already there.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

from contracts.clock import Clock, paris_day
from contracts.fr_format import day_label
from contracts.wire.conversations import MessagePublic
from desktop.domain.outbox_item import UPLOAD, OutboxItem
from desktop.ui.theme import set_role
from desktop.ui.widgets.message_bubble import MessageBubble
from desktop.ui.widgets.plain_text import PlainLabel
from desktop.ui.widgets.upload_row import UploadRow


class DaySeparator(PlainLabel):
    """« ───── mardi 24 novembre ───── »."""

    def __init__(self, day: date, today: date, parent: QWidget | None = None) -> None:
        super().__init__(f"───────  {day_label(day, today)}  ───────", parent)
        self.day = day
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        set_role(self, "muted")
        self.setAccessibleName(day_label(day, today))


class MessageList(QScrollArea):
    """Renders messages and pending items; forwards the cards' intents."""

    open_requested = Signal(object)  # Attachment
    save_requested = Signal(object)  # Attachment
    thumbnail_needed = Signal(object)  # Attachment
    cancel_upload_requested = Signal(str)
    load_older_requested = Signal()

    def __init__(self, clock: Clock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.clock = clock
        self.setObjectName("messageList")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAccessibleName(self.tr("Messages de la conversation"))
        self.container = QWidget(self)
        self.column = QVBoxLayout(self.container)
        self.column.setContentsMargins(4, 8, 4, 8)
        self.column.setSpacing(2)
        self.column.addStretch(1)
        self.setWidget(self.container)
        self.hint = PlainLabel(
            self.tr("Déposez ici un PDF ou une photo pour l'envoyer au patient."), self.container
        )
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        set_role(self.hint, "hint")
        self.widgets: dict[str, QWidget] = {}
        self.bubbles: dict[str, MessageBubble] = {}
        self.uploads: dict[str, UploadRow] = {}
        self._order: list[str] = []
        self.verticalScrollBar().valueChanged.connect(self._on_scroll_value_changed)

    def set_content(
        self, messages: list[MessagePublic], other_read_seq: int, pending: list[OutboxItem]
    ) -> None:
        at_bottom = self._at_bottom()
        wanted: list[tuple[str, QWidget]] = []
        last_day: date | None = None
        today = paris_day(self.clock())
        for message in messages:
            day = paris_day(message.created_at)
            if day != last_day:
                key = f"day:{day.isoformat()}"
                wanted.append((key, self.widgets.get(key) or DaySeparator(day, today, self.container)))
                last_day = day
            bubble = self.bubbles.get(message.id)
            if bubble is None:
                bubble = self._bubble(message)
            bubble.set_read(message.sender_role == "practitioner" and message.seq <= other_read_seq)
            wanted.append((f"m:{message.id}", bubble))
        for item in pending:
            key = f"p:{item.id}"
            widget = self.widgets.get(key)
            if widget is None:
                widget = self._pending(item)
            wanted.append((key, widget))
        keys = [k for k, _ in wanted]
        if keys != self._order:
            self._relayout(wanted)
        self.hint.setVisible(not wanted)
        if at_bottom or not self._order:
            QTimer.singleShot(0, self.scroll_to_bottom)

    def _bubble(self, message: MessagePublic) -> MessageBubble:
        bubble = MessageBubble(message, parent=self.container)
        self.bubbles[message.id] = bubble
        if bubble.card is not None:
            bubble.card.open_requested.connect(self.open_requested)
            bubble.card.save_requested.connect(self.save_requested)
            if bubble.card.attachment.is_image or bubble.card.is_pdf:
                self.thumbnail_needed.emit(bubble.card.attachment)
        return bubble

    def _pending(self, item: OutboxItem) -> QWidget:
        if item.kind == UPLOAD:
            row = UploadRow(item, self.container)
            row.cancel_requested.connect(self.cancel_upload_requested)
            self.uploads[item.id] = row
            return row
        return MessageBubble(None, pending=item, parent=self.container)

    def _relayout(self, wanted: list[tuple[str, QWidget]]) -> None:
        keep = {k for k, _ in wanted}
        for key, widget in list(self.widgets.items()):
            if key not in keep:
                self.column.removeWidget(widget)
                widget.deleteLater()
                del self.widgets[key]
                if key.startswith("m:"):
                    self.bubbles.pop(key[2:], None)
                elif key.startswith("p:"):
                    self.uploads.pop(key[2:], None)
        while self.column.count() > 1:  # keep the stretch at index 0
            self.column.takeAt(1)
        for key, widget in wanted:
            self.widgets[key] = widget
            self.column.addWidget(widget)
            widget.show()
        self._order = [k for k, _ in wanted]

    def set_upload_progress(self, item_id: str, sent: int, total: int) -> None:
        row = self.uploads.get(item_id)
        if row is not None:
            row.set_progress(sent, total)

    def set_thumbnail(self, attachment_id: str, path: Path) -> None:
        for bubble in self.bubbles.values():
            if bubble.card is not None and bubble.card.attachment.id == attachment_id:
                bubble.card.set_thumbnail(path)

    def set_thumbnail_image(self, attachment_id: str, image: QImage | None) -> None:
        """A rendered first page (None: « Aperçu indisponible »)."""
        for bubble in self.bubbles.values():
            if bubble.card is not None and bubble.card.attachment.id == attachment_id:
                bubble.card.set_image(image)

    def _at_bottom(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - 24

    def scroll_to_bottom(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _on_scroll_value_changed(self, value: int) -> None:
        if value == 0 and self.verticalScrollBar().maximum() > 0:
            self.load_older_requested.emit()
