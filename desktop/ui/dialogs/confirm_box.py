"""A yes/no question before an action that cannot be undone (refunding a payment, cancelling an invitation).

Opened window-modal with `open()` and awaited through a future: never `exec()`, which would run
a nested event loop inside the qasync loop (docs/decisions-desktop.md). The default button is
« Annuler », so Enter never confirms by accident.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from desktop.ui.dialogs.run import run_dialog


class ConfirmBox(QMessageBox):
    """« Rembourser 25,00 € à Hélène Dupont ? » with the action's own verb on the button."""

    def __init__(self, parent: QWidget | None, title: str, text: str, action: str, keep: str = "") -> None:
        super().__init__(parent)
        self.setIcon(QMessageBox.Icon.Question)
        self.setWindowTitle(title)
        self.setTextFormat(Qt.TextFormat.PlainText)  # the text names a patient: shown as written
        self.setText(text)
        self.confirm: QPushButton = self.addButton(action, QMessageBox.ButtonRole.AcceptRole)
        self.cancel: QPushButton = self.addButton(
            keep or self.tr("Annuler"), QMessageBox.ButtonRole.RejectRole
        )
        self.setDefaultButton(self.cancel)
        self.setEscapeButton(self.cancel)

    @classmethod
    async def ask(cls, parent: QWidget | None, title: str, text: str, action: str, keep: str = "") -> bool:
        """True when the practitioner chose `action` (`keep`: the other button, « Annuler » by default)."""
        box = cls(parent, title, text, action, keep)
        try:
            await run_dialog(box)
            return box.clickedButton() is box.confirm
        finally:
            box.deleteLater()
