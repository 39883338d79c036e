"""Text from people (names, messages, file names, server sentences) is shown as it was written.

A `QLabel`, a `QMessageBox` or a tooltip in Qt's default `AutoText` mode renders a text that looks
like markup: a patient named « <b>Zoé</b> » would show in bold, « <img src=…> » would load an
image. Every label of the desktop is a `PlainLabel`; tooltips go through `plain_tooltip`; message
boxes set `PlainText`; notification bodies go through `inert_markup` (some notification servers
read markup).
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel


class PlainLabel(QLabel):
    """A `QLabel` that never interprets its text as rich text."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # QLabel's: (text, parent) or (parent)
        super().__init__(*args, **kwargs)
        self.setTextFormat(Qt.TextFormat.PlainText)


def plain_tooltip(text: str) -> str:
    """A tooltip showing `text` literally (tooltips are rich text when they look like it)."""
    if not text:
        return ""
    return "<p style='white-space:pre-wrap'>" + html.escape(text, quote=False) + "</p>"


_INERT = str.maketrans({"<": "‹", ">": "›", "&": "＆"})


def inert_markup(text: str) -> str:
    """`text` with the characters markup starts with replaced by look-alikes, for notification
    servers that may read markup in a body (escaping would show « &lt; » on those that do not)."""
    return text.translate(_INERT)
