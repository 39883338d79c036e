"""Qt entry point: QApplication, French translations and icon, then the controller on a qasync loop."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import qasync
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from desktop.services.app_services import AppServices
from desktop.ui.app_controller import AppController
from desktop.ui.theme import install_theme
from desktop.ui.translations import install_translations

ICON = Path(__file__).resolve().parents[2] / "resources" / "icons" / "teleconsult.svg"


def make_application(argv: list[str]) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv)
    app.setApplicationName("Teleconsult")
    app.setApplicationDisplayName("Teleconsult")
    app.setOrganizationName("Teleconsult")
    app.setDesktopFileName("fr.teleconsult.teleconsult")
    if ICON.exists():
        app.setWindowIcon(QIcon(str(ICON)))
    # The controller decides when to quit (after closing the socket and the local server).
    app.setQuitOnLastWindowClosed(False)
    return app


def run_qt(argv: list[str], services: AppServices) -> int:
    """Run the app until the practitioner quits; returns the exit code."""
    app = make_application(argv)
    translators = install_translations(app)
    install_theme(app)  # light or dark with the system, one stylesheet
    controller = AppController(app, services)

    async def main() -> int:
        return await controller.run()

    if sys.version_info >= (3, 12):
        code: int = asyncio.run(main(), loop_factory=qasync.QEventLoop)
    else:
        code = int(qasync.run(main()))
    del translators
    return code
