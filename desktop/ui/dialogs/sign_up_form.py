"""« Créer un compte praticien »: identity, RPPS, profession, specialty, convention sector."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from contracts.email_address import email_problem
from contracts.identifiers import is_valid_rpps
from contracts.professions import PROFESSIONS, SECTORS, SPECIALIST, SPECIALTIES
from contracts.wire.accounts import PractitionerCreate
from desktop.api.http import request_body
from desktop.domain.errors import UserFacingError
from desktop.ui.theme import set_role
from desktop.ui.widgets.plain_text import PlainLabel


class SignUpForm(QWidget):
    """Checks what it can locally (required fields, passwords, RPPS key), the server the rest."""

    sign_up_requested = Signal(object)  # PractitionerCreate

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.first_name = QLineEdit(self)
        self.last_name = QLineEdit(self)
        self.email = QLineEdit(self)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_again = QLineEdit(self)
        self.password_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.profession = QComboBox(self)
        for code, label in PROFESSIONS.items():
            self.profession.addItem(label, code)
        self.specialty = QComboBox(self)
        for code, label in SPECIALTIES.items():
            self.specialty.addItem(label, code)
        self.rpps = QLineEdit(self)
        self.rpps.setPlaceholderText(self.tr("11 chiffres"))
        self.sector = QComboBox(self)
        for code, label in SECTORS.items():
            self.sector.addItem(label, code)
        self.city = QLineEdit(self)
        rows = (
            (self.tr("&Prénom"), self.first_name),
            (self.tr("&Nom"), self.last_name),
            (self.tr("&E-mail"), self.email),
            (self.tr("&Mot de passe"), self.password),
            (self.tr("&Confirmation"), self.password_again),
            (self.tr("Pro&fession"), self.profession),
            (self.tr("&Spécialité"), self.specialty),
            (self.tr("N° &RPPS"), self.rpps),
            (self.tr("Secteur de con&vention"), self.sector),
            (self.tr("&Ville (facultatif)"), self.city),
        )
        for text, widget in rows:
            buddy = PlainLabel(text, self)
            buddy.setBuddy(widget)
            widget.setAccessibleName(text.replace("&", ""))
            form.addRow(buddy, widget)
        layout.addLayout(form)
        self.error = PlainLabel(self)
        self.error.setObjectName("signUpError")
        set_role(self.error, "error")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        self.submit = QPushButton(self.tr("Créer mon compte"), self)
        self.submit.setDefault(True)
        layout.addWidget(self.submit)
        self.profession.currentIndexChanged.connect(self._on_profession_current_index_changed)
        self.submit.clicked.connect(self._on_submit_clicked)
        self._on_profession_current_index_changed(0)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
        self.submit.setEnabled(True)

    def fields(self) -> dict[str, str]:
        """What the form holds, field by field, as `PractitionerCreate` names them."""
        profession = str(self.profession.currentData())
        fields: dict[str, str] = {
            "first_name": self.first_name.text().strip(),
            "last_name": self.last_name.text().strip(),
            "email": self.email.text().strip(),
            "password": self.password.text(),
            "profession": profession,
            "rpps": self.rpps.text().replace(" ", ""),
            "sector": str(self.sector.currentData()),
        }
        if profession == SPECIALIST:
            fields["specialty"] = str(self.specialty.currentData())
        if self.city.text().strip():
            fields["city"] = self.city.text().strip()
        return fields

    def local_problem(self) -> str | None:
        """A French sentence when the form cannot be sent as it is."""
        fields = self.fields()
        if not fields["first_name"] or not fields["last_name"]:
            return self.tr("Indiquez votre prénom et votre nom.")
        problem = email_problem(fields["email"])
        if problem is not None:
            return problem
        if self.password.text() != self.password_again.text():
            return self.tr("Les deux mots de passe ne sont pas identiques.")
        if not is_valid_rpps(fields["rpps"]):
            return self.tr("Le numéro RPPS doit comporter 11 chiffres, avec une clé de contrôle correcte.")
        return None

    def _on_profession_current_index_changed(self, _index: int) -> None:
        self.specialty.setEnabled(self.profession.currentData() == SPECIALIST)

    def _on_submit_clicked(self) -> None:
        problem = self.local_problem()
        if problem:
            self.show_error(problem)
            return
        try:
            account = request_body(PractitionerCreate, self.fields())
        except UserFacingError as exc:
            self.show_error(exc.message)
            return
        self.show_error("")
        self.submit.setEnabled(False)
        self.sign_up_requested.emit(account)
