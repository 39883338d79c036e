"""One conversation: header (name, camera, « le patient peut écrire »), messages, drop zone, composer.

Dumb: it renders what the presenter gives and emits `*_requested` intents. Files dropped on any
part of the page become one `upload_requested(paths)`; the paperclip is `attach_requested` (the
presenter asks which files, then queues them the same way).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from contracts.clock import Clock
from contracts.wire.conversations import MessagePublic
from contracts.wire.invitations import HelpPagePublic
from desktop.domain.conversation_summary import ConversationSummary
from desktop.domain.outbox_item import OutboxItem, is_supported_document
from desktop.services.help_pages import HelpPageService
from desktop.ui.icons import icon
from desktop.ui.theme import set_role
from desktop.ui.widgets.message_editor import MessageEditor
from desktop.ui.widgets.message_list import MessageList
from desktop.ui.widgets.patient_write_control import PatientWriteControl
from desktop.ui.widgets.plain_text import PlainLabel


def dropped_paths(event: QDropEvent | QDragEnterEvent | QDragMoveEvent) -> list[Path]:
    """Local files of a drag, in order (the presenter checks each one's type)."""
    mime = event.mimeData()
    if mime is None or not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class ConversationPage(QWidget):
    """The right-hand panel when a conversation is open."""

    send_requested = Signal(str)
    upload_requested = Signal(list)  # list[Path]
    attach_requested = Signal()  # the paperclip: the presenter asks which files
    call_requested = Signal(str)  # conversation id — the video feature connects to it
    patient_write_requested = Signal(str, object)  # mode, date | None
    help_pages_requested = Signal()
    conversation_shown = Signal(str)  # conversation id, after the page switched to it (features follow it)

    def __init__(self, clock: Clock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conversationPage")
        self.setAcceptDrops(True)
        self.conversation_id: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)

        header = QWidget(self)
        header.setObjectName("conversationHeader")
        header.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)  # the theme draws its border
        top = QHBoxLayout(header)
        self.title = PlainLabel(header)
        set_role(self.title, "title")
        self.title.setAccessibleName(self.tr("Patient"))
        self.camera = QToolButton(header)
        self.camera.setIcon(icon("camera"))
        self.camera.setIconSize(QSize(22, 22))
        self.camera.setAccessibleName(self.tr("Démarrer la vidéo"))
        self.camera.setToolTip(self.tr("La vidéo sera disponible dans une prochaine version."))
        self.camera.setEnabled(False)  # enabled by the video feature: MainWindow.set_calls_enabled()
        self.camera.clicked.connect(self._on_camera_clicked)
        self.patient_write = PatientWriteControl(clock, header)
        self.patient_write.change_requested.connect(self.patient_write_requested)
        top.addWidget(self.title, 1)
        top.addWidget(self.patient_write)
        top.addWidget(self.camera)
        layout.addWidget(header)

        self.messages = MessageList(clock, self)
        layout.addWidget(self.messages, 1)
        self.notice = PlainLabel(self)
        self.notice.setObjectName("conversationNotice")
        self.notice.setWordWrap(True)
        set_role(self.notice, "alert")
        self.notice.hide()
        layout.addWidget(self.notice)

        composer = QWidget(self)
        row = QHBoxLayout(composer)
        self.attach = QToolButton(composer)
        self.attach.setIcon(icon("paperclip"))
        self.attach.setIconSize(QSize(22, 22))
        self.attach.setAccessibleName(self.tr("Joindre un document"))
        self.attach.setToolTip(self.tr("Joindre un PDF ou une photo (JPEG, PNG)"))
        self.attach.clicked.connect(self.attach_requested)
        self.help_button = QToolButton(composer)
        self.help_button.setText(self.tr("Aide patient"))
        self.help_button.setAccessibleName(self.tr("Coller un lien d'aide pour le patient"))
        self.help_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.help_menu = QMenu(self.help_button)
        self.help_menu.aboutToShow.connect(self.help_pages_requested)
        self.help_button.setMenu(self.help_menu)
        self.set_help_pages(None)
        self.editor = MessageEditor(composer)
        self.editor.send_requested.connect(self._on_editor_send_requested)
        self.send_button = QPushButton(self.tr("Envoyer"), composer)
        self.send_button.setAccessibleName(self.tr("Envoyer le message"))
        self.send_button.clicked.connect(self.editor.submit)
        row.addWidget(self.attach)
        row.addWidget(self.help_button)
        row.addWidget(self.editor, 1)
        row.addWidget(self.send_button)
        layout.addWidget(composer)
        for first, second in (
            (self.editor, self.send_button),
            (self.send_button, self.attach),
            (self.attach, self.help_button),
            (self.help_button, self.patient_write.mode),
            (self.patient_write.mode, self.camera),
        ):
            self.setTabOrder(first, second)

    # ---------------------------------------------------------------- rendering
    def show_conversation(self, summary: ConversationSummary) -> None:
        self.conversation_id = summary.id
        self.title.setText(summary.patient.full_name)
        self.setAccessibleName(self.tr("Conversation avec %1").replace("%1", summary.patient.full_name))
        self.patient_write.set_value(summary.patient_write)
        self.conversation_shown.emit(summary.id)

    def show_messages(
        self, messages: list[MessagePublic], other_read_seq: int, pending: list[OutboxItem]
    ) -> None:
        self.messages.set_content(messages, other_read_seq, pending)

    def set_help_pages(self, pages: list[HelpPagePublic] | None, error: str | None = None) -> None:
        self.help_menu.clear()
        if pages is None:
            action = self.help_menu.addAction(error or self.tr("Chargement…"))
            action.setEnabled(False)
            return
        for page in pages:
            action = self.help_menu.addAction(page.title)
            action.triggered.connect(
                lambda _=False, p=page: self.editor.insert_snippet(HelpPageService.snippet(p))
            )

    def clear_editor(self) -> None:
        self.editor.clear()

    def show_notice(self, text: str) -> None:
        """A refusal that concerns this conversation (a file the server would not take…)."""
        self.notice.setText(text)
        self.notice.setAccessibleName(text)
        self.notice.setVisible(bool(text))

    def set_call_enabled(self, enabled: bool) -> None:
        self.camera.setEnabled(enabled)
        self.camera.setToolTip(
            self.tr("Démarrer la vidéo")
            if enabled
            else self.tr("La vidéo sera disponible dans une prochaine version.")
        )

    # ---------------------------------------------------------------- intents
    def _on_editor_send_requested(self, text: str) -> None:
        self.send_requested.emit(text)

    def _on_camera_clicked(self) -> None:
        if self.conversation_id:
            self.call_requested.emit(self.conversation_id)

    # ---------------------------------------------------------------- drag and drop
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(is_supported_document(p) for p in dropped_paths(event)):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if dropped_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_paths(event)
        if not paths or self.conversation_id is None:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        self.upload_requested.emit(paths)
