"""The payment banner of the open conversation: « Paiement en attente : 25,00 € — Téléconsultation ».

One row per request worth showing: pending ones with « Annuler » and « Marquer comme réglé » (a
menu: carte sur place, chèque, virement, espèces), and those settled lately (« Paiement réglé :
25,00 € — … (chèque) »; « Rembourser » when paid online; « Masquer »). Dumb: the presenter decides
which requests to show; every button is an intent signal carrying the payment id.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from contracts.wire.payments import PaymentPublic
from desktop.billing.payments import OFFLINE_METHODS
from desktop.ui.theme import set_role
from desktop.ui.widgets.plain_text import PlainLabel, plain_tooltip


class PaymentRow(QFrame):
    """One payment request in the banner."""

    cancel_requested = Signal(str)
    mark_paid_requested = Signal(str, str)  # payment id, method
    refund_requested = Signal(str)
    dismiss_requested = Signal(str)

    def __init__(self, payment: PaymentPublic, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.payment = payment
        self.setObjectName("paymentRow")
        self.setProperty("status", payment.status)  # the theme colours pending, paid and refunded rows
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 6, 6)
        self.text = PlainLabel(self._text(payment), self)
        self.text.setObjectName("paymentText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        set_role(self.text, "strong")
        self.text.setToolTip(
            plain_tooltip(f"{payment.practitioner.sector_notice}\n{payment.fee_notice}".strip())
        )
        row.addWidget(self.text, 1)
        self.buttons: dict[str, QWidget] = {}
        if payment.pending:
            cancel = QPushButton(self.tr("Annuler"), self)
            cancel.setAccessibleName(
                self.tr("Annuler la demande de paiement de %1").replace("%1", payment.amount_label)
            )
            cancel.clicked.connect(lambda: self.cancel_requested.emit(payment.id))
            mark = QToolButton(self)
            mark.setText(self.tr("Marquer comme réglé"))
            mark.setAccessibleName(self.tr("Marquer comme réglé : choisir le mode de paiement"))
            mark.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            mark.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            menu = QMenu(mark)
            for method, label in OFFLINE_METHODS.items():
                action = menu.addAction(self.tr(label))
                action.setData(method)
                action.triggered.connect(
                    lambda _c=False, m=method: self.mark_paid_requested.emit(payment.id, m)
                )
            mark.setMenu(menu)
            self.buttons.update(cancel=cancel, mark_paid=mark)
        else:
            if payment.paid_online:
                refund = QPushButton(self.tr("Rembourser"), self)
                refund.setAccessibleName(
                    self.tr("Rembourser le paiement en ligne de %1").replace("%1", payment.amount_label)
                )
                refund.clicked.connect(lambda: self.refund_requested.emit(payment.id))
                self.buttons["refund"] = refund
            hide = QToolButton(self)
            hide.setText("✕")
            hide.setAccessibleName(self.tr("Masquer ce paiement"))
            hide.clicked.connect(lambda: self.dismiss_requested.emit(payment.id))
            self.buttons["dismiss"] = hide
        for button in self.buttons.values():
            row.addWidget(button)
        self.setAccessibleName(self.text.text())

    def _text(self, payment: PaymentPublic) -> str:
        if payment.pending:
            return (
                self.tr("Paiement en attente : %1 — %2")
                .replace("%1", payment.amount_label)
                .replace("%2", payment.label)
            )
        if payment.paid:
            how = f" ({payment.method_label})" if payment.method_label else ""
            return (
                self.tr("Paiement réglé : %1 — %2")
                .replace("%1", payment.amount_label)
                .replace("%2", payment.label)
                + how
            )
        return (
            self.tr("Paiement remboursé : %1 — %2")
            .replace("%1", payment.amount_label)
            .replace("%2", payment.label)
        )


class PaymentBanner(QWidget):
    """The rows of the open conversation's payment requests (hidden when there is none to show)."""

    cancel_requested = Signal(str)
    mark_paid_requested = Signal(str, str)
    refund_requested = Signal(str)
    dismiss_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paymentBanner")
        self.setAccessibleName(self.tr("Paiements de la conversation"))
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(8, 4, 8, 4)
        self.column.setSpacing(4)
        self.rows: dict[str, PaymentRow] = {}
        self.hide()

    def show_payments(self, payments: list[PaymentPublic]) -> None:
        """Rebuild the rows (a handful at most)."""
        for row in self.rows.values():
            self.column.removeWidget(row)
            row.deleteLater()
        self.rows = {}
        for payment in payments:
            row = PaymentRow(payment, self)
            row.cancel_requested.connect(self.cancel_requested)
            row.mark_paid_requested.connect(self.mark_paid_requested)
            row.refund_requested.connect(self.refund_requested)
            row.dismiss_requested.connect(self.dismiss_requested)
            self.column.addWidget(row)
            self.rows[payment.id] = row
        self.setVisible(bool(payments))

    def texts(self) -> list[str]:
        """The rows' sentences, top to bottom."""
        return [row.text.text() for row in self.rows.values()]
