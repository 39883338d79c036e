"""Desktop notifications through the system tray when one exists; nothing otherwise (fail soft)."""

from __future__ import annotations

import logging

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from desktop.ui.widgets.plain_text import inert_markup

log = logging.getLogger(__name__)


class TrayNotifier:
    """Implements the `Notifier` port with `QSystemTrayIcon.showMessage`.

    GNOME has no tray without an extension and headless sessions have none: then `notify` does
    nothing, and the app keeps quitting when its window closes (no hidden, unreachable process).
    """

    def __init__(self, app: QApplication, icon: QIcon | None = None) -> None:
        self._tray: QSystemTrayIcon | None = None
        try:
            if QSystemTrayIcon.isSystemTrayAvailable():
                tray = QSystemTrayIcon(icon or app.windowIcon(), app)
                tray.setToolTip("Teleconsult")
                tray.show()
                self._tray = tray
        except Exception:  # a broken tray must not stop the app
            log.info("system tray unavailable", exc_info=True)

    @property
    def available(self) -> bool:
        return self._tray is not None and self._tray.supportsMessages()

    def notify(self, title: str, body: str) -> None:
        if self._tray is None:
            return
        try:
            # Some notification servers read markup in a body: a name shown as written.
            self._tray.showMessage(
                inert_markup(title), inert_markup(body), QSystemTrayIcon.MessageIcon.Information, 8000
            )
        except Exception:
            log.info("notification failed", exc_info=True)

    def close(self) -> None:
        if self._tray is not None:
            self._tray.hide()
            self._tray = None
