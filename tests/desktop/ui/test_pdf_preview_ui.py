"""Received PDFs: first-page thumbnail in the bubble, the in-app viewer (pages, zoom, keys), bad PDFs."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from desktop.ui.widgets.attachment_card import AttachmentCard
from tests.desktop.services.harness import wait_for
from tests.desktop.services.test_pdf_preview import pages_pdf
from tests.desktop.ui.desktop_harness import Desktop, open_desktop, shows_thumbnail
from tests.helpers.documents import upload
from tests.helpers.factories import make_conversation, make_patient, make_practitioner
from tests.helpers.live_server import LiveServer


def card_named(desktop: Desktop, name: str) -> AttachmentCard:
    for bubble in desktop.window.conversation.messages.bubbles.values():
        if bubble.card is not None and bubble.card.attachment.filename == name:
            return bubble.card
    raise LookupError(name)


@pytest.mark.asyncio
async def test_a_received_pdf_shows_its_first_page_and_opens_in_the_viewer(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    doctor = make_practitioner(sqlite_server)
    patient = make_patient(sqlite_server)
    conversation_id = make_conversation(sqlite_server, doctor, patient)
    with httpx.Client(base_url=sqlite_server.api, timeout=30) as http:
        assert upload(http, patient, conversation_id, pages_pdf(3), "analyses.pdf").status_code < 300
        protected = upload(http, patient, conversation_id, pages_pdf(1, password="x"), "protégé.pdf")
        assert protected.status_code < 300
    async with open_desktop(sqlite_server, doctor, tmp_path / "home") as desktop:
        await wait_for(lambda: desktop.workspace.conversations.get(conversation_id) is not None)
        desktop.presenter.open_conversation(conversation_id)
        page = desktop.window.conversation
        await wait_for(lambda: len(page.messages.bubbles) == 2)
        card = card_named(desktop, "analyses.pdf")
        await wait_for(lambda: shows_thumbnail(card))  # the first page, not an icon
        thumbnail = card.preview.pixmap()
        assert thumbnail.height() == 220 and 150 <= thumbnail.width() <= 160  # A4 portrait
        assert card.preview.isVisible() and card.preview.height() >= 220  # shown whole
        locked = card_named(desktop, "protégé.pdf")
        await wait_for(lambda: locked.preview.text() == "Aperçu indisponible")

        presenter = desktop.presenter.conversation
        opened: list[Path] = []
        presenter.opener = opened.append
        card.open_button.click()
        await wait_for(lambda: presenter.viewer is not None and presenter.viewer.count == 3)
        viewer = presenter.viewer
        assert viewer is not None
        assert viewer.position.text() == "Page 1 sur 3" and not viewer.previous.isEnabled()
        first_width = viewer.page.pixmap().width()
        assert abs(first_width - 794) <= 1  # 100 %: the printed size at 96 dpi

        QTest.keyClick(viewer, Qt.Key.Key_PageDown)
        await wait_for(lambda: viewer.position.text() == "Page 2 sur 3")
        QTest.keyClick(viewer, Qt.Key.Key_PageDown)
        await wait_for(lambda: viewer.position.text() == "Page 3 sur 3")
        assert not viewer.next.isEnabled()
        QTest.keyClick(viewer, Qt.Key.Key_PageDown)  # past the end: stays
        QTest.keyClick(viewer, Qt.Key.Key_PageUp)
        await wait_for(lambda: viewer.position.text() == "Page 2 sur 3")

        QTest.keyClick(viewer, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
        await wait_for(lambda: viewer.page.pixmap().width() > first_width * 1.2)
        assert viewer.zoom_label.text() == "125\u00a0%" and viewer.position.text() == "Page 2 sur 3"
        QTest.keyClick(viewer, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
        await wait_for(lambda: abs(viewer.page.pixmap().width() - first_width) <= 1)

        viewer.external.click()  # « Ouvrir avec le lecteur PDF… »
        await wait_for(lambda: len(opened) == 1)
        assert opened[0].name == "analyses.pdf"
        QTest.keyClick(viewer, Qt.Key.Key_Escape)  # Échap closes
        await wait_for(lambda: presenter.viewer is None)

        locked.open_button.click()
        await wait_for(lambda: presenter.viewer is not None and presenter.viewer.error.isVisible())
        assert presenter.viewer is not None
        assert "mot de passe" in presenter.viewer.error.text()
        assert presenter.viewer.external.isEnabled()  # the system's reader may still ask for it
        presenter.viewer.reject()
        await wait_for(lambda: presenter.viewer is None)
