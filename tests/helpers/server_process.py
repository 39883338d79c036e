"""`python -m server serve` child processes: `ServerChild` for scale-out and crash tests, and
`ServerProcess`, on SQLite, for measuring what a real server process does.

For `ServerProcess` the database is prepared first through the domain services in this process
(accounts, a conversation, a session token), then the child starts on the same data folder.
`measure_upload` sends one document and samples the child's resident memory (RSS) meanwhile.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil  # type: ignore[import-untyped]

from server.accounts.service import NewPatient, NewPractitioner
from server.app import start_runtime
from server.settings import Settings
from tests.helpers.factories import PASSWORD, rpps_number, unique_email
from tests.helpers.logfail import record_child_errors


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Pair:
    """A practitioner's token and a conversation with a patient."""

    token: str
    conversation_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class UploadMeasure:
    status: int
    seconds: float
    rss_before: int
    rss_peak: int
    rss_after: int

    @property
    def growth(self) -> int:
        """Peak RSS over the level before the upload, in bytes."""
        return max(self.rss_peak, self.rss_after) - self.rss_before


class ServerChild:
    """`python -m server serve` in a child process, its stderr kept in a log file.

    When it stops (or is killed), the ERROR lines of its log are charged to the running test
    (tests/helpers/logfail.py): a child's swallowed error fails the test as one in-process would.
    """

    def __init__(
        self,
        data_dir: Path,
        env: dict[str, str] | None = None,
        *,
        port: int | None = None,
        args: tuple[str, ...] = (),
        inherit_settings: bool = True,
        program: tuple[str, ...] = (sys.executable, "-m", "server"),
    ) -> None:
        self.data_dir = data_dir
        self.program = program  # or the installed console script, `teleconsult-server`
        self.port = port or free_port()
        base = (
            os.environ
            if inherit_settings
            else {k: v for k, v in os.environ.items() if not k.startswith("TELECONSULT_")}
        )
        self.env = {**base, "TELECONSULT_ENV_FILE": str(data_dir / "absent.env"), **(env or {})}
        self.args = args
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / f"server-{self.port}-{time.monotonic_ns()}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api(self) -> str:
        return f"{self.url}/api/v1"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/v1/ws"

    def start(self, timeout: float = 60) -> ServerChild:
        """Start the process and return once /health answers 200."""
        self.log_path = self.data_dir / f"server-{self.port}-{time.monotonic_ns()}.log"
        command = [*self.program, "serve", "--port", str(self.port)]
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [*command, "--data-dir", str(self.data_dir), *self.args],
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2) as probe:  # one client: its TLS context is not rebuilt per poll
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    self._check_log()
                    raise RuntimeError(f"the server process exited at start ({self.proc.returncode})")
                try:
                    if probe.get(f"{self.api}/health").status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("the server process did not start")

    def kill(self) -> None:
        """SIGKILL: no cleanup, no lease handed back (crash tests)."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None
            self._check_log()

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
            self.proc = None
            self._check_log()

    def _check_log(self) -> None:
        if self.log_path.exists():
            lines = self.log_path.read_text(errors="replace").splitlines()
            record_child_errors(lines, f"server process :{self.port}")

    def __enter__(self) -> ServerChild:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


class ServerProcess(ServerChild):
    """A child server in `data_dir` (on SQLite unless `env` names a database), prepared in-process,
    for measuring what it does."""

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None) -> None:
        super().__init__(data_dir, env, inherit_settings=False)
        self.settings_env = dict(env or {})

    def settings(self) -> Settings:
        return Settings.load(
            environ=self.settings_env,
            dotenv_path=self.data_dir / "absent.env",
            overrides={"data_dir": self.data_dir},
        )

    def prepare_pair(self) -> Pair:
        async def go() -> Pair:
            runtime = await start_runtime(self.settings())
            try:
                services = runtime.services
                doctor = await services.accounts.create_practitioner(
                    NewPractitioner(
                        email=unique_email("bench"),
                        password=PASSWORD,
                        first_name="Claire",
                        last_name="Martin",
                        profession="medecin_generaliste",
                        rpps=rpps_number(4242),
                        plan="PRO+",
                    )
                )
                patient = await services.accounts.create_patient(
                    NewPatient(
                        first_name="Hélène", last_name="Dupont", password=PASSWORD, email=unique_email("p")
                    )
                )
                async with services.core.transaction() as tx:
                    conv, _ = await services.conversations.ensure_conversation(tx, doctor.id, patient.id)
                return Pair(await services.accounts.open_session(doctor.id), conv.id)
            finally:
                await runtime.close()

        return asyncio.run(go())

    def rss(self) -> int:
        assert self.proc is not None
        return int(psutil.Process(self.proc.pid).memory_info().rss)

    def measure_upload(
        self, client: httpx.Client, pair: Pair, data: bytes, attachment_id: str, filename: str = "scan.pdf"
    ) -> UploadMeasure:
        """Upload `data` once, sampling the server's RSS every 2 ms until the answer arrives."""
        before = self.rss()
        peak = before
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, self.rss())
                time.sleep(0.002)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        try:
            r = client.put(
                f"/conversations/{pair.conversation_id}/attachments/{attachment_id}",
                params={"filename": filename},
                content=data,
                headers=pair.headers,
            )
            seconds = time.perf_counter() - started
        finally:
            done.set()
            sampler.join()
        return UploadMeasure(r.status_code, seconds, before, peak, self.rss())

    def measure_download(
        self, client: httpx.Client, pair: Pair, attachment_id: str
    ) -> tuple[bytes, UploadMeasure]:
        """Download one document as a stream, sampling the server's RSS meanwhile."""
        before = self.rss()
        peak = before
        received = bytearray()
        started = time.perf_counter()
        with client.stream("GET", f"/attachments/{attachment_id}", headers=pair.headers) as r:
            for piece in r.iter_bytes():
                received += piece
                peak = max(peak, self.rss())
        return bytes(received), UploadMeasure(
            r.status_code, time.perf_counter() - started, before, peak, self.rss()
        )
