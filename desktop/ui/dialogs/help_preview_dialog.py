"""« Aide patient » during a call: the message as the patient will get it, sent only on « Envoyer »."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from desktop.ui.theme import set_role
from desktop.ui.widgets.message_text import MessageText
from desktop.ui.widgets.plain_text import PlainLabel


class HelpPreviewDialog(QDialog):
    """Opened with `open()` (never `exec()`): `accepted` means « send it », anything else cancels."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Aperçu du message d'aide"))
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        intro = PlainLabel(self.tr("Ce message sera envoyé au patient dans la conversation :"), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.message = MessageText(text, self)
        self.message.setWordWrap(True)
        set_role(self.message, "preview")
        self.message.setAccessibleName(self.tr("Aperçu : %1").replace("%1", text))
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(self)
        self.send_button = self.buttons.addButton(
            self.tr("Envoyer au patient"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(self.tr("Annuler"), QDialogButtonBox.ButtonRole.RejectRole)
        self.send_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.send_button.setFocus()
