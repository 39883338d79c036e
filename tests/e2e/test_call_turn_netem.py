"""Calls between network namespaces: a patient behind a NAT through coturn, and bad networks.

Builds the topology of tests/helpers/netns_topology.py (unique names, torn down whatever
happens), starts coturn there with docs/deploy.md's configuration, then runs the tests of
tests/e2e/turn/turn_e2e.py in the practitioner's namespace. Needs root (named namespaces, veth,
nftables, tc), coturn and chromium: skips with the reason on a developer machine, fails when
CI=true (`tests.conftest.need`). Nothing leaves the machine: the namespaces' only links are veth
pairs between them.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import need
from tests.helpers.call_browser import CHROMIUM
from tests.helpers.netns_topology import Topology, available

ROOT = Path(__file__).resolve().parents[2]
INNER = str(Path(__file__).parent / "turn" / "turn_e2e.py")

pytestmark = pytest.mark.browser


@pytest.mark.timeout(600)
def test_calls_through_turn_and_bad_networks_between_namespaces(tmp_path: Path) -> None:
    need(
        Path(CHROMIUM).is_file(),
        f"Chromium introuvable ({CHROMIUM}) : installez le paquet Debian « chromium »",
    )
    reason = available()
    need(reason is None, reason or "")
    with Topology(tmp_path, server_port=random.randint(20_000, 40_000)) as topology:
        env = {**os.environ, "TELECONSULT_TOPOLOGY": topology.to_env(), "PYTHONUNBUFFERED": "1"}
        command = [
            *topology.prefix("pro"),
            sys.executable,
            "-m",
            "pytest",
            INNER,
            "-q",
            "-s",
            "-p",
            "no:cacheprovider",
            f"--basetemp={tmp_path / 'inner'}",
        ]
        result = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=550, check=False
        )
        figures = [line for line in result.stdout.splitlines() if line.startswith(("FIGURE", "  "))]
        print("\n".join(figures))
        output = (result.stdout + result.stderr)[-8000:]
        assert result.returncode == 0, (
            f"the call tests failed in the namespaces:\n{output}\n{topology.turn_log()[-3000:]}"
        )
        assert " passed" in output and "skipped" not in output, output
