"""The note d'honoraires shown before it is sent: a legal document, read, then « Envoyer » or « Modifier ».

The preview is the note's real PDF, drawn by the renderer that draws the sent note
(`FeeNoteService.preview_pdf`), marked « APERÇU — non envoyé » and numbered « attribué à
l'envoi » (the server gives the number when the note is sent). Its pages are rendered by
`PdfPreviewService` off the GUI thread and shown by the in-app PDF viewer (`PdfViewerDialog`:
Page suivante / Page précédente, Ctrl++ / Ctrl+- / Ctrl+0). Under the page, the note's text
(`FeeNote.summary`), read-only, is what a screen reader reads. Opened with `open()` and awaited
(`run_dialog`), never `exec()`. « Modifier » is the default and Échap's button: Entrée never sends
a legal document by accident.
"""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.billing.fee_notes import FeeNote
from desktop.services.pdf_preview import PdfPreviewError, PdfPreviewService
from desktop.ui.dialogs.pdf_viewer_dialog import PdfViewerDialog
from desktop.ui.dialogs.run import run_dialog
from desktop.ui.widgets.plain_text import PlainLabel


class NotePreviewDialog(PdfViewerDialog):
    """« Aperçu de la note d'honoraires »: the PDF's pages, the note's text, « Envoyer » / « Modifier »."""

    def __init__(self, note: FeeNote, pdf: bytes, parent: QWidget | None = None) -> None:
        super().__init__("", parent)  # title and accessible name set below, translated
        self.pdf = pdf
        self.setObjectName("notePreview")
        self.setWindowTitle(self.tr("Aperçu de la note d'honoraires"))
        self.setAccessibleName(self.tr("Aperçu de la note d'honoraires"))
        self.resize(760, 900)
        self.external.hide()  # the preview is never written to a file: nothing to open elsewhere
        column = self.layout()
        assert isinstance(column, QVBoxLayout)
        intro = PlainLabel(
            self.tr(
                "Vérifiez la note avant de l'envoyer au patient : elle ne se modifie plus ensuite. "
                "Son numéro lui est attribué à l'envoi."
            ),
            self,
        )
        intro.setWordWrap(True)
        column.insertWidget(0, intro)
        self.page.setAccessibleDescription(self.tr("Aperçu de la note d'honoraires, non envoyée"))
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setObjectName("notePreviewText")
        self.text.setAccessibleName(self.tr("Contenu de la note d'honoraires"))
        self.text.setPlainText(note.summary(self.tr("attribué à l'envoi")))
        self.text.setMaximumHeight(160)
        column.addWidget(self.text)
        buttons = QDialogButtonBox(self)
        role = QDialogButtonBox.ButtonRole
        self.send: QPushButton = buttons.addButton(self.tr("Envoyer"), role.AcceptRole)
        self.edit: QPushButton = buttons.addButton(self.tr("Modifier"), role.RejectRole)
        self.send.setToolTip(self.tr("Numéroter la note et l'envoyer dans la conversation"))
        self.edit.setToolTip(self.tr("Revenir à la feuille de soins sans rien envoyer"))
        for button in (self.previous, self.next, self.zoom_out, self.zoom_in):
            button.setAutoDefault(False)  # Entrée is « Modifier »'s, whatever has the focus
        self.edit.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column.addWidget(buttons)
        self._pages = PdfPreviewService()
        self._tasks: set[asyncio.Task[None]] = set()
        self._wanted = (0, self.zoom)
        self.page_requested.connect(self._request)
        self.text.setFocus()

    # ---------------------------------------------------------------- pages, off the GUI thread
    def _request(self, index: int, zoom: float) -> None:
        self._wanted = (index, zoom)
        task = asyncio.ensure_future(self._load(index, zoom))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _load(self, index: int, zoom: float) -> None:
        try:
            page = await self._pages.page(self.pdf, index, zoom)
        except PdfPreviewError as exc:
            self.show_error(exc.message)
            return
        if self._wanted == (index, zoom):  # a later request (zoom, next page) wins
            self.show_page(page)

    def stop(self) -> None:
        """Cancel the renders still running (the dialog is closing)."""
        for task in list(self._tasks):
            task.cancel()

    @classmethod
    async def ask(cls, parent: QWidget | None, note: FeeNote, pdf: bytes) -> bool:
        """True when the practitioner chose « Envoyer »; the first page is rendered as the dialog opens."""
        dialog = cls(note, pdf, parent)
        dialog._request(0, dialog.zoom)
        try:
            return await run_dialog(dialog) == QDialog.DialogCode.Accepted.value
        finally:
            dialog.stop()
            dialog.deleteLater()
