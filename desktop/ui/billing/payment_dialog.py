"""« Demander un paiement »: amount in euros (« 25,00 »), label, optional link to the claim, and a
preview of what the patient will read before paying (amount, label, sector, reimbursement estimate).

Dumb: `PaymentPresenter` fills it, checks what is typed and sends; the dialog emits `edited` as the
practitioner types and `submit_requested(amount_text, label, link_claim)` on « Envoyer la demande ».
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.theme import set_role
from desktop.ui.widgets.plain_text import PlainLabel


def _error_label(parent: QWidget, name: str) -> QLabel:
    label = PlainLabel(parent)
    label.setObjectName(name)
    set_role(label, "error")
    label.setWordWrap(True)
    label.hide()
    return label


class PaymentDialog(QDialog):
    """The payment request form of one conversation."""

    edited = Signal(str, str, bool)  # amount text, label, link to the claim
    submit_requested = Signal(str, str, bool)

    def __init__(self, patient_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Demander un paiement"))
        self.setAccessibleName(self.tr("Demander un paiement à %1").replace("%1", patient_name))
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        intro = PlainLabel(
            self.tr("%1 verra la demande dans la conversation et pourra la régler.").replace(
                "%1", patient_name
            ),
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        form = QFormLayout()
        self.amount = QLineEdit(self)
        self.amount.setObjectName("paymentAmount")
        self.amount.setPlaceholderText("25,00")
        self.amount.setAccessibleName(self.tr("Montant en euros"))
        self.amount.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.amount_error = _error_label(self, "paymentAmountError")
        amount_box = QVBoxLayout()
        amount_box.setSpacing(2)
        amount_box.addWidget(self.amount)
        amount_box.addWidget(self.amount_error)
        amount_label = PlainLabel(self.tr("&Montant (€)"), self)
        amount_label.setBuddy(self.amount)
        form.addRow(amount_label, amount_box)

        self.label = QLineEdit(self)
        self.label.setObjectName("paymentLabel")
        self.label.setMaxLength(200)
        self.label.setAccessibleName(self.tr("Libellé montré au patient"))
        self.label_error = _error_label(self, "paymentLabelError")
        label_box = QVBoxLayout()
        label_box.setSpacing(2)
        label_box.addWidget(self.label)
        label_box.addWidget(self.label_error)
        text_label = PlainLabel(self.tr("&Libellé"), self)
        text_label.setBuddy(self.label)
        form.addRow(text_label, label_box)
        layout.addLayout(form)

        self.link_claim = QCheckBox(self)
        self.link_claim.setObjectName("paymentLinkClaim")
        self.link_claim.hide()
        layout.addWidget(self.link_claim)

        self.preview = PlainLabel(self)
        self.preview.setObjectName("paymentPreview")
        self.preview.setWordWrap(True)
        self.preview.setTextFormat(Qt.TextFormat.PlainText)
        set_role(self.preview, "preview")
        self.preview.setAccessibleName(self.tr("Ce que le patient verra"))
        layout.addWidget(self.preview)
        self.general_error = _error_label(self, "paymentError")
        layout.addWidget(self.general_error)

        self.buttons = QDialogButtonBox(self)
        self.submit: QPushButton = self.buttons.addButton(
            self.tr("Envoyer la demande"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.submit.setDefault(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.amount.textEdited.connect(self._on_field_edited)
        self.label.textEdited.connect(self._on_field_edited)
        self.link_claim.toggled.connect(self._on_field_edited)
        self.amount.setFocus()

    # ---------------------------------------------------------------- rendering
    def set_values(self, amount_text: str, label: str) -> None:
        self.amount.setText(amount_text)
        self.label.setText(label)

    def offer_claim_link(self, text: str, checked: bool = True) -> None:
        """« Lier à la feuille de soins du 24 novembre 2026 (TCG, 25,00 €) »."""
        self.link_claim.setText(text)
        self.link_claim.setAccessibleName(text)
        self.link_claim.setChecked(checked)
        self.link_claim.show()

    def set_preview(self, text: str) -> None:
        self.preview.setText(text)
        self.preview.setAccessibleDescription(text)

    def set_error(self, field: str | None, message: str) -> None:
        """A French message next to its field (`amount`, `label`), or under the form."""
        for name, label in (("amount", self.amount_error), ("label", self.label_error)):
            if field == name:
                label.setText(message)
                label.setVisible(bool(message))
        if field not in ("amount", "label"):
            self.general_error.setText(message)
            self.general_error.setVisible(bool(message))

    def clear_errors(self) -> None:
        for label in (self.amount_error, self.label_error, self.general_error):
            label.clear()
            label.hide()

    def set_busy(self, busy: bool) -> None:
        self.submit.setEnabled(not busy)
        self.submit.setText(self.tr("Envoi…") if busy else self.tr("Envoyer la demande"))

    # ---------------------------------------------------------------- intents
    def _values(self) -> tuple[str, str, bool]:
        return (
            self.amount.text(),
            self.label.text(),
            not self.link_claim.isHidden() and self.link_claim.isChecked(),
        )

    def _on_field_edited(self, *_args: object) -> None:
        self.edited.emit(*self._values())

    def _on_buttons_accepted(self) -> None:
        self.submit_requested.emit(*self._values())
