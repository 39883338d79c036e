"""The left column: search bar on top of the conversation list (dumb: renders, emits intents)."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.icons import icon
from desktop.ui.theme import set_role
from desktop.ui.widgets.conversation_delegate import ROW_HEIGHT, ConversationDelegate
from desktop.ui.widgets.conversation_list_model import ID_ROLE, ConversationListModel
from desktop.ui.widgets.plain_text import PlainLabel

MINIMUM_WIDTH = 260  # below it « Aucune conversation ne correspond à … » breaks into scraps


class ConversationListPage(QWidget):
    """Emits `search_requested(text)` on every keystroke and `open_requested(id)` on activation."""

    search_requested = Signal(str)
    open_requested = Signal(str)

    def __init__(self, model: ConversationListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setMinimumWidth(MINIMUM_WIDTH)
        self.delegate = ConversationDelegate(model.clock, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.search = QLineEdit(self)
        self.search.setObjectName("conversationSearch")
        self.search.setPlaceholderText(self.tr("Rechercher un patient…"))
        self.search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName(self.tr("Rechercher un patient"))
        self.search.setAccessibleDescription(
            self.tr("Tapez le début du prénom ou du nom ; accents et majuscules sont ignorés. Ctrl+F.")
        )
        # A one-column table, not a QListView: QListView lays out every row on each model reset
        # (tens of thousands of calls into Python per keystroke on 100 000 rows); a table with a
        # fixed row height asks only for the rows on screen.
        self.list = QTableView(self)
        self.list.setObjectName("conversationList")
        self.list.horizontalHeader().hide()
        self.list.horizontalHeader().setStretchLastSection(True)
        rows = self.list.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(ROW_HEIGHT)
        self.list.setShowGrid(False)
        self.list.setWordWrap(False)
        self.list.setTabKeyNavigation(False)  # Tab leaves the list; arrows move inside it
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setItemDelegate(self.delegate)
        self.list.setModel(model)
        self.list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setMouseTracking(True)
        self.list.setAccessibleName(self.tr("Conversations"))
        self.empty = PlainLabel(self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        set_role(self.empty, "muted")
        self.empty.setContentsMargins(24, 24, 24, 24)
        self.empty.hide()
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty, 1)
        self.setTabOrder(self.search, self.list)
        self.search.textChanged.connect(self.search_requested)
        self.search.returnPressed.connect(self._on_search_return_pressed)
        self.list.activated.connect(self._on_list_activated)
        self.list.clicked.connect(self._on_list_activated)
        self._clock = QTimer(self)  # « 10:42 » becomes « hier » at midnight
        self._clock.timeout.connect(self._on_clock_timeout)
        self._clock.start(60_000)

    def show_results(self, ids: list[str], query: str, selected: str | None) -> None:
        """Replace the rows (one model reset) and keep the open conversation selected."""
        self.model.set_ids(ids)
        has_rows = bool(ids)
        self.list.setVisible(has_rows)
        self.empty.setVisible(not has_rows)
        if not has_rows:
            # No-break spaces (U+00A0) keep « + » with « bouton » and the quotes with the query:
            # wrapping then only happens between words that can stand at a line's start.
            self.empty.setText(
                self.tr(
                    "Aucune conversation ne correspond à «\u00a0%1\u00a0».\n"
                    "Vous pouvez inviter ce patient avec le bouton\u00a0+."
                ).replace("%1", query.strip())
                if query.strip()
                else self.tr("Aucune conversation pour l'instant.\nInvitez un patient avec le bouton\u00a0+.")
            )
        if selected is not None:
            self.select(selected)

    def select(self, conversation_id: str) -> None:
        row = self.model.row_of(conversation_id)
        if row >= 0:
            index = self.model.index(row, 0)
            self.list.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            )

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _on_list_activated(self, index: QModelIndex) -> None:
        conversation_id = index.data(ID_ROLE)
        if isinstance(conversation_id, str):
            self.open_requested.emit(conversation_id)

    def _on_search_return_pressed(self) -> None:
        if self.model.ids:  # Enter opens the first match
            self.open_requested.emit(self.model.ids[0])

    def _on_clock_timeout(self) -> None:
        self.delegate.now = self.delegate.clock()
        self.list.viewport().update()
