"""Drag-and-drop of documents: uploaded with progress, downloadable by the patient; forgeries refused."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QLineEdit

from desktop.ui.dialogs.open_files_dialog import OpenFilesDialog
from desktop.ui.dialogs.save_dialog import SaveDialog
from desktop.ui.pages.conversation_page import ConversationPage
from tests.desktop.services.harness import wait_for
from tests.desktop.ui.desktop_harness import open_desktop, shows_thumbnail
from tests.helpers.documents import make_pdf, make_png
from tests.helpers.factories import make_conversation, make_patient, make_practitioner
from tests.helpers.live_server import LiveServer


def drop_files(page: ConversationPage, paths: list[Path]) -> tuple[bool, bool]:
    """Send a real drag-enter then drop; the QMimeData stays referenced (ecosystem.md §4)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = QDragEnterEvent(
        QPointF(20, 20).toPoint(),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(page, enter)
    drop = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(page, drop)
    accepted = enter.isAccepted(), drop.isAccepted()
    del mime  # only now may the mime data go
    return accepted


@pytest.mark.asyncio
async def test_drop_a_pdf_and_a_photo(sqlite_server: LiveServer, tmp_path: Path) -> None:
    doctor = make_practitioner(sqlite_server)
    patient = make_patient(sqlite_server)
    conversation_id = make_conversation(sqlite_server, doctor, patient)
    pdf = tmp_path / "ordonnance-hélène.pdf"
    pdf.write_bytes(make_pdf())
    photo = tmp_path / "plaie.png"
    photo.write_bytes(make_png(320, 240))
    async with open_desktop(sqlite_server, doctor, tmp_path / "home") as desktop:
        page = desktop.window.conversation
        await wait_for(lambda: desktop.workspace.conversations.get(conversation_id) is not None)
        desktop.presenter.open_conversation(conversation_id)
        progress: list[tuple[str, int, int]] = []
        desktop.workspace.outbox.progress.connect(progress.append)

        assert drop_files(page, [pdf, photo]) == (True, True)
        await wait_for(lambda: len(page.messages.bubbles) == 2, timeout=20)
        await wait_for(lambda: not page.messages.uploads)  # progress rows gone once stored
        assert progress and progress[-1][1] == progress[-1][2]  # progress reached 100 %
        shown = [b.card.attachment for b in page.messages.bubbles.values() if b.card is not None]
        cards = {a.filename: a for a in shown}
        assert set(cards) == {"ordonnance-hélène.pdf", "plaie.png"}

        photo_card = next(
            b.card for b in page.messages.bubbles.values() if b.card and b.card.attachment.is_image
        )
        await wait_for(lambda: shows_thumbnail(photo_card))  # a photo shows its thumbnail

        with httpx.Client(base_url=sqlite_server.api, headers=patient.headers) as http:
            got = http.get(f"/attachments/{cards['ordonnance-hélène.pdf'].id}")
        assert got.status_code == 200 and got.content == pdf.read_bytes()  # the patient downloads it

        opened: list[Path] = []
        desktop.presenter.conversation.opener = opened.append
        pdf_card = next(
            b.card for b in page.messages.bubbles.values() if b.card and not b.card.attachment.is_image
        )
        pdf_card.open_button.click()  # a PDF opens in the app's viewer, which offers the system's
        await wait_for(lambda: (v := desktop.presenter.conversation.viewer) is not None and v.count == 1)
        viewer = desktop.presenter.conversation.viewer
        assert viewer is not None
        viewer.external.click()
        await wait_for(lambda: opened)
        assert opened[0].read_bytes() == pdf.read_bytes()  # a private copy handed to the system viewer
        viewer.reject()

        target = tmp_path / "enregistré.pdf"

        async def save_here(_name: str) -> Path:
            return target

        desktop.presenter.conversation.ask_save_path = save_here
        pdf_card.save_button.click()
        await wait_for(lambda: target.exists())
        assert target.read_bytes() == pdf.read_bytes()


@pytest.mark.asyncio
async def test_a_forged_pdf_is_refused_with_the_server_message(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    doctor = make_practitioner(sqlite_server)
    patient = make_patient(sqlite_server)
    conversation_id = make_conversation(sqlite_server, doctor, patient)
    forged = tmp_path / "ordonnance.pdf"
    forged.write_text("MZ this is not a PDF at all, whatever its name says", encoding="utf-8")
    async with open_desktop(sqlite_server, doctor, tmp_path / "home") as desktop:
        page = desktop.window.conversation
        await wait_for(lambda: desktop.workspace.conversations.get(conversation_id) is not None)
        desktop.presenter.open_conversation(conversation_id)
        assert drop_files(page, [forged]) == (True, True)
        await wait_for(lambda: page.notice.isVisible(), timeout=20)
        notice = page.notice.text()
        assert notice.startswith("ordonnance.pdf n'a pas été envoyé : ")
        server_message = desktop.services.messages.history[-1].text
        assert server_message in notice and "PDF" in server_message  # the server's own French words
        assert desktop.window.message_bar.text == server_message
        assert not page.messages.bubbles and desktop.workspace.outbox.count == 0
        with httpx.Client(base_url=sqlite_server.api, headers=patient.headers) as http:
            assert http.get(f"/conversations/{conversation_id}/messages").json()["items"] == []

        word = tmp_path / "notes.docx"
        word.write_bytes(b"PK\x03\x04")
        enter_accepted, _ = drop_files(page, [word])
        assert not enter_accepted  # the drag is refused before it lands


def type_file_name(dialog: QFileDialog, path: Path) -> None:
    """Type the full path in the dialog's « File name » field, as a user may."""
    field = dialog.findChild(QLineEdit, "fileNameEdit")
    assert isinstance(field, QLineEdit)
    field.setText(str(path))


def visible(kind: type[QDialog]) -> QDialog | None:
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()), None)


@pytest.mark.asyncio
async def test_the_paperclip_and_save_as_dialogs_are_awaited_not_run(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    """Both file dialogs open window-modal while the app keeps running (no nested event loop)."""
    doctor = make_practitioner(sqlite_server)
    patient = make_patient(sqlite_server)
    conversation_id = make_conversation(sqlite_server, doctor, patient)
    pdf = tmp_path / "compte-rendu.pdf"
    pdf.write_bytes(make_pdf())
    async with open_desktop(sqlite_server, doctor, tmp_path / "home") as desktop:
        page = desktop.window.conversation
        await wait_for(lambda: desktop.workspace.conversations.get(conversation_id) is not None)
        desktop.presenter.open_conversation(conversation_id)

        page.attach.click()
        await wait_for(lambda: visible(OpenFilesDialog) is not None)
        chooser = visible(OpenFilesDialog)
        assert isinstance(chooser, OpenFilesDialog) and chooser.isModal()
        type_file_name(chooser, pdf)
        chooser.accept()
        await wait_for(lambda: len(page.messages.bubbles) == 1, timeout=20)
        (bubble,) = page.messages.bubbles.values()
        assert bubble.card is not None and bubble.card.attachment.filename == "compte-rendu.pdf"
        await wait_for(lambda: desktop.workspace.outbox.count == 0, timeout=30)  # the upload acknowledged

        page.attach.click()  # cancelled: nothing is sent
        await wait_for(lambda: visible(OpenFilesDialog) is not None)
        visible(OpenFilesDialog).reject()  # type: ignore[union-attr]
        await wait_for(lambda: visible(OpenFilesDialog) is None)
        assert desktop.workspace.outbox.count == 0 and len(page.messages.bubbles) == 1

        target = tmp_path / "copie.pdf"
        bubble.card.save_button.click()
        await wait_for(lambda: visible(SaveDialog) is not None)
        saver = visible(SaveDialog)
        assert isinstance(saver, SaveDialog) and saver.isModal()
        type_file_name(saver, target)
        saver.accept()
        await wait_for(lambda: target.exists())
        assert target.read_bytes() == pdf.read_bytes()
