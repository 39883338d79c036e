"""« Inviter un patient autonome »: first and last name, email and/or phone, checked as typed."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from contracts.wire.invitations import InvitationPublic
from desktop.services.invitations import InvitationDraft
from desktop.ui.theme import SPACE, set_role
from desktop.ui.widgets.plain_text import PlainLabel

FIELDS = ("first_name", "last_name", "email", "phone")
VALIDATE_DELAY_MS = 350


class InvitationDialog(QDialog):
    """Dumb dialog: emits `validate_requested` (debounced) and `submit_requested` with the draft."""

    validate_requested = Signal(object)  # InvitationDraft
    submit_requested = Signal(object)  # InvitationDraft

    def __init__(self, parent: QWidget | None = None, invitation: InvitationPublic | None = None) -> None:
        super().__init__(parent)
        self.invitation = invitation
        editing = invitation is not None
        self.setWindowTitle(
            self.tr("Corriger l'invitation") if editing else self.tr("Inviter un patient autonome")
        )
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)

        self.plan_notice = PlainLabel(self)
        self.plan_notice.setObjectName("planNotice")
        self.plan_notice.setWordWrap(True)
        set_role(self.plan_notice, "notice")
        self.plan_notice.hide()
        layout.addWidget(self.plan_notice)

        intro = PlainLabel(
            self.tr(
                "L'invitation part par e-mail si vous indiquez une adresse (avec ou sans téléphone), "
                "par SMS si vous n'indiquez qu'un numéro de portable. Elle est valable 15 jours."
            ),
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        form = QFormLayout()
        form.setHorizontalSpacing(SPACE["m"])  # « Téléphone portable » never touches its field
        labels = {
            "first_name": self.tr("&Prénom"),
            "last_name": self.tr("&Nom"),
            "email": self.tr("&E-mail"),
            "phone": self.tr("&Téléphone portable"),
        }
        self.inputs: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        self.touched: set[str] = set()
        for field in FIELDS:
            edit = QLineEdit(self)
            edit.setObjectName(f"invitation_{field}")
            edit.setAccessibleName(labels[field].replace("&", ""))
            error = PlainLabel(self)
            error.setObjectName(f"invitation_{field}_error")
            set_role(error, "error")
            error.setWordWrap(True)
            error.hide()
            box = QVBoxLayout()
            box.setSpacing(2)
            box.addWidget(edit)
            box.addWidget(error)
            label = PlainLabel(labels[field], self)
            label.setBuddy(edit)
            form.addRow(label, box)
            self.inputs[field] = edit
            self.errors[field] = error
            edit.textEdited.connect(self._on_input_text_edited)
            edit.editingFinished.connect(lambda f=field: self._on_input_editing_finished(f))
        self.inputs["email"].setPlaceholderText("patient@exemple.fr")
        self.inputs["phone"].setPlaceholderText("06 12 34 56 78")
        layout.addLayout(form)

        self.channel = PlainLabel(self)
        self.channel.setObjectName("invitationChannel")
        set_role(self.channel, "strong")
        self.channel.setAccessibleName(self.tr("Canal d'envoi"))
        layout.addWidget(self.channel)
        self.general_error = PlainLabel(self)
        set_role(self.general_error, "error")
        self.general_error.setWordWrap(True)
        self.general_error.hide()
        layout.addWidget(self.general_error)

        self.buttons = QDialogButtonBox(self)
        self.submit: QPushButton = self.buttons.addButton(
            self.tr("Envoyer l'invitation corrigée") if editing else self.tr("Envoyer l'invitation"),
            QDialogButtonBox.ButtonRole.AcceptRole,
        )
        self.submit.setDefault(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(VALIDATE_DELAY_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        if invitation is not None:
            for field, value in (
                ("first_name", invitation.first_name),
                ("last_name", invitation.last_name),
                ("email", invitation.email or ""),
                ("phone", invitation.phone or ""),
            ):
                self.inputs[field].setText(value)
            self.touched.update(FIELDS)
        self.set_channel(None)
        self.inputs["first_name"].setFocus(Qt.FocusReason.OtherFocusReason)

    # ---------------------------------------------------------------- state
    def draft(self) -> InvitationDraft:
        return InvitationDraft(*(self.inputs[f].text() for f in FIELDS))

    def set_channel(self, channel: str | None) -> None:
        text = {
            "email": self.tr("Envoi par e-mail"),
            "sms": self.tr("Envoi par SMS"),
        }.get(channel or "", self.tr("Indiquez un e-mail ou un numéro de portable."))
        self.channel.setText(text)

    def set_field_error(self, field: str | None, message: str, *, force: bool = False) -> None:
        """Show the server's French message under its field (only once the field was touched)."""
        self.clear_errors()
        if field in self.errors:
            if force or field in self.touched:
                self.errors[field].setText(message)
                self.errors[field].show()
                self.inputs[field].setAccessibleDescription(message)
        elif force:
            self.general_error.setText(message)
            self.general_error.show()

    def clear_errors(self) -> None:
        for field, label in self.errors.items():
            label.hide()
            self.inputs[field].setAccessibleDescription("")
        self.general_error.hide()

    def show_plan_notice(self, text: str) -> None:
        self.plan_notice.setText(text)
        self.plan_notice.setVisible(bool(text))

    def set_busy(self, busy: bool) -> None:
        self.submit.setEnabled(not busy)
        self.submit.setText(
            self.tr("Envoi…")
            if busy
            else self.tr("Envoyer l'invitation corrigée")
            if self.invitation
            else self.tr("Envoyer l'invitation")
        )

    # ---------------------------------------------------------------- intents
    def _on_input_text_edited(self, _text: str) -> None:
        self._timer.start()

    def _on_input_editing_finished(self, field: str) -> None:
        if self.inputs[field].text().strip():
            self.touched.add(field)

    def _on_timer_timeout(self) -> None:
        self.validate_requested.emit(self.draft())

    def _on_buttons_accepted(self) -> None:
        self.touched.update(FIELDS)
        self._timer.stop()
        self.submit_requested.emit(self.draft())
