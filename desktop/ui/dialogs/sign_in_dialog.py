"""Sign in (email, password) or, where the server allows it, create the practitioner account."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.dialogs.sign_up_form import SignUpForm
from desktop.ui.theme import set_role
from desktop.ui.widgets.plain_text import PlainLabel


class SignInDialog(QDialog):
    """Emits `sign_in_requested(email, password)` or `sign_up_requested(PractitionerCreate)`."""

    sign_in_requested = Signal(str, str)
    sign_up_requested = Signal(object)  # PractitionerCreate

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        email: str = "",
        allow_sign_up: bool = True,
        prefer_sign_up: bool = False,
        reason: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Connexion à Teleconsult"))
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        if reason:
            why = PlainLabel(reason, self)
            why.setWordWrap(True)
            set_role(why, "notice")
            layout.addWidget(why)
        self.tabs = QTabWidget(self)
        sign_in = QWidget(self.tabs)
        form = QFormLayout(sign_in)
        self.email = QLineEdit(email, sign_in)
        self.email.setAccessibleName(self.tr("E-mail"))
        self.password = QLineEdit(sign_in)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(self.tr("Mot de passe"))
        email_label = PlainLabel(self.tr("&E-mail"), sign_in)
        email_label.setBuddy(self.email)
        password_label = PlainLabel(self.tr("&Mot de passe"), sign_in)
        password_label.setBuddy(self.password)
        form.addRow(email_label, self.email)
        form.addRow(password_label, self.password)
        self.error = PlainLabel(sign_in)
        self.error.setObjectName("signInError")
        set_role(self.error, "error")
        self.error.setWordWrap(True)
        self.error.hide()
        form.addRow(self.error)
        self.submit = QPushButton(self.tr("Se connecter"), sign_in)
        self.submit.setDefault(True)
        form.addRow(self.submit)
        self.tabs.addTab(sign_in, self.tr("Se connecter"))
        self.sign_up = SignUpForm(self.tabs)
        if allow_sign_up:
            self.tabs.addTab(self.sign_up, self.tr("Créer un compte"))
            if prefer_sign_up:
                self.tabs.setCurrentWidget(self.sign_up)
        else:
            self.sign_up.hide()
        layout.addWidget(self.tabs)
        self.submit.clicked.connect(self._on_submit_clicked)
        self.password.returnPressed.connect(self._on_submit_clicked)
        self.sign_up.sign_up_requested.connect(self.sign_up_requested)
        (self.password if email else self.email).setFocus()

    def show_error(self, text: str) -> None:
        """Show a refusal on the tab in use."""
        if self.tabs.currentWidget() is self.sign_up:
            self.sign_up.show_error(text)
            return
        self.error.setText(text)
        self.error.setVisible(bool(text))
        self.submit.setEnabled(True)

    def _on_submit_clicked(self) -> None:
        if not self.email.text().strip() or not self.password.text():
            self.show_error(self.tr("Indiquez votre e-mail et votre mot de passe."))
            return
        self.error.hide()
        self.submit.setEnabled(False)
        self.sign_in_requested.emit(self.email.text().strip(), self.password.text())
