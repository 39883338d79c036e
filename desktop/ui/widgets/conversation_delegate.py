"""Paints one conversation row: name, time, last message preview, unread badge."""

from __future__ import annotations

import logging

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from contracts.clock import Clock
from contracts.fr_format import list_time
from desktop.domain.conversation_summary import ConversationSummary
from desktop.ui.widgets.conversation_list_model import SUMMARY_ROLE

log = logging.getLogger(__name__)

ROW_HEIGHT = 58


class ConversationDelegate(QStyledItemDelegate):
    """Fixed-height rows (the list relies on uniform sizes to stay fast)."""

    def __init__(self, clock: Clock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.clock = clock
        self.now = clock()  # refreshed by the list each minute

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return QSize(200, ROW_HEIGHT)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        painter.save()
        try:  # never let an exception escape into Qt (see ConversationListModel.data)
            self._paint(painter, option, index)
        except Exception:
            log.exception("conversation row could not be painted")
        finally:
            painter.restore()

    def _paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        summary = index.data(SUMMARY_ROLE)
        if not isinstance(summary, ConversationSummary):
            super().paint(painter, option, index)
            return
        rect: QRect = option.rect
        state = option.state
        palette: QPalette = option.palette
        selected = bool(state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.fillRect(rect, palette.highlight())
        elif state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(rect, palette.alternateBase())
        text_color = palette.highlightedText().color() if selected else palette.text().color()
        muted = QColor(text_color)
        muted.setAlpha(150)
        inner = rect.adjusted(12, 6, -12, -6)
        base_font: QFont = option.font

        time_text = list_time(
            summary.last_message.created_at if summary.last_message else summary.updated_at, self.now
        )
        small = QFont(base_font)
        small.setPointSizeF(max(7.0, base_font.pointSizeF() * 0.88))
        painter.setFont(small)
        painter.setPen(muted)
        time_width = QFontMetrics(small).horizontalAdvance(time_text) + 4
        top = QRect(inner.left(), inner.top(), inner.width(), inner.height() // 2)
        painter.drawText(top, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), time_text)

        name_font = QFont(base_font)
        name_font.setBold(summary.unread > 0)
        painter.setFont(name_font)
        painter.setPen(text_color)
        name_rect = top.adjusted(0, 0, -time_width - 6, 0)
        name = QFontMetrics(name_font).elidedText(
            summary.patient.full_name, Qt.TextElideMode.ElideRight, name_rect.width()
        )
        painter.drawText(name_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), name)

        bottom = QRect(inner.left(), inner.top() + inner.height() // 2, inner.width(), inner.height() // 2)
        badge_width = 0
        if summary.unread:
            count = str(summary.unread) if summary.unread < 100 else "99+"
            metrics = QFontMetrics(small)
            badge_width = max(bottom.height() - 4, metrics.horizontalAdvance(count) + 10)
            badge = QRect(bottom.right() - badge_width, bottom.top() + 2, badge_width, bottom.height() - 4)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            # The theme's accent pair (AA contrast); inverted on the selected row, whose background
            # is that accent.
            accent, on_accent = palette.highlight().color(), palette.highlightedText().color()
            painter.setBrush(on_accent if selected else accent)
            painter.drawRoundedRect(badge, badge.height() / 2, badge.height() / 2)
            painter.setPen(accent if selected else on_accent)
            painter.setFont(small)
            painter.drawText(badge, int(Qt.AlignmentFlag.AlignCenter), count)
        preview = self.preview_text(summary)
        painter.setFont(small)
        painter.setPen(muted if not summary.unread else text_color)
        preview_rect = bottom.adjusted(0, 0, -badge_width - 8, 0)
        elided = QFontMetrics(small).elidedText(preview, Qt.TextElideMode.ElideRight, preview_rect.width())
        painter.drawText(
            preview_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), elided
        )

    def preview_text(self, summary: ConversationSummary) -> str:
        last = summary.last_message
        if last is None:
            return self.tr("Nouvelle conversation")
        text = (
            self.tr("Document : %1").replace("%1", last.text)
            if last.kind == "attachment"
            else f"« {last.text} »"
        )
        if last.sender_role == "practitioner":
            return self.tr("Vous : %1").replace("%1", text)
        return text
