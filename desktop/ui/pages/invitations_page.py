"""« Invitations patients »: status, sent date, expiry, search, and corriger / renvoyer / annuler / copier."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal, SignalInstance
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from contracts.fr_format import short_datetime
from contracts.wire.invitations import InvitationPublic
from desktop.services.invitations import STATUS_LABELS, status_label
from desktop.ui.theme import current_palette, set_role
from desktop.ui.widgets.plain_text import PlainLabel, plain_tooltip

_STATUS_TOKENS = {  # palette tokens (theme.py)
    "pending": "primary",
    "accepted": "success_text",
    "expired": "muted",
    "cancelled": "muted",
    "delivery_failed": "error_text",
}
ID_ROLE = Qt.ItemDataRole.UserRole + 1


class InvitationsPage(QWidget):
    """A table of invitations and the actions on the selected one."""

    search_requested = Signal(str)
    status_filter_requested = Signal(str)
    invite_requested = Signal()
    correct_requested = Signal(str)
    resend_requested = Signal(str)
    cancel_requested = Signal(str)
    copy_link_requested = Signal(str)
    open_conversation_requested = Signal(str)
    close_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("invitationsPage")
        self.invitations: list[InvitationPublic] = []
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        title = PlainLabel(self.tr("Invitations patients"), self)
        set_role(title, "title")
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Rechercher (nom, e-mail, téléphone)…"))
        self.search.setAccessibleName(self.tr("Rechercher une invitation"))
        self.search.setClearButtonEnabled(True)
        self.status = QComboBox(self)
        self.status.setAccessibleName(self.tr("Filtrer par statut"))
        self.status.addItem(self.tr("Tous les statuts"), "")
        for code, label in STATUS_LABELS.items():
            self.status.addItem(label, code)
        self.invite = QPushButton(self.tr("Inviter un patient…"), self)
        self.back = QPushButton(self.tr("Fermer"), self)
        self.back.setAccessibleName(self.tr("Fermer la liste des invitations"))
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(self.search, 2)
        top.addWidget(self.status)
        top.addWidget(self.invite)
        top.addWidget(self.back)
        layout.addLayout(top)

        self.table = QTableWidget(0, 6, self)
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Patient"),
                self.tr("Contact"),
                self.tr("Envoi"),
                self.tr("Statut"),
                self.tr("Envoyée le"),
                self.tr("Expire le"),
            ]
        )
        self.table.setAccessibleName(self.tr("Invitations"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        self.detail = PlainLabel(self)
        self.detail.setWordWrap(True)
        set_role(self.detail, "error")
        layout.addWidget(self.detail)

        actions = QHBoxLayout()
        self.correct = QPushButton(self.tr("Corriger…"), self)
        self.resend = QPushButton(self.tr("Renvoyer"), self)
        self.cancel = QPushButton(self.tr("Annuler l'invitation"), self)
        self.copy_link = QPushButton(self.tr("Copier le lien"), self)
        self.open_conversation = QPushButton(self.tr("Ouvrir la conversation"), self)
        for button in (self.correct, self.resend, self.cancel, self.copy_link, self.open_conversation):
            actions.addWidget(button)
        actions.addStretch(1)
        layout.addLayout(actions)

        self.search.textChanged.connect(self.search_requested)
        self.status.currentIndexChanged.connect(
            lambda _i: self.status_filter_requested.emit(str(self.status.currentData() or ""))
        )
        self.invite.clicked.connect(self.invite_requested)
        self.back.clicked.connect(self.close_requested)
        self.table.itemSelectionChanged.connect(self._update_actions)
        self.table.itemDoubleClicked.connect(lambda _item: self._emit_for(self.correct_requested))
        self.correct.clicked.connect(lambda: self._emit_for(self.correct_requested))
        self.resend.clicked.connect(lambda: self._emit_for(self.resend_requested))
        self.cancel.clicked.connect(lambda: self._emit_for(self.cancel_requested))
        self.copy_link.clicked.connect(lambda: self._emit_for(self.copy_link_requested))
        self.open_conversation.clicked.connect(self._on_open_conversation_clicked)
        self._update_actions()

    def show_invitations(self, invitations: list[InvitationPublic]) -> None:
        """Render rows; the selected invitation stays selected when still listed."""
        selected = self.selected()
        self.invitations = invitations
        self.table.setRowCount(len(invitations))
        for row, inv in enumerate(invitations):
            contact = " · ".join(c for c in (inv.email, inv.phone) if c)
            channel = self.tr("E-mail") if inv.channel == "email" else self.tr("SMS")
            cells = [
                inv.full_name,
                contact,
                channel,
                status_label(inv),
                short_datetime(inv.sent_at or inv.created_at),
                short_datetime(inv.expires_at) if inv.status == "pending" else "—",
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(ID_ROLE, inv.id)
                if column == 3:
                    item.setForeground(
                        QColor(getattr(current_palette(), _STATUS_TOKENS.get(inv.status, "text")))
                    )
                    item.setToolTip(plain_tooltip(inv.delivery_error or text))
                self.table.setItem(row, column, item)
        if selected is not None:
            for row, inv in enumerate(invitations):
                if inv.id == selected.id:
                    self.table.selectRow(row)
        self._update_actions()

    def changeEvent(self, event: QEvent) -> None:
        """The status colours come from the theme's palette: repaint them when the scheme changes."""
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.show_invitations(self.invitations)
        super().changeEvent(event)

    def selected(self) -> InvitationPublic | None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        if len(rows) != 1:
            return None
        row = rows.pop()
        return self.invitations[row] if 0 <= row < len(self.invitations) else None

    def select(self, invitation_id: str) -> None:
        for row, inv in enumerate(self.invitations):
            if inv.id == invitation_id:
                self.table.selectRow(row)

    def _update_actions(self) -> None:
        inv = self.selected()
        is_open = inv is not None and inv.is_open
        for button in (self.correct, self.resend, self.cancel, self.copy_link):
            button.setEnabled(is_open)
        self.open_conversation.setEnabled(inv is not None and inv.conversation_id is not None)
        self.detail.setText(inv.delivery_error or "" if inv is not None else "")

    def _emit_for(self, signal: SignalInstance) -> None:
        inv = self.selected()
        if inv is not None and inv.is_open:
            signal.emit(inv.id)

    def _on_open_conversation_clicked(self) -> None:
        inv = self.selected()
        if inv is not None and inv.conversation_id:
            self.open_conversation_requested.emit(inv.conversation_id)
