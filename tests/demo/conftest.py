"""The demo test opens the real desktop window on a qasync loop, as the desktop UI tests do."""

from __future__ import annotations

from tests.desktop.ui.conftest import _french_app, pytest_asyncio_loop_factories

__all__ = ["_french_app", "pytest_asyncio_loop_factories"]
