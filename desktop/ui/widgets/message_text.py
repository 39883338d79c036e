"""A message's text with its web links clickable: escaped text, only http(s) anchors, no markup.

What a person typed is never read as markup (see plain_text.py): a text without a web address is
shown in plain-text mode; one with addresses is escaped whole and only the http(s) addresses found
in it become anchors, which we open ourselves after checking their scheme again.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QLabel, QWidget

from desktop.domain.links import is_web_link, split_links

_SELECT = Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
_LINKS = Qt.TextInteractionFlag.LinksAccessibleByMouse | Qt.TextInteractionFlag.LinksAccessibleByKeyboard


def linked_html(text: str) -> str:
    """`text` as rich text: every character escaped, http(s) addresses as anchors, lines kept."""
    pieces = []
    for piece, link in split_links(text):
        shown = html.escape(piece, quote=False)
        pieces.append(f'<a href="{html.escape(piece, quote=True)}">{shown}</a>' if link else shown)
    return '<span style="white-space: pre-wrap;">' + "".join(pieces) + "</span>"


class MessageText(QLabel):
    """`plain` is the text as written; links open in the browser, http(s) only."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plain = text
        self.links = [piece for piece, link in split_links(text) if link]
        self.setOpenExternalLinks(False)  # we open them, after checking the scheme
        if self.links:
            self.setTextFormat(Qt.TextFormat.RichText)
            self.setText(linked_html(text))
            self.setTextInteractionFlags(_SELECT | _LINKS)
            self.linkActivated.connect(self._on_link_activated)
        else:
            self.setTextFormat(Qt.TextFormat.PlainText)  # never interpret what a patient typed
            self.setText(text)
            self.setTextInteractionFlags(_SELECT)

    def _on_link_activated(self, href: str) -> None:
        if is_web_link(href):
            QDesktopServices.openUrl(QUrl(href, QUrl.ParsingMode.StrictMode))
