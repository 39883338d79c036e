"""Helpers for server benchmarks: a `teleconsult-server` subprocess on a fresh data folder."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import psutil

from server.app import start_runtime
from server.settings import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


class ServerProcess:
    """A real server process; `prepare` runs domain setup on its database before it starts."""

    def __init__(
        self,
        data_dir: Path | None = None,
        env: dict[str, str] | None = None,
        database_url: str | None = None,
    ) -> None:
        self.data_dir = data_dir or Path(tempfile.mkdtemp(prefix="tc-bench-"))
        self.database_url = database_url  # None: SQLite in the data folder
        self.port = free_port()
        self.env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/v1/ws"

    def settings(self) -> Settings:
        overrides: dict[str, object] = {"data_dir": self.data_dir}
        if self.database_url:
            overrides["database_url"] = self.database_url
        return Settings.load(environ={}, dotenv_path=self.data_dir / "none.env", overrides=overrides)

    def prepare(self, fn: Callable[[Any], Awaitable[Any]]) -> Any:
        async def go() -> Any:
            runtime = await start_runtime(self.settings())
            try:
                return await fn(runtime)
            finally:
                await runtime.close()

        return asyncio.run(go())

    def start(self) -> ServerProcess:
        env = {**os.environ, "TELECONSULT_ENV_FILE": str(self.data_dir / "none.env"), **self.env}
        if self.database_url:
            env["TELECONSULT_DATABASE_URL"] = self.database_url
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "server",
                "serve",
                "--port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def rss(self) -> int:
        assert self.proc is not None
        return int(psutil.Process(self.proc.pid).memory_info().rss)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server process has used so far."""
        assert self.proc is not None
        times = psutil.Process(self.proc.pid).cpu_times()
        return float(times.user + times.system)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(30)
            self.proc = None
