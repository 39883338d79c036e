"""Fixtures of the call tests that run inside a loopback-only network namespace.

These tests are started by tests/e2e/test_call_netns.py in `unshare -n` (their file names do not
match `test_*.py`, so a plain `pytest` run does not collect them outside the namespace). Here:
one real server (SQLite, in a thread), aioice on 127.0.0.1, headless chromium per test (the
Firefox tests, call_e2e_firefox.py, start one Firefox ESR for their module).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio

from tests.conftest import base_settings
from tests.helpers.call_browser import launch_chromium, loopback_ice, only_loopback_interface
from tests.helpers.live_server import LiveServer

IN_NAMESPACE = os.environ.get("TELECONSULT_NETNS") == "1"


@pytest.fixture(scope="session", autouse=True)
def inside_namespace() -> None:
    if not IN_NAMESPACE:
        pytest.skip("ces tests tournent dans un espace de noms réseau (lancés par test_call_netns.py)")
    assert only_loopback_interface(), "expected a network namespace with only `lo`"
    loopback_ice()


@pytest.fixture(scope="session")
def call_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(base_settings(tmp_path_factory.mktemp("calls"))) as server:
        yield server


@pytest_asyncio.fixture
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await launch_chromium(playwright)
        yield chromium
        await chromium.close()
