"""UI tests run each `@pytest.mark.asyncio` test on a qasync loop (ecosystem.md §2, pattern A).

The test coroutine runs *inside* the Qt event loop, so widgets, presenters and the real services
(httpx, websockets, the SQLite worker) all progress while the test awaits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from desktop.ui.entry import make_application
from desktop.ui.theme import install_theme
from desktop.ui.translations import install_translations

_TRANSLATORS: list[Any] = []
# Every test gets a fresh qasync loop; a closed loop's timer object may still receive a Qt timer
# event, and if the garbage collector frees it during that event the process crashes. Keeping
# the loops referenced for the session avoids it (the app itself has a single loop).
_LOOPS: list[qasync.QEventLoop] = []


def _app() -> QApplication:
    app = make_application([])  # reuses pytest-qt's instance; the app never quits on its own
    if not _TRANSLATORS:
        _TRANSLATORS.extend(install_translations(app))
        install_theme(app)  # the app's stylesheet, as the practitioner sees it
    return app


def _new_loop() -> qasync.QEventLoop:
    loop = qasync.QEventLoop(_app())
    _LOOPS.append(loop)
    return loop


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, Callable[[], Any]]:
    return {"qt": _new_loop}


@pytest.fixture(autouse=True)
def _french_app() -> Iterator[QApplication]:
    yield _app()
