"""Drives a `ConversationPage` with the workspace's services (smart: awaits through the TaskRunner)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QUrl
from PySide6.QtGui import QDesktopServices

from contracts.wire.conversations import AttachmentPublic, MessagePublic
from desktop.domain.errors import UserFacingError
from desktop.domain.outbox_item import OutboxItem
from desktop.services.pdf_preview import PdfPreviewError, PdfPreviewService
from desktop.services.workspace import Workspace
from desktop.ui.dialogs.open_files_dialog import OpenFilesDialog
from desktop.ui.dialogs.pdf_viewer_dialog import PdfViewerDialog, to_qimage
from desktop.ui.dialogs.save_dialog import SaveDialog, documents_folder
from desktop.ui.pages.conversation_page import ConversationPage
from desktop.ui.widgets.attachment_card import PDF, THUMBNAIL

log = logging.getLogger(__name__)


def open_with_system(path: Path) -> None:
    """Hand a local copy to the system's viewer (PDF reader, image viewer)."""
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class ConversationPresenter(QObject):
    """One presenter for the page; `show(conversation_id)` switches conversations."""

    def __init__(
        self, page: ConversationPage, workspace: Workspace, *, is_active: Callable[[], bool] | None = None
    ) -> None:
        """`is_active`: whether the page is really seen (read marks); the page's visibility by default."""
        super().__init__(page)
        self.page = page
        self.ws = workspace
        self.conversation_id: str | None = None
        self._is_active = is_active or page.isVisible
        # Hooks the tests replace: the system viewer, and the two file dialogs (awaited, never exec()).
        self.opener: Callable[[Path], None] = open_with_system
        self.pdf = PdfPreviewService()
        self.viewer: PdfViewerDialog | None = None  # the open « Aperçu » (PDFs open inside the app)
        self._viewer_request = 0  # only the latest page asked for is shown (PgDn held down)
        self.ask_save_path: Callable[[str], Awaitable[Path | None]] = lambda name: SaveDialog.choose(
            page, self.tr("Enregistrer le document"), documents_folder() / name, Path(name).suffix.lstrip(".")
        )
        self.ask_files: Callable[[], Awaitable[list[Path]]] = lambda: OpenFilesDialog.choose(
            page,
            self.tr("Joindre un document"),
            Path.home(),
            self.tr("Documents (*.pdf *.jpg *.jpeg *.png)"),
        )
        conversations, outbox = workspace.conversations, workspace.outbox
        self._unsubscribe = [
            conversations.messages_changed.connect(self._on_conversations_messages_changed),
            conversations.conversation_changed.connect(self._on_conversations_conversation_changed),
            outbox.item_added.connect(self._on_outbox_item_changed),
            outbox.item_removed.connect(self._on_outbox_item_removed),
            outbox.progress.connect(self._on_outbox_progress),
            outbox.item_failed.connect(self._on_outbox_item_failed),
        ]
        page.send_requested.connect(self._on_page_send_requested)
        page.upload_requested.connect(self._on_page_upload_requested)
        page.attach_requested.connect(self._on_page_attach_requested)
        page.patient_write_requested.connect(self._on_page_patient_write_requested)
        page.help_pages_requested.connect(self._on_page_help_pages_requested)
        page.messages.open_requested.connect(self._on_messages_open_requested)
        page.messages.save_requested.connect(self._on_messages_save_requested)
        page.messages.thumbnail_needed.connect(self._on_messages_thumbnail_needed)
        page.messages.cancel_upload_requested.connect(self._on_messages_cancel_upload_requested)
        page.messages.load_older_requested.connect(self._on_messages_load_older_requested)
        page.destroyed.connect(self.dispose)

    def _run(self, coro: Coroutine[Any, Any, object], name: str) -> None:
        self.ws.runner.run(coro, name=name)

    # ---------------------------------------------------------------- showing
    def show(self, conversation_id: str) -> None:
        summary = self.ws.conversations.get(conversation_id)
        if summary is None:
            return
        if self.conversation_id and self.conversation_id != conversation_id:
            self.ws.conversations.close(self.conversation_id)
        self.conversation_id = conversation_id
        self.page.show_notice("")
        self.page.show_conversation(summary)
        self.render()
        self._run(self.ws.conversations.open(conversation_id), "open-conversation")

    def render(self) -> None:
        if self.conversation_id is None:
            return
        summary = self.ws.conversations.get(self.conversation_id)
        messages: list[MessagePublic] = self.ws.conversations.messages(self.conversation_id)
        pending: list[OutboxItem] = self.ws.outbox.pending(self.conversation_id)
        self.page.show_messages(messages, summary.other_read_seq if summary else 0, pending)

    # ---------------------------------------------------------------- service events
    def _on_conversations_messages_changed(self, conversation_id: str) -> None:
        if conversation_id != self.conversation_id:
            return
        self.render()
        summary = self.ws.conversations.get(conversation_id)
        if summary is not None and summary.unread and self._is_active():
            self._run(self.ws.conversations.mark_read(conversation_id), "mark-read")

    def _on_conversations_conversation_changed(self, conversation_id: str) -> None:
        if conversation_id == self.conversation_id:
            summary = self.ws.conversations.get(conversation_id)
            if summary is not None:
                self.page.patient_write.set_value(summary.patient_write)
            self.render()

    def _on_outbox_item_changed(self, item: OutboxItem) -> None:
        if item.conversation_id == self.conversation_id:
            self.render()

    def _on_outbox_item_removed(self, _item_id: str) -> None:
        self.render()

    def _on_outbox_progress(self, progress: tuple[str, int, int]) -> None:
        item_id, sent, total = progress
        self.page.messages.set_upload_progress(item_id, sent, total)

    def _on_outbox_item_failed(self, item: OutboxItem) -> None:
        if item.conversation_id == self.conversation_id and item.error:
            what = item.filename or self.tr("Le message")
            self.page.show_notice(
                self.tr("%1 n'a pas été envoyé : %2").replace("%1", what).replace("%2", item.error)
            )

    # ---------------------------------------------------------------- intents
    def _on_page_send_requested(self, text: str) -> None:
        if self.conversation_id is None:
            return
        self.page.clear_editor()
        self._run(self._send(self.conversation_id, text), "send-message")

    async def _send(self, conversation_id: str, text: str) -> None:
        try:
            await self.ws.outbox.send_text(conversation_id, text)
        except UserFacingError:
            if not self.page.editor.toPlainText():
                self.page.editor.setPlainText(text)  # give the text back rather than lose it
            raise

    def _on_page_upload_requested(self, paths: list[Path]) -> None:
        if self.conversation_id is None:
            return
        self.page.show_notice("")
        for path in paths:
            self._run(self.ws.outbox.send_file(self.conversation_id, path), "queue-upload")

    def _on_page_attach_requested(self) -> None:
        self._run(self._attach(), "attach-documents")

    async def _attach(self) -> None:
        paths = await self.ask_files()
        if paths:
            self._on_page_upload_requested(paths)

    def _on_messages_cancel_upload_requested(self, item_id: str) -> None:
        self._run(self.ws.outbox.cancel(item_id), "cancel-upload")

    def _on_page_patient_write_requested(self, mode: str, until: date | None) -> None:
        if self.conversation_id is not None:
            self._run(self._set_patient_write(self.conversation_id, mode, until), "patient-write")

    async def _set_patient_write(self, conversation_id: str, mode: str, until: date | None) -> None:
        try:
            await self.ws.conversations.set_patient_write(conversation_id, mode, until)
        except UserFacingError:
            summary = self.ws.conversations.get(conversation_id)
            if summary is not None and conversation_id == self.conversation_id:
                self.page.patient_write.set_value(summary.patient_write)  # show what really applies
            raise

    def _on_page_help_pages_requested(self) -> None:
        if self.ws.help_pages.cached is None:
            self.ws.runner.run(self._load_help_pages(), name="help-pages", report=False)

    async def _load_help_pages(self) -> None:
        try:
            self.page.set_help_pages(await self.ws.help_pages.pages())
        except UserFacingError:
            self.page.set_help_pages(None, self.tr("Aide indisponible pour le moment"))

    def _on_messages_open_requested(self, attachment: AttachmentPublic) -> None:
        self._run(self._open(attachment), "open-attachment")

    async def _open(self, attachment: AttachmentPublic) -> None:
        if attachment.content_type != PDF:
            self.opener(await self.ws.attachments.local_copy(attachment))
            return
        viewer = self._open_viewer(attachment.filename)
        path = await self.ws.attachments.local_copy(attachment)
        if viewer is not self.viewer:
            return  # closed or replaced while downloading
        viewer.open_external_requested.connect(lambda: self.opener(path))
        viewer.page_requested.connect(
            lambda index, zoom: self.ws.runner.run(
                self._show_pdf_page(viewer, path, index, zoom), name="pdf-page"
            )
        )
        await self._show_pdf_page(viewer, path, 0, viewer.zoom)

    def _open_viewer(self, filename: str) -> PdfViewerDialog:
        if self.viewer is not None:
            self.viewer.close()
        viewer = PdfViewerDialog(filename, self.page.window())
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        viewer.finished.connect(lambda _result: self._on_viewer_finished(viewer))
        self.viewer = viewer
        viewer.show()
        return viewer

    def _on_viewer_finished(self, viewer: PdfViewerDialog) -> None:
        if self.viewer is viewer:
            self.viewer = None

    async def _show_pdf_page(self, viewer: PdfViewerDialog, path: Path, index: int, zoom: float) -> None:
        self._viewer_request += 1
        request = self._viewer_request
        try:
            page = await self.pdf.page(path, index, zoom)
        except PdfPreviewError as exc:
            if viewer is self.viewer:
                viewer.show_error(exc.message)
            return
        if viewer is self.viewer and request == self._viewer_request:
            viewer.show_page(page)

    def _on_messages_save_requested(self, attachment: AttachmentPublic) -> None:
        self._run(self._save(attachment), "save-attachment")

    async def _save(self, attachment: AttachmentPublic) -> None:
        target = await self.ask_save_path(attachment.filename)
        if target is None:
            return
        await self.ws.attachments.save_as(attachment, target)
        self.ws.messages.info(self.tr("Document enregistré dans %1.").replace("%1", str(target.parent)))

    def _on_messages_thumbnail_needed(self, attachment: AttachmentPublic) -> None:
        self.ws.runner.run(self._thumbnail(attachment), name="thumbnail", report=False)

    async def _thumbnail(self, attachment: AttachmentPublic) -> None:
        path = await self.ws.attachments.local_copy(attachment)
        if attachment.content_type != PDF:
            self.page.messages.set_thumbnail(attachment.id, path)
            return
        try:
            page = await self.pdf.thumbnail(path, THUMBNAIL.width())
        except PdfPreviewError:
            self.page.messages.set_thumbnail_image(attachment.id, None)  # « Aperçu indisponible »
            return
        self.page.messages.set_thumbnail_image(attachment.id, to_qimage(page))

    def _on_messages_load_older_requested(self) -> None:
        if self.conversation_id is not None:
            self.ws.runner.run(
                self.ws.conversations.load_older(self.conversation_id), name="older", report=False
            )

    def dispose(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
