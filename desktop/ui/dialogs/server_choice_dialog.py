"""First run: « Utiliser ce poste (serveur local) » or « Se connecter à un serveur » (URL)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.app_settings import LOCAL, REMOTE
from desktop.ui.theme import set_role
from desktop.ui.widgets.plain_text import PlainLabel


class ServerChoiceDialog(QDialog):
    """Emits `choice_requested(mode, url)`; the controller checks the URL and closes it."""

    choice_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Bienvenue dans Teleconsult"))
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        intro = PlainLabel(self.tr("Où sont gardées vos conversations ?"), self)
        set_role(intro, "subtitle")
        layout.addWidget(intro)
        self.local = QRadioButton(self.tr("Utiliser ce poste (serveur local)"), self)
        self.local.setChecked(True)
        local_help = PlainLabel(
            self.tr(
                "Teleconsult démarre son serveur sur cet ordinateur, avec ses données dans votre dossier "
                "personnel. Idéal pour essayer seul ; vos patients doivent pouvoir joindre ce poste."
            ),
            self,
        )
        local_help.setWordWrap(True)
        set_role(local_help, "muted")
        local_help.setContentsMargins(22, 0, 0, 0)
        self.remote = QRadioButton(self.tr("Se connecter à un serveur"), self)
        self.url = QLineEdit(self)
        self.url.setPlaceholderText("https://teleconsult.mon-cabinet.fr")
        self.url.setAccessibleName(self.tr("Adresse du serveur"))
        self.url.setEnabled(False)
        group = QButtonGroup(self)
        group.addButton(self.local)
        group.addButton(self.remote)
        self.remote.toggled.connect(self.url.setEnabled)
        self.remote.toggled.connect(lambda on: self.url.setFocus() if on else None)
        self.error = PlainLabel(self)
        set_role(self.error, "error")
        self.error.setWordWrap(True)
        self.error.hide()
        for widget in (self.local, local_help, self.remote, self.url, self.error):
            layout.addWidget(widget)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(self.tr("Continuer"))
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
        self.buttons.setEnabled(True)

    def _on_buttons_accepted(self) -> None:
        self.show_error("")
        self.buttons.setEnabled(False)
        if self.local.isChecked():
            self.choice_requested.emit(LOCAL, "")
        else:
            self.choice_requested.emit(REMOTE, self.url.text())
