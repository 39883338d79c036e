"""The message box: Enter sends, Shift+Enter starts a new line."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QWidget


class MessageEditor(QPlainTextEdit):
    """A multi-line editor whose Enter key means « Envoyer »."""

    send_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageEditor")
        self.setPlaceholderText(self.tr("Écrire un message…"))
        self.setAccessibleName(self.tr("Message"))
        self.setAccessibleDescription(self.tr("Entrée pour envoyer, Maj+Entrée pour aller à la ligne."))
        self.setTabChangesFocus(True)  # Tab moves on; it never inserts a tab character
        self.setFixedHeight(72)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")
                return
            if not (
                event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
            ):
                self.submit()
                return
        super().keyPressEvent(event)

    def submit(self) -> None:
        text = self.toPlainText()
        if text.strip():
            self.send_requested.emit(text)

    def insert_snippet(self, text: str) -> None:
        """Append a help link on its own line, after what is already written."""
        cursor = self.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        if self.toPlainText() and not self.toPlainText().endswith("\n"):
            cursor.insertText("\n")
        cursor.insertText(text)
        self.setTextCursor(cursor)
        self.setFocus()
