"""The note d'honoraires shown before it is sent: a legal document, read, then « Envoyer » or « Modifier ».

The preview is the note's text (`FeeNote.summary`: the same lines, totals and payment part as its
PDF), read-only and reachable by keyboard and screen reader; the number is given by the server
when the note is sent, so it reads « attribué à l'envoi ». Opened with `open()` and awaited
(`run_dialog`), never `exec()`. « Modifier » is the default and Échap's button: Entrée never sends
a legal document by accident.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.billing.fee_notes import FeeNote
from desktop.ui.dialogs.run import run_dialog
from desktop.ui.widgets.plain_text import PlainLabel


class NotePreviewDialog(QDialog):
    """« Aperçu de la note d'honoraires »."""

    def __init__(self, note: FeeNote, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notePreview")
        self.setWindowTitle(self.tr("Aperçu de la note d'honoraires"))
        self.resize(560, 560)
        column = QVBoxLayout(self)
        intro = PlainLabel(
            self.tr("Vérifiez la note avant de l'envoyer au patient : elle ne se modifie plus ensuite."),
            self,
        )
        intro.setWordWrap(True)
        column.addWidget(intro)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setObjectName("notePreviewText")
        self.text.setAccessibleName(self.tr("Contenu de la note d'honoraires"))
        self.text.setPlainText(note.summary(self.tr("attribué à l'envoi")))
        column.addWidget(self.text, 1)
        buttons = QDialogButtonBox(self)
        role = QDialogButtonBox.ButtonRole
        self.send: QPushButton = buttons.addButton(self.tr("Envoyer"), role.AcceptRole)
        self.edit: QPushButton = buttons.addButton(self.tr("Modifier"), role.RejectRole)
        self.send.setToolTip(self.tr("Numéroter la note et l'envoyer dans la conversation"))
        self.edit.setToolTip(self.tr("Revenir à la feuille de soins sans rien envoyer"))
        self.edit.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column.addWidget(buttons)
        self.text.setFocus()

    @classmethod
    async def ask(cls, parent: QWidget | None, note: FeeNote) -> bool:
        """True when the practitioner chose « Envoyer »."""
        dialog = cls(note, parent)
        try:
            return await run_dialog(dialog) == QDialog.DialogCode.Accepted.value
        finally:
            dialog.deleteLater()
