"""Where the `Messages` bridge speaks: a dismissible line at the top of the main window."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QToolButton, QWidget

from desktop.kernel.messages import Level, UserMessage
from desktop.ui.widgets.plain_text import PlainLabel

_STYLES = {
    Level.INFO: "background: #e3f2fd; color: #0d47a1;",
    Level.WARNING: "background: #fff3e0; color: #e65100;",
    Level.ERROR: "background: #ffebee; color: #b71c1c;",
}


class MessageBar(QFrame):
    """Shows the latest message; information fades after 6 s, warnings and errors stay until closed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        self.label = PlainLabel(self)
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
        self.hide()

    def show_message(self, message: UserMessage) -> None:
        self.setStyleSheet(f"QFrame#messageBar {{ {_STYLES[message.level]} }}")
        self.label.setText(message.text)
        self.setAccessibleName(message.text)
        self.show()
        if message.level is Level.INFO:
            self._timer.start(6000)
        else:
            self._timer.stop()

    @property
    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""
