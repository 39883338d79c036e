"""Sign in (email, password), « Mot de passe oublié ? », or, where the server allows it, create the
practitioner account. Without a secure keyring, the page says how to get one on this system."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from contracts.email_address import email_problem
from desktop.ui.dialogs.password_reset_form import PasswordResetForm
from desktop.ui.dialogs.sign_up_form import SignUpForm
from desktop.ui.theme import set_role
from desktop.ui.widgets.plain_text import PlainLabel


class SignInDialog(QDialog):
    """Emits `sign_in_requested(email, password)`, `sign_up_requested(PractitionerCreate)`, or for a
    forgotten password `reset_code_requested(email)` then `reset_requested(code, new_password)`."""

    sign_in_requested = Signal(str, str)
    sign_up_requested = Signal(object)  # PractitionerCreate
    reset_code_requested = Signal(str)
    reset_requested = Signal(str, str)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        email: str = "",
        allow_sign_up: bool = True,
        prefer_sign_up: bool = False,
        reason: str = "",
        keyring_help: str = "",
    ) -> None:
        """`keyring_help`: how to get a secure keyring here, shown when sessions cannot be remembered."""
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
        self.sign_in_pages = QStackedWidget(self.tabs)
        sign_in = QWidget(self.sign_in_pages)
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
        self.forgot = QPushButton(self.tr("Mot de passe oublié ?"), sign_in)
        self.forgot.setFlat(True)
        self.forgot.setAccessibleName(self.tr("Mot de passe oublié ? Recevoir un code par e-mail"))
        form.addRow(self.forgot)
        self.sign_in_form = sign_in
        self.reset = PasswordResetForm(self.sign_in_pages)
        self.sign_in_pages.addWidget(sign_in)
        self.sign_in_pages.addWidget(self.reset)
        self.tabs.addTab(self.sign_in_pages, self.tr("Se connecter"))
        self.sign_up = SignUpForm(self.tabs)
        if allow_sign_up:
            self.tabs.addTab(self.sign_up, self.tr("Créer un compte"))
            if prefer_sign_up:
                self.tabs.setCurrentWidget(self.sign_up)
        else:
            self.sign_up.hide()
        layout.addWidget(self.tabs)
        self.keyring_help = PlainLabel(
            self.tr(
                "Votre session ne pourra pas être retenue sur ce poste : il faudra vous reconnecter à "
                "chaque lancement. "
            )
            + keyring_help,
            self,
        )
        self.keyring_help.setObjectName("keyringHelp")
        self.keyring_help.setWordWrap(True)
        set_role(self.keyring_help, "notice")
        self.keyring_help.setVisible(bool(keyring_help))
        layout.addWidget(self.keyring_help)
        self.submit.clicked.connect(self._on_submit_clicked)
        self.forgot.clicked.connect(self._on_forgot_clicked)
        self.reset.back_requested.connect(self._on_reset_back_requested)
        self.reset.code_requested.connect(self.reset_code_requested)
        self.reset.reset_requested.connect(self.reset_requested)
        self.password.returnPressed.connect(self._on_submit_clicked)
        self.sign_up.sign_up_requested.connect(self.sign_up_requested)
        (self.password if email else self.email).setFocus()

    def show_error(self, text: str) -> None:
        """Show a refusal on the tab in use."""
        if self.tabs.currentWidget() is self.sign_up:
            self.sign_up.show_error(text)
            return
        if self.sign_in_pages.currentWidget() is self.reset:
            self.reset.show_error(text)
            return
        self.error.setText(text)
        self.error.setVisible(bool(text))
        self.submit.setEnabled(True)

    def show_reset_sent(self, detail: str) -> None:
        """The server took the « mot de passe oublié » request (`detail`: its French answer)."""
        self.reset.show_code_sent(detail)

    def _on_forgot_clicked(self) -> None:
        self.reset.email.setText(self.email.text().strip())
        self.sign_in_pages.setCurrentWidget(self.reset)
        (self.reset.send_code if self.reset.email.text() else self.reset.email).setFocus()

    def _on_reset_back_requested(self) -> None:
        self.sign_in_pages.setCurrentWidget(self.sign_in_form)
        self.password.setFocus()

    def _on_submit_clicked(self) -> None:
        if not self.email.text().strip() or not self.password.text():
            self.show_error(self.tr("Indiquez votre e-mail et votre mot de passe."))
            return
        problem = email_problem(self.email.text())
        if problem is not None:
            self.show_error(problem)
            return
        self.error.hide()
        self.submit.setEnabled(False)
        self.sign_in_requested.emit(self.email.text().strip(), self.password.text())
