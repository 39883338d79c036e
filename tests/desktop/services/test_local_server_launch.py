"""How the local server is started: `python -m server` under a Python, the launcher's way in a package.

In a Briefcase package `sys.executable` is the app's launcher, which has no `-m`: the child must be
the launcher itself with BRIEFCASE_MAIN_MODULE=server (tests/packaging/test_deb.py checks the real
package).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from desktop.app import _healthy
from desktop.services.local_server import (
    MAIN_MODULE_VARIABLE,
    LocalServer,
    installed_by,
    is_app_launcher,
)

REPO = Path(__file__).resolve().parents[3]


async def never_healthy(url: str) -> bool:
    return False


@pytest.mark.parametrize(
    "executable",
    [
        "/usr/bin/python3",
        "/usr/bin/python3.11",
        "/work/.venv/bin/python",
        "/root/.pyenv/versions/3.11.7/bin/python3.11",
        r"C:\Python313\python.exe",
        r"C:\Python313\pythonw.exe",
        "/opt/python/bin/python3.13t",
    ],
)
@pytest.mark.parametrize("installer", [None, "pip", "uv"])
def test_a_python_interpreter_is_not_a_launcher(executable: str, installer: str | None) -> None:
    assert not is_app_launcher(executable, installer)


@pytest.mark.parametrize(
    "executable",
    [
        "/usr/bin/teleconsult",
        "/usr/lib/teleconsult/teleconsult",
        r"C:\Program Files\Teleconsult\Teleconsult.exe",
    ],
)
def test_an_app_binary_is_a_launcher(executable: str) -> None:
    assert is_app_launcher(executable, None)


def test_what_briefcase_installed_runs_from_a_launcher_whatever_its_name() -> None:
    assert is_app_launcher("/usr/bin/python3", "briefcase")


def test_this_test_run_is_a_development_install() -> None:
    assert installed_by() != "briefcase"
    assert not is_app_launcher(sys.executable, installed_by())


def test_under_python_the_server_is_a_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MAIN_MODULE_VARIABLE, "teleconsult")  # as if a parent launcher had set it
    local = LocalServer(tmp_path, never_healthy)  # sys.executable: the test's Python
    command = local.command(8123)
    assert command[:5] == [sys.executable, "-m", "server", "serve", "--host"]
    assert command[command.index("--port") + 1] == "8123"
    assert MAIN_MODULE_VARIABLE not in local.environment()
    assert local.environment()["PYTHONUNBUFFERED"] == "1"


def test_in_a_package_the_launcher_runs_the_server_module(tmp_path: Path) -> None:
    local = LocalServer(tmp_path, never_healthy, python="/usr/bin/teleconsult")
    command = local.command(8123)
    assert command[:3] == ["/usr/bin/teleconsult", "serve", "--host"]
    assert "-m" not in command
    assert command[command.index("--data-dir") + 1] == str(tmp_path)
    assert local.environment()[MAIN_MODULE_VARIABLE] == "server"


def test_the_guess_can_be_overridden(tmp_path: Path) -> None:
    local = LocalServer(tmp_path, never_healthy, python=sys.executable, launcher=True)
    assert local.command(1)[:2] == [sys.executable, "serve"]


@pytest.mark.asyncio
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a POSIX shell launcher")
async def test_a_launcher_that_only_knows_its_variable_starts_the_server(tmp_path: Path) -> None:
    """A stand-in for the package's launcher: it ignores its arguments' `-m` and runs
    $BRIEFCASE_MAIN_MODULE, as packaging/linux-system's launcher does."""
    launcher = tmp_path / "bin" / "teleconsult"
    launcher.parent.mkdir()
    launcher.write_text(
        "#!/bin/sh\n"
        f'[ -n "${MAIN_MODULE_VARIABLE}" ] || {{ echo "no {MAIN_MODULE_VARIABLE}: the app" >&2; exit 3; }}\n'
        f'PYTHONPATH="{REPO}" exec "{sys.executable}" -m "${MAIN_MODULE_VARIABLE}" "$@"\n',
        encoding="utf-8",
    )
    launcher.chmod(0o755)
    local = LocalServer(tmp_path / "data", _healthy, python=str(launcher))
    try:
        url = await local.start(wait_seconds=90)
        assert await _healthy(url)
        assert local.log_path.is_file()
    finally:
        await asyncio.wait_for(local.stop(), 30)
