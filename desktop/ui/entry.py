"""Qt entry point: QApplication, French translations, qasync loop."""

from __future__ import annotations

import asyncio
import sys

import qasync
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow


async def _main(app: QApplication) -> None:
    closing = asyncio.Event()
    app.aboutToQuit.connect(closing.set)
    window = QMainWindow()
    window.setWindowTitle(QApplication.translate("Main", "Teleconsult"))
    window.setCentralWidget(QLabel(QApplication.translate("Main", "Teleconsult — bienvenue")))
    window.show()
    await closing.wait()


def run_qt(argv: list[str]) -> int:
    app = QApplication(argv)
    if sys.version_info >= (3, 12):
        asyncio.run(_main(app), loop_factory=qasync.QEventLoop)
    else:
        qasync.run(_main(app))
    return 0
