"""One message: text (or a document card), time, and read marks ✓ / ✓✓ on the practitioner's side."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from contracts.fr_format import clock_time
from contracts.wire.conversations import MessagePublic
from desktop.domain.outbox_item import OutboxItem
from desktop.ui.theme import set_role
from desktop.ui.widgets.attachment_card import AttachmentCard
from desktop.ui.widgets.message_text import MessageText
from desktop.ui.widgets.plain_text import PlainLabel

BUBBLE_WIDTH = 560


class MessageBubble(QWidget):
    """Aligned right for the practitioner, left for the patient, centred for the system."""

    def __init__(
        self, message: MessagePublic | None, pending: OutboxItem | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.message = message
        self.pending = pending
        self.card: AttachmentCard | None = None
        mine = pending is not None or (message is not None and message.sender_role == "practitioner")
        system = message is not None and (message.sender_role == "system" or message.kind == "system")
        self.system = system
        outer = QHBoxLayout(self)
        outer.setContentsMargins(8, 2, 8, 2)
        self.frame = QFrame(self)
        self.frame.setObjectName("bubble")
        self.frame.setProperty("mine", mine)  # the theme colours the bubble
        self.frame.setProperty("system", system)
        self.frame.setMaximumWidth(BUBBLE_WIDTH)
        inner = QVBoxLayout(self.frame)
        inner.setContentsMargins(10, 6, 10, 6)
        attachment = message.attachment if message is not None else None
        if attachment is not None:
            self.card = AttachmentCard(attachment, self.frame)
            inner.addWidget(self.card)
        else:
            body = message.body if message is not None else (pending.body if pending else "")
            self.text = MessageText(body, self.frame)  # escaped; only http(s) addresses are links
            self.text.setWordWrap(True)
            # A wrapped QLabel in a stretching row shrinks to a few words per line: give it the
            # width of its longest line, within the bubble's maximum.
            metrics = self.text.fontMetrics()
            natural = max((metrics.horizontalAdvance(line) for line in body.splitlines()), default=0)
            self.text.setMinimumWidth(min(natural + 6, BUBBLE_WIDTH - 24))
            if system:  # « Hélène Dupont a réglé la téléconsultation du … »: centred, muted, no bubble
                self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
                self.text.setObjectName("systemMessage")
                set_role(self.text, "italic")
            inner.addWidget(self.text)
        self.meta = PlainLabel(self.frame)
        set_role(self.meta, "small")
        self.meta.setAlignment(Qt.AlignmentFlag.AlignRight)
        inner.addWidget(self.meta)
        if system:
            outer.addStretch(1)
            outer.addWidget(self.frame)
            outer.addStretch(1)
        elif mine:
            outer.addStretch(1)
            outer.addWidget(self.frame)
        else:
            outer.addWidget(self.frame)
            outer.addStretch(1)
        self.set_read(False)

    @property
    def mark(self) -> str:
        """'' (patient's or system message), '◷' pending, '✓' stored, '✓✓' read by the patient."""
        text = self.meta.text()
        for candidate in ("✓✓", "✓", "◷"):
            if text.endswith(candidate):
                return candidate
        return ""

    def set_read(self, read: bool) -> None:
        if self.pending is not None:
            self.meta.setText(self.tr("en attente d'envoi ◷"))
            self.setAccessibleName(
                self.tr("Message en attente d'envoi : %1").replace("%1", self.pending.body)
            )
            return
        assert self.message is not None
        time_text = clock_time(self.message.created_at)
        if self.message.sender_role == "practitioner":
            mark = "✓✓" if read else "✓"
            self.meta.setText(f"{time_text} {mark}")
            self.meta.setToolTip(self.tr("Lu par le patient") if read else self.tr("Envoyé"))
            state = self.tr("lu") if read else self.tr("envoyé")
            self.setAccessibleName(self.tr("Vous, %1, %2").replace("%1", time_text).replace("%2", state))
        elif self.system:
            self.meta.setText(time_text)
            self.meta.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.setAccessibleName(
                self.tr("Information, %1 : %2").replace("%1", time_text).replace("%2", self.message.body)
            )
        else:
            self.meta.setText(time_text)
            self.setAccessibleName(self.tr("Patient, %1").replace("%1", time_text))
