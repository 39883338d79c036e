"""« ● connecté » / « ● hors ligne » in the header; clicking it asks to reconnect now."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QLabel, QWidget

from desktop.domain.connection_status import ConnectionStatus

_COLORS = {
    ConnectionStatus.ONLINE: "#2e7d32",
    ConnectionStatus.CONNECTING: "#f9a825",
    ConnectionStatus.OFFLINE: "#9e9e9e",
    ConnectionStatus.SIGNED_OUT: "#c62828",
}


class StatusIndicator(QLabel):
    """Shows the connection status; announces it to screen readers through its accessible name."""

    reconnect_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusIndicator")
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.status = ConnectionStatus.OFFLINE
        self.set_status(ConnectionStatus.CONNECTING)

    def label_for(self, status: ConnectionStatus) -> str:
        return {
            ConnectionStatus.ONLINE: self.tr("connecté"),
            ConnectionStatus.CONNECTING: self.tr("connexion…"),
            ConnectionStatus.OFFLINE: self.tr("hors ligne"),
            ConnectionStatus.SIGNED_OUT: self.tr("session expirée"),
        }[status]

    def set_status(self, status: ConnectionStatus) -> None:
        self.status = status
        text = self.label_for(status)
        self.setText(f'<span style="color:{_COLORS[status]}">●</span> {text}')
        self.setAccessibleName(self.tr("État de la connexion : %1").replace("%1", text))
        self.setToolTip(
            self.tr("Vos messages partent dès que la connexion revient. Cliquez pour réessayer maintenant.")
            if status is ConnectionStatus.OFFLINE
            else text
        )

    @property
    def text_label(self) -> str:
        return self.label_for(self.status)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.status is not ConnectionStatus.ONLINE:
            self.reconnect_requested.emit()
        super().mousePressEvent(event)
