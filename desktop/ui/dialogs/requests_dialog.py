"""« Demandes de mise en relation »: each pending request with « Accepter » and « Refuser »."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from contracts.fr_format import short_datetime
from contracts.wire.invitations import ConnectionRequestPublic
from desktop.ui.theme import set_role
from desktop.ui.widgets.plain_text import PlainLabel


class RequestRow(QFrame):
    def __init__(self, request: ConnectionRequestPublic, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.request = request
        self.setObjectName("requestRow")
        layout = QHBoxLayout(self)
        text = QVBoxLayout()
        name = PlainLabel(request.patient.full_name, self)
        bold = name.font()
        bold.setBold(True)
        name.setFont(bold)
        when = PlainLabel(short_datetime(request.created_at), self)
        heading = QHBoxLayout()
        heading.addWidget(name)
        heading.addWidget(when)
        heading.addStretch(1)
        text.addLayout(heading)
        if request.message:
            message = PlainLabel(request.message, self)
            message.setWordWrap(True)
            set_role(message, "muted")
            text.addWidget(message)
        layout.addLayout(text, 1)
        self.accept_button = QPushButton(self.tr("Accepter"), self)
        self.accept_button.setAccessibleName(
            self.tr("Accepter la demande de %1").replace("%1", request.patient.full_name)
        )
        self.decline_button = QPushButton(self.tr("Refuser"), self)
        self.decline_button.setAccessibleName(
            self.tr("Refuser la demande de %1").replace("%1", request.patient.full_name)
        )
        layout.addWidget(self.accept_button)
        layout.addWidget(self.decline_button)


class RequestsDialog(QDialog):
    """Dumb: emits `accept_requested(id)` / `decline_requested(id)`; Esc closes."""

    accept_requested = Signal(str)
    decline_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Demandes de mise en relation"))
        self.setMinimumSize(520, 320)
        layout = QVBoxLayout(self)
        intro = PlainLabel(
            self.tr("Ces patients se sont inscrits seuls et souhaitent échanger avec vous."), self
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.area = QScrollArea(self)
        self.area.setWidgetResizable(True)
        self.body = QWidget(self.area)
        self.column = QVBoxLayout(self.body)
        self.column.addStretch(1)
        self.area.setWidget(self.body)
        layout.addWidget(self.area, 1)
        self.empty = PlainLabel(self.tr("Aucune demande en attente."), self)
        layout.addWidget(self.empty)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.rows: dict[str, RequestRow] = {}

    def show_requests(self, requests: list[ConnectionRequestPublic]) -> None:
        for row in self.rows.values():
            row.deleteLater()
        self.rows = {}
        for request in requests:
            row = RequestRow(request, self.body)
            row.accept_button.clicked.connect(lambda _=False, rid=request.id: self._on_row_accept(rid))
            row.decline_button.clicked.connect(lambda _=False, rid=request.id: self._on_row_decline(rid))
            self.column.insertWidget(self.column.count() - 1, row)
            self.rows[request.id] = row
        self.empty.setVisible(not requests)
        if requests:
            self.rows[requests[0].id].accept_button.setFocus()

    def set_row_busy(self, request_id: str, busy: bool) -> None:
        row = self.rows.get(request_id)
        if row is not None:
            row.accept_button.setEnabled(not busy)
            row.decline_button.setEnabled(not busy)

    def _on_row_accept(self, request_id: str) -> None:
        self.set_row_busy(request_id, True)
        self.accept_requested.emit(request_id)

    def _on_row_decline(self, request_id: str) -> None:
        self.set_row_busy(request_id, True)
        self.decline_requested.emit(request_id)
