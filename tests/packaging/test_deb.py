"""The .deb that `make package` built: installed with apt-get, started under Xvfb with an empty home.

The first-run screen is answered « Utiliser ce poste » as a user would (xdotool presses Entrée on
the dialog, whose default is that choice); then the local companion server must answer its health
check, write its log in the data folder, accept a practitioner sign-up (what the app shows next),
and the app must show its sign-in/sign-up dialog. A screenshot of the screen is kept
(build/package-test/). Needs root, a .deb in dist/, Xvfb, xdotool and ImageMagick's `import`
(`make package` then `make package-test`; docs/packaging.md). The package is removed at the end.

It installs a system package, so it runs only when asked (TELECONSULT_PACKAGE_TEST=1, which
`make package-test` sets), not in `make test`; asked, a missing piece fails it under CI=true.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import need
from tests.helpers.factories import PASSWORD, rpps_number, unique_email

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("TELECONSULT_PACKAGE_TEST", "") in ("", "0"),
        reason="installs the .deb system-wide: `make package-test` (TELECONSULT_PACKAGE_TEST=1)",
    ),
]

REPO = Path(__file__).resolve().parents[2]
PACKAGE = "teleconsult"
SHOTS = REPO / "build" / "package-test"
FIRST_RUN_TITLE = "Bienvenue dans Teleconsult"
SIGN_IN_TITLE = "Connexion à Teleconsult"


def wait_until(what: str, check: Callable[[], object], timeout: float, logs: Callable[[], str]) -> object:
    """Poll `check` until it returns something truthy; fail with the logs after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"{what}: nothing after {timeout:.0f} s\n{logs()}")


def newest_deb() -> Path | None:
    debs = sorted((REPO / "dist").glob(f"{PACKAGE}_*.deb"), key=lambda p: p.stat().st_mtime)
    return debs[-1] if debs else None


@dataclass
class Display:
    name: str
    process: subprocess.Popen[bytes]


@pytest.fixture
def display(tmp_path: Path) -> Iterator[Display]:
    """An Xvfb server of our own (its display number chosen by Xvfb itself)."""
    read, write = os.pipe()
    process = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "xvfb.log").open("wb"),
    )
    os.close(write)
    try:
        with os.fdopen(read) as f:
            number = f.readline().strip()
        assert number, "Xvfb did not give its display number: " + (tmp_path / "xvfb.log").read_text()
        yield Display(f":{number}", process)
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def installed() -> Iterator[Path]:
    """The newest dist/teleconsult_*.deb, installed with apt-get (removed afterwards)."""
    need(os.geteuid() == 0, "installer un .deb demande d'être root")
    for tool in ("apt-get", "Xvfb", "xdotool", "import"):
        need(shutil.which(tool) is not None, f"{tool} absent (apt-get install xvfb xdotool imagemagick)")
    deb = newest_deb()
    need(deb is not None, "aucun paquet dans dist/ : lancer `make package` d'abord")
    assert deb is not None
    started = time.monotonic()
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", str(deb)],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        timeout=600,
        stdout=subprocess.DEVNULL,
    )
    print(f"install: {time.monotonic() - started:.1f} s ({deb.name}, {deb.stat().st_size / 2**20:.1f} MiB)")
    try:
        yield deb
    finally:
        subprocess.run(["apt-get", "remove", "-y", "-qq", PACKAGE], check=False, timeout=300)


def control(deb: Path, field: str) -> str:
    return subprocess.run(
        ["dpkg-deb", "--field", str(deb), field], capture_output=True, text=True, check=True
    ).stdout.strip()


def find_window(display: str, title: str) -> str | None:
    out = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", title],
        capture_output=True,
        text=True,
        env={**os.environ, "DISPLAY": display},
        check=False,
    ).stdout.split()
    return out[0] if out else None


def test_the_installed_package_starts_its_local_server_and_reaches_sign_up(
    installed: Path, display: Display, tmp_path: Path
) -> None:
    depends = control(installed, "Depends")
    for library in (
        "libglib2.0-0",
        "libfontconfig1",
        "libfreetype6",
        "libdbus-1-3",
        "libxkbcommon0",
        "libegl1",
    ):
        assert library in depends
    assert int(control(installed, "Installed-Size")) > 100_000  # KiB
    assert Path("/usr/bin/teleconsult").is_file()
    assert Path("/usr/share/applications/fr.teleconsult.teleconsult.desktop").is_file()

    home = tmp_path / "home"
    runtime = tmp_path / "runtime"
    for folder in (home, runtime):
        folder.mkdir(mode=0o700)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_RUNTIME_DIR": str(runtime),
        "DISPLAY": display.name,
        "QT_QPA_PLATFORM": "xcb",
        "LANG": "C.UTF-8",
    }
    app_log = tmp_path / "app.log"
    server_log = home / ".local" / "share" / PACKAGE / "server" / "server.log"
    settings = home / ".config" / PACKAGE / "settings.json"

    def logs() -> str:
        parts = [f"--- app\n{app_log.read_text(errors='replace')[-4000:]}"]
        if server_log.exists():
            parts.append(f"--- server.log\n{server_log.read_text(errors='replace')[-4000:]}")
        return "\n".join(parts)

    started = time.monotonic()
    with app_log.open("wb") as out:
        app = subprocess.Popen(
            ["/usr/bin/teleconsult"],
            env=env,
            cwd=home,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the app and its server, stopped together
        )
    try:
        first_run = wait_until(
            "the first-run window", lambda: find_window(display.name, FIRST_RUN_TITLE), 120, logs
        )
        print(f"first window: {time.monotonic() - started:.1f} s")
        assert app.poll() is None
        # « Utiliser ce poste (serveur local) » is checked; Entrée presses « Continuer ».
        x = {**os.environ, "DISPLAY": display.name}
        subprocess.run(["xdotool", "windowfocus", "--sync", str(first_run)], env=x, check=True, timeout=30)
        subprocess.run(["xdotool", "key", "--clearmodifiers", "Return"], env=x, check=True, timeout=30)
        chosen = time.monotonic()

        def local_port() -> int:
            try:
                saved = json.loads(settings.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return 0
            return int(saved.get("local_port") or 0) if saved.get("server_mode") == "local" else 0

        port = int(
            str(wait_until("the « Utiliser ce poste » choice saved with its port", local_port, 60, logs))
        )
        url = f"http://127.0.0.1:{port}"

        def healthy() -> bool:
            try:
                return bool(httpx.get(f"{url}/api/v1/health", timeout=2).json().get("status") == "ok")
            except (httpx.HTTPError, ValueError):
                return False

        wait_until("the local server's /api/v1/health", healthy, 120, logs)
        print(f"local server answering: {time.monotonic() - chosen:.1f} s after the choice")
        assert server_log.is_file() and server_log.stat().st_size > 0

        wait_until("the sign-in / sign-up dialog", lambda: find_window(display.name, SIGN_IN_TITLE), 60, logs)
        assert find_window(display.name, FIRST_RUN_TITLE) is None
        SHOTS.mkdir(parents=True, exist_ok=True)
        shot = SHOTS / "sign-up.png"
        subprocess.run(
            ["import", "-display", display.name, "-window", "root", str(shot)], check=True, timeout=60
        )
        assert shot.stat().st_size > 10_000  # a drawn dialog, not a black screen
        # What the app offers there, the local server accepts: a practitioner's own account.
        created = httpx.post(
            f"{url}/api/v1/auth/practitioners",
            json={
                "email": unique_email("deb"),
                "password": PASSWORD,
                "first_name": "Claire",
                "last_name": "Martin",
                "profession": "medecin_generaliste",
                "rpps": rpps_number(int(time.time()) % 1_000_000),
            },
            timeout=30,
        )
        assert created.status_code == 201, created.text
        assert created.json()["user"]["plan"] == "PRO+"
        assert app.poll() is None, logs()
    finally:
        if app.poll() is None:
            os.killpg(app.pid, signal.SIGTERM)
            try:
                app.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(app.pid, signal.SIGKILL)
                app.wait(10)
    # the server was the app's child: it is gone with it
    wait_until("the local server to stop with the app", lambda: not healthy(), 30, logs)
