"""The billing view (Ctrl+B): claims and payment requests by status and date, and what to do with them.

Claims: open, change status (exportée, télétransmise, payée, rejetée — as the certified software
reports), export (JSON, CSV), PDF recap, send the note d'honoraires; « Exporter la journée ».
Payments: cancel, mark as paid (with the method), refund. Dumb: the presenter gives rows; every
button emits an intent with the selected row's id. Enter on a claim opens it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

from PySide6.QtCore import QDate, Qt, Signal, SignalInstance
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.billing.payments import OFFLINE_METHODS
from desktop.ui.billing.transmission_notice import TransmissionNotice
from desktop.ui.theme import set_role
from desktop.ui.widgets.plain_text import PlainLabel


@dataclass(frozen=True, slots=True)
class ClaimRowView:
    id: str
    when: str
    patient: str
    codes: str
    total: str
    status_label: str
    transitions: tuple[tuple[str, str], ...]  # (status value, « télétransmise »)
    exportable: bool


@dataclass(frozen=True, slots=True)
class PaymentRowView:
    id: str
    when: str
    patient: str
    label: str
    amount: str
    status_label: str
    method_label: str
    pending: bool
    refundable: bool


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _table(parent: QWidget, headers: list[str], name: str) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(headers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.setAccessibleName(name)
    return table


def _menu_button(parent: QWidget, text: str) -> tuple[QToolButton, QMenu]:
    button = QToolButton(parent)
    button.setText(text)
    button.setAccessibleName(text)
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    menu = QMenu(button)
    button.setMenu(menu)
    return button, menu


class BillingPage(QWidget):
    """« Facturation »: feuilles de soins and paiements."""

    back_requested = Signal()
    refresh_requested = Signal()
    open_requested = Signal(str)  # claim id
    status_requested = Signal(str, str)  # claim id, status value
    export_requested = Signal(str, str)  # claim id, json | csv
    recap_requested = Signal(str)
    note_requested = Signal(str)
    export_day_requested = Signal(object, str)  # date, json | csv
    payment_cancel_requested = Signal(str)
    payment_mark_paid_requested = Signal(str, str)  # payment id, method
    payment_refund_requested = Signal(str)

    def __init__(self, today: date, parent: QWidget | None = None) -> None:
        """`today`: the Paris day the date filters start from (the workspace's clock)."""
        super().__init__(parent)
        self.setObjectName("billingPage")
        self.setAccessibleName(self.tr("Facturation"))
        column = QVBoxLayout(self)
        top = QHBoxLayout()
        self.back = QPushButton(self.tr("← Retour"), self)
        self.back.setAccessibleName(self.tr("Fermer la facturation"))
        self.back.clicked.connect(self.back_requested)
        title = PlainLabel(self.tr("Facturation"), self)
        set_role(title, "title")
        top.addWidget(self.back)
        top.addWidget(title, 1)
        column.addLayout(top)
        column.addWidget(TransmissionNotice(self))

        filters = QHBoxLayout()
        self.claim_status = QComboBox(self)
        self.claim_status.setAccessibleName(self.tr("Statut des feuilles de soins"))
        self.payment_status = QComboBox(self)
        self.payment_status.setAccessibleName(self.tr("Statut des paiements"))
        self.day_from = QDateEdit(_qdate(today - timedelta(days=30)), self)
        self.day_to = QDateEdit(_qdate(today), self)
        for edit, name in ((self.day_from, self.tr("Du")), (self.day_to, self.tr("Au"))):
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setCalendarPopup(True)
            edit.setAccessibleName(name)
        self.refresh = QPushButton(self.tr("Actualiser"), self)
        self.refresh.clicked.connect(self.refresh_requested)
        for widget in (
            PlainLabel(self.tr("Du"), self), self.day_from, PlainLabel(self.tr("au"), self), self.day_to,
            self.claim_status, self.payment_status, self.refresh,
        ):  # fmt: skip
            filters.addWidget(widget)
        filters.addStretch(1)
        column.addLayout(filters)
        for combo in (self.claim_status, self.payment_status, self.day_from, self.day_to):
            signal = combo.activated if isinstance(combo, QComboBox) else combo.editingFinished
            signal.connect(self.refresh_requested)

        self.tabs = QTabWidget(self)
        claims_tab = QWidget(self.tabs)
        claims_column = QVBoxLayout(claims_tab)
        self.claims = _table(
            claims_tab,
            [
                self.tr("Acte du"),
                self.tr("Patient"),
                self.tr("Cotation"),
                self.tr("Total"),
                self.tr("Statut"),
            ],
            self.tr("Feuilles de soins"),
        )
        self.claims.itemActivated.connect(lambda item: self.open_requested.emit(self._claim_id(item.row())))
        self.claims.itemSelectionChanged.connect(self._on_claims_selection_changed)
        claims_column.addWidget(self.claims, 1)
        actions = QHBoxLayout()
        self.open = QPushButton(self.tr("Ouvrir"), claims_tab)
        self.open.clicked.connect(lambda: self._emit_claim(self.open_requested))
        self.status_button, self.status_menu = _menu_button(claims_tab, self.tr("Changer le statut"))
        self.export_button, export_menu = _menu_button(claims_tab, self.tr("Exporter"))
        export_menu.addAction(self.tr("Fichier JSON…"), lambda: self._emit_export("json"))
        export_menu.addAction(self.tr("Fichier CSV…"), lambda: self._emit_export("csv"))
        self.recap = QPushButton(self.tr("Récapitulatif PDF…"), claims_tab)
        self.recap.clicked.connect(lambda: self._emit_claim(self.recap_requested))
        self.note = QPushButton(self.tr("Envoyer la note d'honoraires"), claims_tab)
        self.note.clicked.connect(lambda: self._emit_claim(self.note_requested))
        for button in (self.open, self.status_button, self.export_button, self.recap, self.note):
            actions.addWidget(button)
        actions.addStretch(1)
        self.day = QDateEdit(_qdate(today), claims_tab)
        self.day.setDisplayFormat("dd/MM/yyyy")
        self.day.setCalendarPopup(True)
        self.day.setAccessibleName(self.tr("Journée à exporter"))
        self.export_day_button, day_menu = _menu_button(claims_tab, self.tr("Exporter la journée"))
        day_menu.addAction(self.tr("Fichier JSON…"), lambda: self._emit_day("json"))
        day_menu.addAction(self.tr("Fichier CSV…"), lambda: self._emit_day("csv"))
        actions.addWidget(self.day)
        actions.addWidget(self.export_day_button)
        claims_column.addLayout(actions)
        self.tabs.addTab(claims_tab, self.tr("Feuilles de soins"))

        payments_tab = QWidget(self.tabs)
        payments_column = QVBoxLayout(payments_tab)
        self.payments = _table(
            payments_tab,
            [
                self.tr("Demandé le"),
                self.tr("Patient"),
                self.tr("Libellé"),
                self.tr("Montant"),
                self.tr("Statut"),
                self.tr("Mode"),
            ],
            self.tr("Paiements"),
        )
        self.payments.itemSelectionChanged.connect(self._on_payments_selection_changed)
        payments_column.addWidget(self.payments, 1)
        pay_actions = QHBoxLayout()
        self.cancel_payment = QPushButton(self.tr("Annuler la demande"), payments_tab)
        self.cancel_payment.clicked.connect(lambda: self._emit_payment(self.payment_cancel_requested))
        self.mark_paid, paid_menu = _menu_button(payments_tab, self.tr("Marquer comme réglé"))
        for method, label in OFFLINE_METHODS.items():
            paid_menu.addAction(self.tr(label), partial(self._emit_mark_paid, method))
        self.refund = QPushButton(self.tr("Rembourser"), payments_tab)
        self.refund.clicked.connect(lambda: self._emit_payment(self.payment_refund_requested))
        for button in (self.cancel_payment, self.mark_paid, self.refund):
            pay_actions.addWidget(button)
        pay_actions.addStretch(1)
        payments_column.addLayout(pay_actions)
        self.tabs.addTab(payments_tab, self.tr("Paiements"))
        column.addWidget(self.tabs, 1)
        self.claim_rows: list[ClaimRowView] = []
        self.payment_rows: list[PaymentRowView] = []
        self._on_claims_selection_changed()
        self._on_payments_selection_changed()

    # ---------------------------------------------------------------- rendering
    def set_status_choices(
        self, claims: list[tuple[str, str | None]], payments: list[tuple[str, str | None]]
    ) -> None:
        for combo, choices in ((self.claim_status, claims), (self.payment_status, payments)):
            combo.clear()
            for text, value in choices:
                combo.addItem(text, value)

    def filters(self) -> tuple[str | None, str | None, date, date]:
        """(claim status, payment status, first day, last day)."""
        return (
            self.claim_status.currentData(),
            self.payment_status.currentData(),
            _day(self.day_from.date()),
            _day(self.day_to.date()),
        )

    def show_claims(self, rows: list[ClaimRowView]) -> None:
        selected = self.selected_claim()
        self.claim_rows = rows
        self._fill(self.claims, [[r.when, r.patient, r.codes, r.total, r.status_label] for r in rows])
        self._select(self.claims, [r.id for r in rows], selected)
        self._on_claims_selection_changed()

    def show_payments(self, rows: list[PaymentRowView]) -> None:
        selected = self.selected_payment()
        self.payment_rows = rows
        self._fill(
            self.payments,
            [[r.when, r.patient, r.label, r.amount, r.status_label, r.method_label] for r in rows],
        )
        self._select(self.payments, [r.id for r in rows], selected)
        self._on_payments_selection_changed()

    @staticmethod
    def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
        table.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if c == 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(r, c, item)

    @staticmethod
    def _select(table: QTableWidget, ids: list[str], wanted: str | None) -> None:
        if wanted in ids:
            table.selectRow(ids.index(wanted))
        elif ids:
            table.selectRow(0)

    def selected_claim(self) -> str | None:
        row = self.claims.currentRow()
        return self._claim_id(row) if self.claims.selectedItems() else None

    def selected_payment(self) -> str | None:
        row = self.payments.currentRow()
        return (
            self.payment_rows[row].id
            if self.payments.selectedItems() and 0 <= row < len(self.payment_rows)
            else None
        )

    def _claim_id(self, row: int) -> str:
        return self.claim_rows[row].id if 0 <= row < len(self.claim_rows) else ""

    # ---------------------------------------------------------------- intents
    def _on_claims_selection_changed(self) -> None:
        claim_id = self.selected_claim()
        row = next((r for r in self.claim_rows if r.id == claim_id), None)
        self.status_menu.clear()
        for value, label in row.transitions if row else ():
            self.status_menu.addAction(label, partial(self._emit_status, value))
        for widget in (self.open, self.recap, self.note):
            widget.setEnabled(row is not None)
        self.status_button.setEnabled(bool(row and row.transitions))
        self.export_button.setEnabled(bool(row and row.exportable))

    def _on_payments_selection_changed(self) -> None:
        payment_id = self.selected_payment()
        row = next((r for r in self.payment_rows if r.id == payment_id), None)
        self.cancel_payment.setEnabled(bool(row and row.pending))
        self.mark_paid.setEnabled(bool(row and row.pending))
        self.refund.setEnabled(bool(row and row.refundable))

    def _emit_claim(self, signal: SignalInstance) -> None:
        claim_id = self.selected_claim()
        if claim_id:
            signal.emit(claim_id)

    def _emit_status(self, value: str) -> None:
        claim_id = self.selected_claim()
        if claim_id:
            self.status_requested.emit(claim_id, value)

    def _emit_export(self, kind: str) -> None:
        claim_id = self.selected_claim()
        if claim_id:
            self.export_requested.emit(claim_id, kind)

    def _emit_day(self, kind: str) -> None:
        self.export_day_requested.emit(_day(self.day.date()), kind)

    def _emit_payment(self, signal: SignalInstance) -> None:
        payment_id = self.selected_payment()
        if payment_id:
            signal.emit(payment_id)

    def _emit_mark_paid(self, method: str) -> None:
        payment_id = self.selected_payment()
        if payment_id:
            self.payment_mark_paid_requested.emit(payment_id, method)
