"""Runs the call end-to-end tests (tests/e2e/netns/call_e2e.py) in a loopback-only network namespace.

`unshare -n` (as root, as in CI; else `unshare -rn` with user namespaces) gives the child pytest a
network namespace whose only interface is `lo`, brought up first: the server, the desktop engine
and chromium talk over 127.0.0.1 and no packet (mDNS included) can leave the machine. Without the
permission to create one, the test skips with the reason on a developer machine and fails when
CI=true (`tests.conftest.need`). The tests inside run one after the other (one browser at a time);
the engine's unreachable-STUN test, which skips outside a namespace, runs here too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import need
from tests.helpers.call_browser import CHROMIUM
from tests.helpers.firefox_bidi import FIREFOX

ROOT = Path(__file__).resolve().parents[2]
INNER = [
    str(Path(__file__).parent / "netns" / "call_e2e.py"),
    # The same calls with the patient in Firefox ESR (WebDriver BiDi, tests/helpers/firefox_bidi.py).
    str(Path(__file__).parent / "netns" / "call_e2e_firefox.py"),
    str(Path(__file__).parent / "netns" / "call_sound_e2e.py"),  # sound verified both ways
    str(Path(__file__).parent / "netns" / "call_devices_e2e.py"),  # devices switched mid-call
    # The engine's own test of an unreachable STUN server (192.0.2.1, TEST-NET-1) skips outside
    # a namespace, where its packets could leave the machine: here it runs.
    str(ROOT / "tests/desktop/video/test_video_engine.py")
    + "::test_unreachable_test_net_stun_server_still_connects_within_1_5_s",
]

pytestmark = pytest.mark.browser


def _namespace_prefix() -> list[str] | None:
    """The `unshare` command that works here, or None."""
    unshare = shutil.which("unshare")
    if unshare is None or shutil.which("ip") is None:
        return None
    for prefix in ([unshare, "-n"], [unshare, "-r", "-n"]):
        probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=20, check=False)
        if probe.returncode == 0:
            return prefix
    return None


@pytest.mark.timeout(900)
def test_calls_between_chromium_or_firefox_and_the_desktop_engine_in_a_network_namespace(
    tmp_path: Path,
) -> None:
    need(
        Path(CHROMIUM).is_file(),
        f"Chromium introuvable ({CHROMIUM}) : installez le paquet Debian « chromium »",
    )
    need(
        Path(FIREFOX).is_file(),
        f"Firefox ESR introuvable ({FIREFOX}) : installez le paquet Debian « firefox-esr »",
    )
    prefix = _namespace_prefix()
    need(
        prefix is not None,
        "impossible de créer un espace de noms réseau (`unshare -n` : root, ou espaces de noms "
        "utilisateur, et `ip` requis)",
    )
    assert prefix is not None
    env = {**os.environ, "TELECONSULT_NETNS": "1", "PYTHONUNBUFFERED": "1"}
    command = [
        *prefix,
        "sh",
        "-c",
        'ip link set lo up && exec "$@"',
        "sh",
        sys.executable,
        "-m",
        "pytest",
        *INNER,
        "-q",
        "-p",
        "no:cacheprovider",
        f"--basetemp={tmp_path / 'inner'}",
    ]
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=850, check=False
    )
    output = (result.stdout + result.stderr)[-6000:]
    assert result.returncode == 0, f"the call tests failed in the namespace:\n{output}"
    assert " passed" in output and "skipped" not in output, output
