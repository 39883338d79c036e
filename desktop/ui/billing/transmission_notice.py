"""The honest banner of the billing screens: Teleconsult prepares and exports; it does not teletransmit.

A desktop client cannot itself send a feuille de soins to the Assurance Maladie: only software
certified SESAM-Vitale, with the practitioner's CPS card, can (DESIGN §1, docs/billing-export.md).
The claim editor and the billing view both say so, in the same words.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from desktop.billing.claims import TRANSMISSION_NOTICE
from desktop.ui.theme import set_role
from desktop.ui.widgets.plain_text import PlainLabel


class TransmissionNotice(PlainLabel):
    """« La télétransmission se fait dans votre logiciel agréé SESAM-Vitale avec votre carte CPS… »."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("transmissionNotice")
        self.setText(self.tr(TRANSMISSION_NOTICE))
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAccessibleName(self.tr("Télétransmission"))
        self.setAccessibleDescription(self.text())
        set_role(self, "info")
