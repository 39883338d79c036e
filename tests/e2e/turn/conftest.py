"""Fixtures of the call tests that run in the `pro` namespace of tests/helpers/netns_topology.py.

Started by tests/e2e/test_call_turn_netem.py (`ip netns exec <pro> python -m pytest ...`; the
file names here do not match `test_*.py`, so a plain `pytest` run does not collect them). The
server listens on the practitioner's address, the desktop engine gathers on it (no loopback
shortcut), chromium runs in the patient's namespace behind the NAT, coturn in the `net` one.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from contracts.clock import system_clock
from tests.conftest import base_settings
from tests.helpers.call_browser import CHROMIUM, CHROMIUM_ARGS
from tests.helpers.clock import TestClock
from tests.helpers.live_server import LiveServer
from tests.helpers.netns_topology import Topology

TOPOLOGY = os.environ.get("TELECONSULT_TOPOLOGY", "")


@pytest.fixture(scope="session")
def topology() -> Topology:
    if not TOPOLOGY:
        pytest.skip("ces tests tournent dans la topologie réseau de test_call_turn_netem.py")
    return Topology.from_env(TOPOLOGY)


@contextmanager
def serve(topology: Topology, folder: Path, credentials_last: float | None = None) -> Iterator[LiveServer]:
    """The server on the practitioner's address, handing out coturn credentials.

    `credentials_last`: seconds the TURN credentials stay valid for coturn (the server's clock is
    set back so that its 60 s minimum lifetime ends that soon), to prove they are refreshed.
    """
    clock: Any = system_clock
    ttl = 3600
    if credentials_last is not None:
        ttl = 60
        clock = TestClock(datetime.now(UTC) - timedelta(seconds=ttl - credentials_last))
    settings = base_settings(
        folder,
        port=topology.server_port,
        turn_urls=topology.turn_url,
        turn_secret=topology.secret,
        turn_ttl_seconds=ttl,
    )
    with LiveServer(settings, clock=clock, host="0.0.0.0") as server:
        yield server


@pytest_asyncio.fixture
async def patient_browser(topology: Topology) -> AsyncIterator[Any]:
    """Chromium in the patient's namespace (the page reaches the server through the NAT)."""
    from playwright.async_api import async_playwright

    wrapper = topology.chromium_wrapper(CHROMIUM)
    args = [*CHROMIUM_ARGS, f"--unsafely-treat-insecure-origin-as-secure={topology.server_url}"]
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(wrapper), headless=True, args=args)
        yield chromium
        await chromium.close()
