"""Search as you type, open a conversation, send with Enter, receive live, read marks ✓ / ✓✓."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.ui.main_window import CONVERSATION
from desktop.ui.widgets.message_list import DaySeparator
from tests.desktop.services.harness import wait_for
from tests.desktop.ui.desktop_harness import open_desktop
from tests.helpers.factories import make_conversation, make_patient, make_practitioner, send
from tests.helpers.live_server import LiveServer


@pytest.mark.asyncio
async def test_search_filters_as_you_type(sqlite_server: LiveServer, tmp_path: Path, qtbot: QtBot) -> None:
    doctor = make_practitioner(sqlite_server)
    people = [("Hélène", "Dupont"), ("Marc", "Petit"), ("Zoé", "Bernard"), ("Hector", "Dubois")]
    ids = {}
    for first, last in people:
        patient = make_patient(sqlite_server, first_name=first, last_name=last)
        ids[first] = make_conversation(sqlite_server, doctor, patient)
    async with open_desktop(sqlite_server, doctor, tmp_path) as desktop:
        page = desktop.window.conversation_list
        await wait_for(lambda: page.model.rowCount() == 4)

        qtbot.keyClick(desktop.window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        assert page.search.hasFocus()
        qtbot.keyClicks(page.search, "HE")
        assert set(page.model.ids) == {ids["Hélène"], ids["Hector"]}  # accents and case ignored
        qtbot.keyClicks(page.search, "l")
        assert page.model.ids == [ids["Hélène"]]
        page.search.setText("du h")  # a prefix on each word
        assert set(page.model.ids) == {ids["Hélène"], ids["Hector"]}
        page.search.setText("zzz")
        assert page.model.ids == [] and "Aucune conversation" in page.empty.text()
        page.search.setText("zoe")
        qtbot.keyClick(page.search, Qt.Key.Key_Return)  # Enter opens the first match
        assert desktop.window.current_page == CONVERSATION
        assert desktop.window.conversation.title.text() == "Zoé Bernard"


@pytest.mark.asyncio
async def test_send_and_receive_messages(sqlite_server: LiveServer, tmp_path: Path, qtbot: QtBot) -> None:
    doctor = make_practitioner(sqlite_server)
    patient = make_patient(sqlite_server, first_name="Hélène", last_name="Dupont")
    conversation_id = make_conversation(sqlite_server, doctor, patient)
    with httpx.Client(base_url=sqlite_server.api, headers=patient.headers) as http:
        assert send(http, patient, conversation_id, "Bonjour docteur").status_code == 201
    async with open_desktop(sqlite_server, doctor, tmp_path) as desktop:
        window, page = desktop.window, desktop.window.conversation
        await wait_for(lambda: window.conversation_list.model.rowCount() == 1)
        summary = desktop.workspace.conversations.get(conversation_id)
        assert summary is not None and summary.unread == 1

        desktop.presenter.open_conversation(conversation_id)
        await wait_for(lambda: len(page.messages.bubbles) == 1)
        assert any(isinstance(w, DaySeparator) for w in page.messages.widgets.values())
        await wait_for(lambda: desktop.workspace.conversations.get(conversation_id).unread == 0)  # type: ignore[union-attr]

        qtbot.keyClicks(page.editor, "Bonjour Helene,")  # QTest types ASCII only
        qtbot.keyClick(page.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)  # new line
        page.editor.insertPlainText("à demain.")
        assert page.editor.toPlainText() == "Bonjour Helene,\nà demain."
        qtbot.keyClick(page.editor, Qt.Key.Key_Return)  # sends
        assert page.editor.toPlainText() == ""
        await wait_for(lambda: len(page.messages.bubbles) == 2)
        mine = [
            b for b in page.messages.bubbles.values() if b.message and b.message.sender_role == "practitioner"
        ]
        assert mine and mine[0].mark == "✓"

        with httpx.Client(base_url=sqlite_server.api, headers=patient.headers) as http:
            items = http.get(f"/conversations/{conversation_id}/messages").json()["items"]
            assert items[-1]["body"] == "Bonjour Helene,\nà demain."  # the patient has it
            assert http.post(
                f"/conversations/{conversation_id}/read", json={"seq": items[-1]["seq"]}
            ).is_success
            assert send(http, patient, conversation_id, "Merci, à demain").status_code == 201
        await wait_for(lambda: mine[0].mark == "✓✓")  # read by the patient, live
        await wait_for(lambda: len(page.messages.bubbles) == 3)  # received without refresh
        texts = [b.text.text() for b in page.messages.bubbles.values() if b.card is None]
        assert "Merci, à demain" in texts
