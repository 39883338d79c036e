"""Fixtures of the call tests that run in the `pro` namespace of tests/helpers/netns_topology.py.

Started by tests/e2e/test_call_turn_netem.py (`ip netns exec <pro> python -m pytest ...`; the
file names here do not match `test_*.py`, so a plain `pytest` run does not collect them). The
server listens on the practitioner's address, the desktop engine gathers on it (no loopback
shortcut), chromium runs in the patient's namespace behind the NAT, coturn in the `net` one.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.helpers.netns_topology import Topology
from tests.helpers.network_call import patient_chromium

TOPOLOGY = os.environ.get("TELECONSULT_TOPOLOGY", "")


@pytest.fixture(scope="session")
def topology() -> Topology:
    if not TOPOLOGY:
        pytest.skip("ces tests tournent dans la topologie réseau de test_call_turn_netem.py")
    return Topology.from_env(TOPOLOGY)


@pytest_asyncio.fixture
async def patient_browser(topology: Topology) -> AsyncIterator[Any]:
    async with patient_chromium(topology) as chromium:
        yield chromium
