"""What people write is shown as written: a name or a message that looks like markup is never
rendered (issue 11, section 3)."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from desktop.ui.billing.payment_dialog import PaymentDialog
from desktop.ui.call.call_window import CallWindow
from desktop.ui.dialogs.confirm_box import ConfirmBox
from desktop.ui.main_window import CONVERSATION
from desktop.ui.widgets.message_text import MessageText
from desktop.ui.widgets.plain_text import inert_markup, plain_tooltip
from desktop.ui.widgets.status_indicator import StatusIndicator
from tests.desktop.services.harness import wait_for
from tests.desktop.ui.desktop_harness import open_desktop
from tests.helpers.factories import make_patient, make_practitioner
from tests.helpers.live_server import LiveServer

FIRST, LAST = "<b>Zoé</b>", "<i>Bernard</i>"
NAME = f"{FIRST} {LAST}"
MESSAGE = "<img src='https://example.fr/x.png'>Bonjour <a href='https://example.fr'>docteur</a>"
MARKERS = ("<b>Zoé", "<i>Bernard", "<img src=")


def _labels() -> list[QLabel]:
    return [w for w in QApplication.allWidgets() if isinstance(w, QLabel)]


def _check_labels() -> int:
    """Every label showing what a person wrote is plain text; returns how many show it."""
    showing = [label for label in _labels() if any(m in label.text() for m in MARKERS)]
    rich = [label.text() for label in showing if label.textFormat() != Qt.TextFormat.PlainText]
    assert not rich, f"rendered as rich text: {rich}"
    # A message with web addresses is rich text, escaped whole: it reads exactly as written.
    linked = [label for label in _labels() if isinstance(label, MessageText) and label.links]
    for label in linked:
        document = QTextDocument()
        document.setHtml(label.text())
        assert document.toPlainText() == label.plain
        assert "<img" not in label.text() and label.text().count("<a href=") == len(label.links)
    # And the only other label left in rich-text mode shows the application's own words.
    others = [
        type(label).__name__
        for label in _labels()
        if label.textFormat() == Qt.TextFormat.RichText
        and not isinstance(label, StatusIndicator | MessageText)
    ]
    assert not others, others
    return len(showing) + len(linked)


@pytest.mark.asyncio
async def test_every_label_shows_a_markup_like_name_literally(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    doctor = make_practitioner(sqlite_server, plan="PRO+")
    zoe = make_patient(sqlite_server, first_name=FIRST, last_name=LAST)
    async with open_desktop(sqlite_server, doctor, tmp_path) as desktop:
        window = desktop.window
        with httpx.Client(base_url=sqlite_server.api, headers=zoe.headers) as http:
            asked = http.post("/connection-requests", json={"practitioner_id": doctor.id, "message": MESSAGE})
            assert asked.status_code == 201, asked.text
        await wait_for(lambda: window.requests_banner.isVisible())
        window.requests_banner.view_button.click()
        dialog = desktop.presenter.requests_dialog
        assert dialog is not None
        await wait_for(lambda: len(dialog.rows) == 1)
        assert _check_labels() >= 2  # the request's name and message
        names = [label.text() for label in _labels() if FIRST in label.text()]
        assert NAME in names  # shown as written, tags included
        next(iter(dialog.rows.values())).accept_button.click()
        await wait_for(lambda: window.current_page == CONVERSATION)
        assert window.conversation.title.text() == NAME
        with httpx.Client(base_url=sqlite_server.api, headers=zoe.headers) as http:
            conversation = window.conversation.conversation_id
            sent = http.put(f"/conversations/{conversation}/messages/{uuid.uuid4()}", json={"body": MESSAGE})
            assert sent.status_code in (200, 201), sent.text
        await wait_for(lambda: any(getattr(label, "plain", None) == MESSAGE for label in _labels()))
        box = ConfirmBox(window, "Annuler", f"Annuler l'invitation de {NAME} ?", "Annuler l'invitation")
        payment = PaymentDialog(NAME, window)
        call = CallWindow(NAME, window)
        for widget in (box, payment, call):
            widget.show()
        call.state.setText(NAME)  # the call window's texts name the patient
        try:
            assert _check_labels() >= 5
        finally:
            for widget in (box, payment, call):
                widget.hide()
                widget.deleteLater()


def test_tooltips_and_notifications_show_a_name_as_written() -> None:
    tip = plain_tooltip(f"{NAME}\nadresse refusée")
    assert GuiQt.mightBeRichText(tip)  # so Qt reads our escaped form, not the name's tags
    shown = QWidget()
    shown.setToolTip(tip)
    assert "&lt;b&gt;Zoé&lt;/b&gt;" in shown.toolTip() and "<b>Zoé" not in shown.toolTip()
    assert plain_tooltip("") == ""
    assert inert_markup(NAME) == "‹b›Zoé‹/b› ‹i›Bernard‹/i›"
    assert inert_markup("Zoé & Marc") == "Zoé ＆ Marc"
