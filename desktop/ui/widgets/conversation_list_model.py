"""The conversation list as a Qt model over ids: a reset costs O(1) widgets, whatever the list size.

Rows hold only conversation ids; the delegate asks for the summary of the few visible rows. With
`QListView.setUniformItemSizes(True)`, filtering 100 000 rows is one model reset.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from contracts.clock import Clock
from contracts.fr_format import list_time
from desktop.domain.conversation_summary import ConversationSummary

log = logging.getLogger(__name__)

SUMMARY_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2

Index = QModelIndex | QPersistentModelIndex


class ConversationListModel(QAbstractListModel):
    """Rows are conversation ids, in display order."""

    def __init__(
        self,
        lookup: Callable[[str], ConversationSummary | None],
        clock: Clock,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._lookup = lookup
        self.clock = clock
        self._ids: list[str] = []
        self._rows: dict[str, int] | None = None  # built on demand: resets stay cheap

    @property
    def ids(self) -> list[str]:
        return self._ids

    def set_ids(self, ids: list[str]) -> None:
        self.beginResetModel()
        self._ids = ids
        self._rows = None
        self.endResetModel()

    def row_of(self, conversation_id: str) -> int:
        if self._rows is None:
            self._rows = {cid: row for row, cid in enumerate(self._ids)}
        return self._rows.get(conversation_id, -1)

    def refresh(self, conversation_id: str) -> None:
        """Repaint one row (badge, preview, time changed)."""
        row = self.row_of(conversation_id)
        if row >= 0:
            index = self.index(row, 0)
            self.dataChanged.emit(index, index)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # An exception escaping a Qt virtual override can take the whole process down (shiboken
        # 6.11 crashes while printing it): log it and show an empty row instead.
        try:
            return self._data(index, role)
        except Exception:
            log.exception("conversation row could not be shown")
            return None

    def _data(self, index: Index, role: int) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        conversation_id = self._ids[index.row()]
        if role == ID_ROLE:
            return conversation_id
        summary = self._lookup(conversation_id)
        if summary is None:
            return None
        if role == SUMMARY_ROLE:
            return summary
        if role == Qt.ItemDataRole.DisplayRole:
            return summary.patient.full_name
        if role in (Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole):
            return self.describe(summary)
        return None

    def describe(self, summary: ConversationSummary) -> str:
        """What a screen reader says for a row."""
        parts = [summary.patient.full_name]
        if summary.unread:
            parts.append(
                self.tr("1 message non lu")
                if summary.unread == 1
                else self.tr("%1 messages non lus").replace("%1", str(summary.unread))
            )
        if summary.last_message is not None:
            parts.append(
                self.tr("dernier message %1 : %2")
                .replace("%1", list_time(summary.last_message.created_at, self.clock()))
                .replace("%2", summary.last_message.text)
            )
        return ", ".join(parts)
