"""The peer for the mixed load: Matrix Synapse (SQLite, one process) on the same mix as Teleconsult.

`measure_synapse_mixed(senders, receivers, messages)` installs Synapse into its own virtualenv on
first use (``bench/.synapse-venv``, pinned version, never a dependency of the product), generates
a configuration in a temporary folder, starts the homeserver as its own process on a free port,
then drives it from this process with asyncio + httpx:

- one room per conversation, two members: a "practitioner" who sends and a "patient" who
  receives (``max(senders, receivers)`` rooms; with 50/50 that is 50 practitioner-patient pairs);
- each sender PUTs ``/rooms/{room}/send/m.room.message/{txnId}`` (the txnId is a client id), one
  message at a time, waiting for the answer before the next;
- each receiver long-polls ``/sync`` with a filter and its ``since`` token (timeout 30000) and
  records when each message is first seen; latency = send start -> seen in the receiver's sync.

A warm-up of a few messages per sender precedes the measured `messages`. Configuration changes
from Synapse's generated defaults (and why) are in docs/bench-synapse.md. Self-check:
``python -m bench._synapse [senders receivers messages]`` (default 50 50 2000).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from bench._server import free_port, percentile

SYNAPSE_VERSION = "1.163.2"
VENV = Path(__file__).resolve().parent / ".synapse-venv"
_MARKER = f".installed-matrix-synapse-{SYNAPSE_VERSION}"
INSTALL_TIMEOUT_S = 900.0
START_TIMEOUT_S = 180.0
WARMUP_PER_SENDER = 5
DRAIN_TIMEOUT_S = 60.0
SYNC_TIMEOUT_MS = 30000
# Rate limits as Synapse names them; each set far above what the bench sends.
_UNLIMITED = {"per_second": 1_000_000, "burst_count": 1_000_000}
_RATE_LIMITS: dict[str, Any] = {
    "rc_message": _UNLIMITED,
    "rc_registration": _UNLIMITED,
    "rc_login": {"address": _UNLIMITED, "account": _UNLIMITED, "failed_attempts": _UNLIMITED},
    "rc_joins": {"local": _UNLIMITED, "remote": _UNLIMITED},
    "rc_joins_per_room": _UNLIMITED,
    "rc_invites": {"per_room": _UNLIMITED, "per_user": _UNLIMITED, "per_issuer": _UNLIMITED},
    "rc_room_creation": _UNLIMITED,
    "rc_admin_redaction": _UNLIMITED,
}
# What a receiver asks /sync for: the rooms' messages only (no presence, account data, typing).
_SYNC_FILTER = {
    "presence": {"not_types": ["*"]},
    "account_data": {"not_types": ["*"]},
    "room": {
        "timeline": {"types": ["m.room.message"], "limit": 100},
        "state": {"lazy_load_members": True},
        "ephemeral": {"not_types": ["*"]},
        "account_data": {"not_types": ["*"]},
    },
}


class Unavailable(Exception):  # noqa: N818 -- the name the bench modules import
    """Synapse could not be installed or started; the reason is the message."""


# ---------------------------------------------------------------- installation


def _base_python() -> str:
    """The interpreter the product's virtualenv was made from (not the venv: no product packages)."""
    name = f"python{sys.version_info.major}.{sys.version_info.minor}"
    candidate = Path(sys.base_prefix) / "bin" / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which("python3")
    if found is None:
        raise Unavailable("no base Python interpreter to make Synapse's virtualenv")
    return found


def _venv_python() -> Path:
    return VENV / "bin" / "python"


def ensure_synapse() -> Path:
    """Synapse's interpreter, installing the pinned version on first use (reused afterwards)."""
    VENV.parent.mkdir(parents=True, exist_ok=True)
    with (VENV.parent / ".synapse-venv.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (VENV / _MARKER).exists() and _venv_python().exists():
            return _venv_python()
        shutil.rmtree(VENV, ignore_errors=True)
        try:
            subprocess.run(
                [_base_python(), "-m", "venv", str(VENV)],
                check=True,
                capture_output=True,
                timeout=120,
            )
            subprocess.run(
                [
                    str(_venv_python()),
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    f"matrix-synapse=={SYNAPSE_VERSION}",
                ],
                check=True,
                capture_output=True,
                timeout=INSTALL_TIMEOUT_S,
            )
        except subprocess.CalledProcessError as exc:
            shutil.rmtree(VENV, ignore_errors=True)
            lines = exc.stderr.decode(errors="replace").strip().splitlines() or ["no output"]
            reason = next((line for line in reversed(lines) if line.startswith("ERROR")), lines[-1])
            raise Unavailable(f"installing matrix-synapse=={SYNAPSE_VERSION} failed: {reason[:300]}") from exc
        except (OSError, subprocess.TimeoutExpired) as exc:
            shutil.rmtree(VENV, ignore_errors=True)
            raise Unavailable(f"installing matrix-synapse=={SYNAPSE_VERSION} failed: {exc}") from exc
        (VENV / _MARKER).write_text(SYNAPSE_VERSION + "\n", encoding="utf-8")
        return _venv_python()


# ---------------------------------------------------------------- the homeserver process


class SynapseProcess:
    """One homeserver on a fresh temporary folder (SQLite), client API only, 127.0.0.1."""

    def __init__(self, python: Path) -> None:
        self.python = python
        self.dir = Path(tempfile.mkdtemp(prefix="tc-bench-synapse-"))
        self.port = free_port()
        self.secret = secrets.token_urlsafe(32)
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _configure(self) -> list[Path]:
        generated = self.dir / "homeserver.yaml"
        try:
            subprocess.run(
                [
                    str(self.python),
                    "-m",
                    "synapse.app.homeserver",
                    "--server-name",
                    "localhost",
                    "--config-path",
                    str(generated),
                    "--generate-config",
                    "--report-stats=no",
                    "--data-directory",
                    str(self.dir),
                ],
                cwd=self.dir,
                check=True,
                capture_output=True,
                timeout=120,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise Unavailable(f"Synapse could not generate its configuration: {exc}") from exc
        log_config = self.dir / "log.json"  # JSON is YAML: no YAML library needed here
        log_config.write_text(
            json.dumps(
                {
                    "version": 1,
                    "formatters": {"plain": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
                    "handlers": {
                        "file": {
                            "class": "logging.FileHandler",
                            "filename": str(self.dir / "homeserver.log"),
                            "formatter": "plain",
                        }
                    },
                    "root": {"level": "WARNING", "handlers": ["file"]},
                    "disable_existing_loggers": False,
                }
            ),
            encoding="utf-8",
        )
        # A later config file replaces the earlier one's top-level keys (Synapse merges them).
        override = self.dir / "bench.json"
        override.write_text(
            json.dumps(
                {
                    "pid_file": str(self.dir / "homeserver.pid"),
                    "listeners": [
                        {
                            "port": self.port,
                            "bind_addresses": ["127.0.0.1"],
                            "type": "http",
                            "tls": False,
                            "x_forwarded": False,
                            "resources": [{"names": ["client"], "compress": False}],
                        }
                    ],
                    "database": {
                        "name": "sqlite3",
                        "args": {"database": str(self.dir / "homeserver.db")},
                    },
                    "log_config": str(log_config),
                    "registration_shared_secret": self.secret,
                    "report_stats": False,
                    "trusted_key_servers": [],
                    "suppress_key_server_warning": True,
                    "presence": {"enabled": False},
                    "bcrypt_rounds": 4,
                    **_RATE_LIMITS,
                }
            ),
            encoding="utf-8",
        )
        return [generated, override]

    def start(self) -> SynapseProcess:
        configs = self._configure()
        command = [str(self.python), "-m", "synapse.app.homeserver"]
        for path in configs:
            command += ["-c", str(path)]
        with (self.dir / "stderr.log").open("wb") as err:
            self.proc = subprocess.Popen(command, cwd=self.dir, stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Unavailable(f"Synapse exited at start (code {self.proc.returncode}): {self._tail()}")
            try:
                if httpx.get(f"{self.url}/_matrix/client/versions", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)  # polling for the listener; the loop ends on the condition above
        self.stop()
        raise Unavailable(f"Synapse did not answer within {START_TIMEOUT_S:.0f} s: {self._tail()}")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the homeserver so far (Linux /proc; NaN elsewhere)."""
        assert self.proc is not None
        try:
            stat = Path(f"/proc/{self.proc.pid}/stat").read_text(encoding="ascii")
        except OSError:
            return float("nan")
        fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def runnable_wait_seconds(self) -> float:
        """Time the homeserver's threads were ready to run but waited for a CPU (Linux schedstat)."""
        assert self.proc is not None
        total = 0
        for task in Path(f"/proc/{self.proc.pid}/task").glob("*/schedstat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                total += int(task.read_text(encoding="ascii").split()[1])
        return total / 1e9

    def _tail(self) -> str:
        lines: list[str] = []
        for name in ("stderr.log", "homeserver.log"):
            with contextlib.suppress(OSError):
                lines += (self.dir / name).read_text(encoding="utf-8", errors="replace").splitlines()
        return " | ".join(lines[-5:])

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(30)
            self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def running_synapse() -> Iterator[SynapseProcess]:
    server = SynapseProcess(ensure_synapse())
    try:
        yield server.start()
    finally:
        server.stop()


# ---------------------------------------------------------------- the load


@dataclass
class _User:
    user_id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class _Phase:
    """Messages of one phase (warm-up or measured): send start times, receipts, errors."""

    started: dict[str, float] = field(default_factory=dict)  # body -> perf_counter at send start
    latencies_ms: list[float] = field(default_factory=list)
    send_ms: list[float] = field(default_factory=list)  # PUT round trips, for the self-check
    errors: int = 0
    last_receipt: float = 0.0
    changed: asyncio.Event = field(default_factory=asyncio.Event)


async def _register(client: httpx.AsyncClient, secret: str, username: str) -> _User:
    """Shared-secret registration (Synapse's admin API); the answer carries an access token."""
    path = "/_synapse/admin/v1/register"
    nonce = (await client.get(path)).raise_for_status().json()["nonce"]
    password = secrets.token_urlsafe(16)
    mac = hmac.new(secret.encode(), digestmod=hashlib.sha1)
    for part in (nonce, username, password):
        mac.update(part.encode() + b"\x00")
    mac.update(b"notadmin")
    body = {
        "nonce": nonce,
        "username": username,
        "password": password,
        "admin": False,
        "mac": mac.hexdigest(),
    }
    answer = (await client.post(path, json=body)).raise_for_status().json()
    return _User(user_id=answer["user_id"], token=answer["access_token"])


async def _make_room(client: httpx.AsyncClient, practitioner: _User, patient: _User) -> str:
    created = await client.post(
        "/_matrix/client/v3/createRoom",
        headers=practitioner.headers,
        json={"preset": "private_chat", "is_direct": True, "invite": [patient.user_id]},
    )
    room_id = str(created.raise_for_status().json()["room_id"])
    joined = await client.post(f"/_matrix/client/v3/join/{quote(room_id, safe='')}", headers=patient.headers)
    joined.raise_for_status()
    return room_id


class _Load:
    def __init__(self, secret: str, senders: int, receivers: int) -> None:
        self.secret = secret
        self.n_senders = senders
        self.n_receivers = receivers
        self.practitioners: list[_User] = []
        self.patients: list[_User] = []
        self.rooms_of_sender: list[list[str]] = [[] for _ in range(senders)]
        self.phase = _Phase()

    async def setup(self, client: httpx.AsyncClient) -> None:
        gate = asyncio.Semaphore(8)

        async def register(name: str) -> _User:
            async with gate:
                return await _register(client, self.secret, name)

        self.practitioners = list(
            await asyncio.gather(*(register(f"practitioner{i}") for i in range(self.n_senders)))
        )
        self.patients = list(
            await asyncio.gather(*(register(f"patient{i}") for i in range(self.n_receivers)))
        )

        async def room(k: int) -> None:
            sender = k % self.n_senders
            async with gate:
                room_id = await _make_room(
                    client, self.practitioners[sender], self.patients[k % self.n_receivers]
                )
            self.rooms_of_sender[sender].append(room_id)

        await asyncio.gather(*(room(k) for k in range(max(self.n_senders, self.n_receivers))))

    async def receive(self, client: httpx.AsyncClient, user: _User, ready: asyncio.Event) -> None:
        created = await client.post(
            f"/_matrix/client/v3/user/{quote(user.user_id, safe='')}/filter",
            headers=user.headers,
            json=_SYNC_FILTER,
        )
        filter_id = str(created.raise_for_status().json()["filter_id"])
        first = await client.get(
            "/_matrix/client/v3/sync", headers=user.headers, params={"filter": filter_id, "timeout": 0}
        )
        since = str(first.raise_for_status().json()["next_batch"])
        ready.set()
        while True:
            try:
                answer = await client.get(
                    "/_matrix/client/v3/sync",
                    headers=user.headers,
                    params={"filter": filter_id, "since": since, "timeout": SYNC_TIMEOUT_MS},
                )
                answer.raise_for_status()
                data = answer.json()
            except (httpx.HTTPError, ValueError):
                self.phase.errors += 1
                await asyncio.sleep(0.5)  # back off before the next long-poll, as a client would
                continue
            seen = time.perf_counter()
            since = str(data["next_batch"])
            phase = self.phase
            for joined in data.get("rooms", {}).get("join", {}).values():
                for event in joined.get("timeline", {}).get("events", []):
                    body = event.get("content", {}).get("body")
                    start = phase.started.pop(body, None) if event.get("sender") != user.user_id else None
                    if start is not None:
                        phase.latencies_ms.append((seen - start) * 1000)
                        phase.last_receipt = seen
                        phase.changed.set()

    async def send(self, client: httpx.AsyncClient, sender: int, count: int, tag: str) -> None:
        user = self.practitioners[sender]
        rooms = self.rooms_of_sender[sender]
        phase = self.phase
        for n in range(count):
            txn_id = uuid.uuid4().hex  # the client id, as Teleconsult's clients send one
            body = f"{tag} {sender} {n} {txn_id}"
            room = quote(rooms[n % len(rooms)], safe="")
            phase.started[body] = start = time.perf_counter()
            try:
                answer = await client.put(
                    f"/_matrix/client/v3/rooms/{room}/send/m.room.message/{txn_id}",
                    headers=user.headers,
                    json={"msgtype": "m.text", "body": body},
                )
                answer.raise_for_status()
            except httpx.HTTPError:
                phase.errors += 1
                phase.started.pop(body, None)
            else:
                phase.send_ms.append((time.perf_counter() - start) * 1000)

    async def run_phase(self, client: httpx.AsyncClient, messages: int, tag: str) -> tuple[_Phase, float]:
        """Send `messages` (spread over the senders); wait until received or the drain times out."""
        phase = self.phase = _Phase()
        per = [
            messages // self.n_senders + (1 if i < messages % self.n_senders else 0)
            for i in range(self.n_senders)
        ]
        t0 = time.perf_counter()
        await asyncio.gather(*(self.send(client, i, per[i], tag) for i in range(self.n_senders)))
        # Every send has been answered: `started` now holds only what is still awaited.
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        while phase.started and time.monotonic() < deadline:
            phase.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(phase.changed.wait(), timeout=max(0.0, deadline - time.monotonic()))
        phase.errors += len(phase.started)  # accepted by the server, never seen by the other member
        return phase, t0


async def _measure(
    server: SynapseProcess, senders: int, receivers: int, messages: int
) -> tuple[dict[str, float], dict[str, float]]:
    """The figures, and details for the self-check (send round trip, server CPU per message)."""
    url = server.url
    limits = httpx.Limits(
        max_connections=senders + receivers + 10, max_keepalive_connections=senders + receivers + 10
    )
    timeout = httpx.Timeout(60.0, read=SYNC_TIMEOUT_MS / 1000 + 30)
    async with (
        httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as setup_client,
        httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as send_client,
        httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as sync_client,
    ):
        load = _Load(server.secret, senders, receivers)
        try:
            await load.setup(setup_client)
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            raise Unavailable(f"Synapse refused the bench's users or rooms: {exc!r}") from exc
        ready = [asyncio.Event() for _ in load.patients]
        syncing = [
            asyncio.create_task(load.receive(sync_client, user, flag))
            for user, flag in zip(load.patients, ready, strict=True)
        ]
        try:
            await asyncio.gather(*(flag.wait() for flag in ready))
            await load.run_phase(send_client, WARMUP_PER_SENDER * senders, "warm-up")
            cpu_before, wait_before = server.cpu_seconds(), server.runnable_wait_seconds()
            phase, t0 = await load.run_phase(send_client, messages, "measured")
            cpu_s = server.cpu_seconds() - cpu_before
            wait_s = server.runnable_wait_seconds() - wait_before
        finally:
            for task in syncing:
                task.cancel()
            await asyncio.gather(*syncing, return_exceptions=True)
    received = len(phase.latencies_ms)
    elapsed = phase.last_receipt - t0 if received else float("nan")
    figures = {
        "msg_per_s": round(received / elapsed, 1) if received else 0.0,
        "p50_ms": round(percentile(phase.latencies_ms, 50), 1),
        "p95_ms": round(percentile(phase.latencies_ms, 95), 1),
        "p99_ms": round(percentile(phase.latencies_ms, 99), 1),
        "errors": float(phase.errors),
    }
    details = {
        "send_p50_ms": round(percentile(phase.send_ms, 50), 1),
        "send_p99_ms": round(percentile(phase.send_ms, 99), 1),
        "server_cpu_ms_per_msg": round(cpu_s * 1000 / received, 2) if received else float("nan"),
        "server_cpu_share": round(cpu_s / elapsed, 2) if received else float("nan"),
        "server_waiting_for_cpu_share": round(wait_s / elapsed, 2) if received else float("nan"),
        "wall_s": round(elapsed, 2),
    }
    return figures, details


def measure_synapse_mixed(senders: int, receivers: int, messages: int) -> dict[str, float]:
    """Synapse on the mixed load: msg/s, p50/p95/p99 latency (ms) and errors; raises Unavailable."""
    return _measure_with_details(senders, receivers, messages)[0]


def _measure_with_details(
    senders: int, receivers: int, messages: int
) -> tuple[dict[str, float], dict[str, float]]:
    if senders < 1 or receivers < 1 or messages < 1:
        raise ValueError("senders, receivers and messages must be at least 1")
    with running_synapse() as server:

        def go() -> tuple[dict[str, float], dict[str, float]]:
            return asyncio.run(_measure(server, senders, receivers, messages))

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return go()
        with concurrent.futures.ThreadPoolExecutor(1) as pool:  # called from a running loop
            return pool.submit(go).result()


def main(argv: list[str]) -> int:
    senders, receivers, messages = [int(a) for a in argv] if argv else [50, 50, 2000]
    started = time.perf_counter()
    python = ensure_synapse()
    print(f"matrix-synapse {SYNAPSE_VERSION} ready in {time.perf_counter() - started:.1f} s ({python})")
    figures, details = _measure_with_details(senders, receivers, messages)
    print(json.dumps({"senders": senders, "receivers": receivers, "messages": messages, **figures}))
    print(json.dumps(details))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
