"""Web links in messages are clickable on the desktop, safely: http(s) only, the rest stays text."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QTextDocument
from pytestqt.qtbot import QtBot

from contracts.wire.conversations import MessagePublic
from desktop.domain.links import is_web_link, split_links
from desktop.ui.widgets.message_bubble import MessageBubble
from desktop.ui.widgets.message_text import MessageText

BODY = (
    "Voir https://exemple.fr/aide?x=1&y=2. <b>gras</b> javascript:alert(1) "
    "file:///etc/passwd (http://a.fr/page) « https://b.fr/c »\nhttp://c.fr/<img src=x>"
)


def test_only_http_and_https_addresses_are_links_and_the_text_is_kept_whole() -> None:
    parts = split_links(BODY)
    assert "".join(piece for piece, _ in parts) == BODY
    assert [piece for piece, link in parts if link] == [
        "https://exemple.fr/aide?x=1&y=2",
        "http://a.fr/page",
        "https://b.fr/c",
        "http://c.fr/",
    ]
    assert split_links("Bonjour docteur") == [("Bonjour docteur", False)]
    assert split_links("https:// seul") == [("https:// seul", False)]
    assert not is_web_link("javascript:alert(1)") and not is_web_link("file:///etc/passwd")
    assert is_web_link("HTTPS://EXEMPLE.FR")


def _message(body: str) -> MessagePublic:
    return MessagePublic.model_validate(
        {
            "id": str(uuid.uuid4()),
            "conversation_id": str(uuid.uuid4()),
            "seq": 1,
            "sender_id": str(uuid.uuid4()),
            "sender_role": "patient",
            "kind": "text",
            "body": body,
            "data": None,
            "created_at": datetime(2026, 12, 3, 9, 45, tzinfo=UTC),
        }
    )


@pytest.mark.parametrize(
    "href",
    ["https://exemple.fr/aide?x=1&y=2", "http://a.fr/page", "javascript:alert(1)", "file:///etc/passwd"],
)
def test_a_bubble_opens_its_web_links_and_nothing_else(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, href: str
) -> None:
    bubble = MessageBubble(_message(BODY))
    qtbot.addWidget(bubble)
    label = bubble.text
    assert isinstance(label, MessageText) and label.plain == BODY
    assert label.textFormat() == Qt.TextFormat.RichText
    assert label.textInteractionFlags() & Qt.TextInteractionFlag.LinksAccessibleByKeyboard
    html = label.text()
    assert '<a href="https://exemple.fr/aide?x=1&amp;y=2">' in html
    assert "<b>" not in html and "<img" not in html and 'href="javascript' not in html
    document = QTextDocument()
    document.setHtml(html)
    assert document.toPlainText() == BODY  # read exactly as written, line break included

    opened: list[str] = []

    # The operating system's browser is the seam: record what would be opened, and with what scheme.
    def open_url(url: QUrl) -> bool:
        opened.append(url.toString())
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", open_url)
    label.linkActivated.emit(href)
    assert opened == ([href] if href.startswith("http") else [])


def test_a_message_without_an_address_stays_plain_text(qtbot: QtBot) -> None:
    bubble = MessageBubble(_message("<i>Merci</i> docteur"))
    qtbot.addWidget(bubble)
    assert bubble.text.textFormat() == Qt.TextFormat.PlainText
    assert bubble.text.text() == "<i>Merci</i> docteur" and bubble.text.links == []
