"""« Utiliser ce poste » : the companion server as a child process on 127.0.0.1, SQLite in the data folder.

A child process, not an import: the desktop never imports `server` (import-linter contract), and
the server keeps its own event loop, database and crash domain. It is stopped when the app quits;
on Linux it also dies with the app if the app is killed (PR_SET_PDEATHSIG).

In a packaged app (Briefcase), `sys.executable` is the app's launcher, not a Python: it takes no
`-m` and runs the module named by BRIEFCASE_MAIN_MODULE, so the child is started that way there
(docs/packaging.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.metadata
import logging
import ntpath
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, Any

from desktop.domain.errors import UserFacingError
from desktop.kernel.backoff import Backoff

log = logging.getLogger(__name__)

HealthCheck = Callable[[str], Awaitable[bool]]
POLL = Backoff(first=0.1, ceiling=0.1)  # it answers a second or two after the spawn: ask often
MAIN_MODULE_VARIABLE = "BRIEFCASE_MAIN_MODULE"  # the module a Briefcase launcher runs instead of the app's
SERVER_MODULE = "server"
# python, python3, python3.11, pythonw, python.exe, python3.13t… (the names CPython's executables take)
_PYTHON_NAME = re.compile(r"python(\d+(\.\d+)*t?)?w?(\.exe)?", re.IGNORECASE)


def installed_by() -> str | None:
    """Who installed this app: "briefcase" in a Briefcase bundle, "pip" in a development install."""
    try:
        installer = importlib.metadata.distribution("teleconsult").read_text("INSTALLER")
    except importlib.metadata.PackageNotFoundError:
        return None
    return installer.strip() if installer else None


def is_app_launcher(executable: str, installer: str | None) -> bool:
    """Whether `executable` (sys.executable) is a packaged app's launcher rather than a Python.

    Briefcase marks the app it bundles (INSTALLER "briefcase"); otherwise a file not named like a
    Python interpreter is some other launcher. Either way `-m` would not be understood.
    """
    if installer == "briefcase":
        return True
    return _PYTHON_NAME.fullmatch(ntpath.basename(executable)) is None  # ntpath splits on both / and \


def port_is_free(port: int) -> bool:
    """Whether the server could listen on `port` now.

    The check binds as the server will (uvicorn sets SO_REUSEADDR): without it, the connections the
    previous run closed (TIME_WAIT, up to a minute after a restart) make the remembered port look
    busy, the server moves to another one and every invitation link already sent dies. A port some
    program listens on is still refused. Windows' SO_REUSEADDR would let us bind a port in use, and
    Windows does not refuse a port in TIME_WAIT anyway: there the plain bind is the right check.
    """
    if port <= 0:
        return False
    with socket.socket() as s:
        if sys.platform != "win32":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: S110 - best effort only
        pass


class LocalServer:
    """Starts, watches and stops `python -m server serve` for this machine."""

    def __init__(
        self,
        data_dir: Path,
        health: HealthCheck,
        *,
        python: str | None = None,
        launcher: bool | None = None,
    ) -> None:
        """`python`: the executable to start (sys.executable); `launcher`: whether it is the app's
        launcher (BRIEFCASE_MAIN_MODULE) rather than a Python (`-m`), guessed when None."""
        self._data_dir = data_dir
        self._health = health
        self._python = python or sys.executable
        self._launcher = is_app_launcher(self._python, installed_by()) if launcher is None else launcher
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def log_path(self) -> Path:
        return self._data_dir / "server.log"

    def command(self, port: int) -> list[str]:
        """The child's command line: `python -m server serve …`, or `launcher serve …` in a package."""
        start = [self._python] if self._launcher else [self._python, "-m", SERVER_MODULE]
        return [
            *start,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data-dir",
            str(self._data_dir),
            "--allow-practitioner-signup",
            "--signup-plan",  # the practitioner's own server: nothing to gate (docs/decisions.md)
            "PRO+",
        ]

    async def start(self, preferred_port: int = 0, wait_seconds: float = 60.0) -> str:
        """Start the server (the preferred port when free) and wait for /api/v1/health.

        Raises:
            UserFacingError: the server exited or did not answer in time.
        """
        url = await self.launch(preferred_port)
        await self.wait_ready(wait_seconds)
        return url

    async def launch(self, preferred_port: int = 0) -> str:
        """Spawn the process and return its URL at once (it answers a second or two later)."""
        if not self.running:
            self.port = preferred_port if port_is_free(preferred_port) else free_port()
            await asyncio.to_thread(self._spawn)
        return self.url

    async def wait_ready(self, wait_seconds: float = 60.0) -> None:
        """Wait until /api/v1/health answers.

        Raises:
            UserFacingError: the server exited or did not answer in time.
        """
        deadline = time.monotonic() + wait_seconds
        attempt = 0
        while time.monotonic() < deadline:
            if not self.running:
                raise UserFacingError(
                    "Le serveur local n'a pas pu démarrer. Son journal est ici : " + str(self.log_path)
                )
            if await self._health(self.url):
                log.info("local server ready on port %s", self.port)
                return
            await asyncio.sleep(POLL.delay(attempt))
            attempt += 1
        await self.stop()
        raise UserFacingError("Le serveur local met trop de temps à démarrer. Réessayez.")

    def environment(self) -> dict[str, str]:
        """The child's environment: this one, unbuffered, and the server module for a launcher."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        if self._launcher:
            env[MAIN_MODULE_VARIABLE] = SERVER_MODULE
        else:
            env.pop(MAIN_MODULE_VARIABLE, None)
        return env

    def _spawn(self) -> None:
        self._data_dir.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("wb")
        kwargs: dict[str, Any] = {}
        if sys.platform.startswith("linux"):
            kwargs["preexec_fn"] = _die_with_parent
        self._process = subprocess.Popen(  # a child process, never an import of `server`
            self.command(self.port),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=self.environment(),
            **kwargs,
        )

    async def stop(self) -> None:
        """Ask the server to stop (SIGTERM), kill it after 10 s (idempotent)."""
        await asyncio.to_thread(self.stop_now)

    def stop_now(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        if self._log is not None:
            with contextlib.suppress(OSError):
                self._log.close()
            self._log = None
