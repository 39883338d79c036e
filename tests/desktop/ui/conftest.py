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
from desktop.ui.translations import install_translations

_TRANSLATORS: list[Any] = []


def _app() -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else make_application([])
    if not _TRANSLATORS:
        _TRANSLATORS.extend(install_translations(app))
    return app


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, Callable[[], Any]]:
    return {"qt": lambda: qasync.QEventLoop(_app())}


@pytest.fixture(autouse=True)
def _french_app() -> Iterator[QApplication]:
    yield _app()
