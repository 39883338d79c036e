"""« Mot de passe oublié ? » on the sign-in page: an emailed code, then the new password (twice)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLineEdit, QPushButton, QWidget

from contracts.email_address import email_problem
from desktop.ui.theme import set_role
from desktop.ui.widgets.plain_text import PlainLabel


class PasswordResetForm(QWidget):
    """Emits `code_requested(email)`, then `reset_requested(code, password)`; `back_requested`."""

    code_requested = Signal(str)
    reset_requested = Signal(str, str)
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        intro = PlainLabel(
            self.tr(
                "Indiquez l'adresse e-mail de votre compte : nous vous envoyons un code valable 10 minutes "
                "pour choisir un nouveau mot de passe."
            ),
            self,
        )
        intro.setWordWrap(True)
        form.addRow(intro)
        self.email = QLineEdit(self)
        self.email.setAccessibleName(self.tr("E-mail du compte"))
        email_label = PlainLabel(self.tr("&E-mail"), self)
        email_label.setBuddy(self.email)
        form.addRow(email_label, self.email)
        self.send_code = QPushButton(self.tr("Recevoir un code par e-mail"), self)
        form.addRow(self.send_code)
        self.sent = PlainLabel(self)
        self.sent.setObjectName("resetSent")
        self.sent.setWordWrap(True)
        set_role(self.sent, "success")
        self.sent.hide()
        form.addRow(self.sent)
        self.code = QLineEdit(self)
        self.code.setAccessibleName(self.tr("Code reçu par e-mail"))
        self.code.setMaxLength(12)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(self.tr("Nouveau mot de passe"))
        self.password_again = QLineEdit(self)
        self.password_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_again.setAccessibleName(self.tr("Nouveau mot de passe, une seconde fois"))
        for text, field in (
            (self.tr("&Code reçu"), self.code),
            (self.tr("&Nouveau mot de passe"), self.password),
            (self.tr("Con&firmation"), self.password_again),
        ):
            label = PlainLabel(text, self)
            label.setBuddy(field)
            form.addRow(label, field)
        self.error = PlainLabel(self)
        self.error.setObjectName("resetError")
        set_role(self.error, "error")
        self.error.setWordWrap(True)
        self.error.hide()
        form.addRow(self.error)
        self.submit = QPushButton(self.tr("Changer le mot de passe et me connecter"), self)
        form.addRow(self.submit)
        self.back = QPushButton(self.tr("Retour à la connexion"), self)
        self.back.setFlat(True)
        form.addRow(self.back)
        self._set_code_step(False)
        self.send_code.clicked.connect(self._on_send_code_clicked)
        self.email.returnPressed.connect(self._on_send_code_clicked)
        self.submit.clicked.connect(self._on_submit_clicked)
        self.password_again.returnPressed.connect(self._on_submit_clicked)
        self.back.clicked.connect(self.back_requested)

    def _set_code_step(self, on: bool) -> None:
        for widget in (self.code, self.password, self.password_again, self.submit):
            widget.setEnabled(on)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
        self.send_code.setEnabled(True)
        if self.sent.isVisible():
            self.submit.setEnabled(True)

    def show_code_sent(self, detail: str) -> None:
        """The server took the request: say so, and ask for the code and the new password."""
        self.error.hide()
        self.sent.setText(detail)
        self.sent.show()
        self.send_code.setText(self.tr("Renvoyer un code"))
        self.send_code.setEnabled(True)
        self._set_code_step(True)
        self.code.setFocus()

    def _on_send_code_clicked(self) -> None:
        problem = email_problem(self.email.text())
        if problem is not None:
            self.show_error(problem)
            return
        self.error.hide()
        self.send_code.setEnabled(False)
        self.code_requested.emit(self.email.text().strip())

    def _on_submit_clicked(self) -> None:
        if not self.code.text().strip():
            self.show_error(self.tr("Indiquez le code reçu par e-mail."))
            return
        if not self.password.text():
            self.show_error(self.tr("Choisissez un nouveau mot de passe."))
            return
        if self.password.text() != self.password_again.text():
            self.show_error(self.tr("Les deux mots de passe ne sont pas identiques."))
            return
        self.error.hide()
        self.submit.setEnabled(False)
        self.reset_requested.emit(self.code.text().strip(), self.password.text())
