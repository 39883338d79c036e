"""Where the `Messages` bridge speaks: a dismissible line floating over the top of the main content.

It floats over its anchor instead of taking a place in the layout: a bar that appears or hides by
itself must not move what sits under the practitioner's mouse (issue 12 item 5: a click meant for
one invitation hit the next one when the bar faded).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QToolButton, QWidget

from desktop.kernel.messages import Level, UserMessage
from desktop.ui.widgets.plain_text import PlainLabel

_LEVELS = {Level.INFO: "info", Level.WARNING: "warning", Level.ERROR: "error"}


class MessageBar(QFrame):
    """Shows the latest message; information fades after 6 s, warnings and errors stay until closed.

    `anchor` is the widget it covers the top of (same parent as the bar); the bar follows its
    geometry and is raised above it.
    """

    def __init__(self, anchor: QWidget) -> None:
        super().__init__(anchor.parentWidget())
        self.setObjectName("messageBar")
        self.setProperty("level", "info")
        self.setAutoFillBackground(True)
        self._anchor = anchor
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        self.label = PlainLabel(self)
        self.label.setObjectName("messageText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton(self)
        close.setText("✕")
        close.setAccessibleName(self.tr("Fermer le message"))
        close.clicked.connect(self.hide)
        layout.addWidget(self.label, 1)
        layout.addWidget(close)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        anchor.installEventFilter(self)
        self.hide()

    def show_message(self, message: UserMessage) -> None:
        self.setProperty("level", _LEVELS[message.level])
        self.style().unpolish(self)  # the theme's QSS picks the colours by the `level` property
        self.style().polish(self)
        self.label.setText(message.text)
        self.setAccessibleName(message.text)
        self._place()
        self.show()
        self.raise_()
        if message.level is Level.INFO:
            self._timer.start(6000)
        else:
            self._timer.stop()

    @property
    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._anchor and event.type() in (QEvent.Type.Resize, QEvent.Type.Move):
            self._place()
        return False

    def _place(self) -> None:
        anchor = self._anchor.geometry()
        height = self.heightForWidth(anchor.width())  # the wrapped text's height at this width
        self.setGeometry(
            anchor.x(), anchor.y(), anchor.width(), height if height > 0 else self.sizeHint().height()
        )
