"""Companion server under a realistic mix: REST senders and receiving sockets, many conversations.

The shape (docs/decisions.md, « Throughput under a mixed load »): 10 practitioners with 5 patients
each, 50 conversations. Each conversation has one sender, its practitioner, posting over REST
(`PUT …/messages/{id}` with a client-generated id, one message at a time, as the desktop's outbox
does), and one receiver, its patient, holding the patient page's socket. A practitioner thus has
5 senders on one session, as a desktop writing in several conversations at once. Latency is
measured from the moment the request is written to the moment the patient's socket receives the
`message.created` event; the throughput counts messages received.

The server runs in its own process; this process is the load generator (raw HTTP/1.1 keep-alive
connections: a heavier client would share the 2 cores with the server and measure itself). SQLite
is always measured; PostgreSQL too when `TELECONSULT_BENCH_POSTGRES_URL` (or the tests'
`TELECONSULT_TEST_POSTGRES_URL`) names a reachable server: a fresh database is created and dropped.

Peer: `bench._synapse.measure_synapse_mixed` (Matrix Synapse under the same load), when present.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import websockets

from bench._server import ServerProcess, percentile
from server.accounts.service import NewPatient, NewPractitioner

PRACTITIONERS = 10
PATIENTS_EACH = 5
SENDERS = PRACTITIONERS * PATIENTS_EACH  # one per conversation
RECEIVERS = SENDERS  # one socket per patient
MESSAGES = 6000  # measured, after the warm-up
WARM_UP = 5  # messages per sender before the clock starts
GOAL_RATE = 1000
GOAL_P99 = 100.0
GOAL_PEER_RATIO = 50


def _rpps(n: int) -> str:
    from contracts.identifiers import luhn_check_digit

    prefix = f"1{n:09d}"
    return prefix + luhn_check_digit(prefix)


async def _setup(runtime: Any) -> list[tuple[str, str, str]]:
    """(practitioner token, patient token, conversation id) for each of the 50 conversations."""
    accounts = runtime.services.accounts
    out = []
    for d in range(PRACTITIONERS):
        doctor = await accounts.create_practitioner(
            NewPractitioner(
                email=f"dr{d}@example.fr",
                password="correct-horse-42",
                first_name="Claire",
                last_name=f"Martin{d}",
                profession="medecin_generaliste",
                rpps=_rpps(100 + d),
            )
        )
        doctor_token = await accounts.open_session(doctor.id)
        for i in range(PATIENTS_EACH):
            patient = await accounts.create_patient(
                NewPatient(
                    first_name="Zoé",
                    last_name=f"Bernard{d}x{i}",
                    password="correct-horse-42",
                    email=f"p{d}x{i}@example.fr",
                )
            )
            async with runtime.core.transaction() as tx:
                conv, _ = await runtime.services.conversations.ensure_conversation(tx, doctor.id, patient.id)
            out.append((doctor_token, await accounts.open_session(patient.id), conv.id))
    return out


class _Http:
    """One keep-alive HTTP/1.1 connection: a request written, its answer read whole."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int) -> _Http:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    def send(self, method: str, path: str, token: str, body: bytes) -> None:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)

    async def answer(self) -> tuple[int, bytes]:
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


@dataclass
class _Run:
    sent_at: dict[str, float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    measuring: set[str] = field(default_factory=set)
    errors: int = 0
    expected: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)


async def _receiver(url: str, token: str, run: _Run, ready: asyncio.Event) -> None:
    async with websockets.connect(url, compression=None, max_size=2**20) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token, "last_seq": 10**12}))
        first = json.loads(await ws.recv())
        assert first["type"] == "ready", first
        ready.set()
        async for raw in ws:
            frame = json.loads(raw)
            if frame.get("event") != "message.created":
                continue
            received = time.perf_counter()
            mid = frame["data"]["message"]["id"]
            sent = run.sent_at.pop(mid, None)
            if sent is not None and mid in run.measuring:
                run.latencies.append(received - sent)
                if len(run.latencies) >= run.expected:
                    run.done.set()


async def _sender(port: int, token: str, conv: str, count: int, run: _Run, measured: bool) -> None:
    http = await _Http.open(port)
    try:
        for i in range(count):
            mid = str(uuid.uuid4())
            body = json.dumps({"body": f"Bonjour, voici le message {i}."}).encode()
            if measured:
                run.measuring.add(mid)
            run.sent_at[mid] = time.perf_counter()
            http.send("PUT", f"/api/v1/conversations/{conv}/messages/{mid}", token, body)
            status, _ = await http.answer()
            if status != 201:
                run.errors += 1
                run.measuring.discard(mid)
                if measured:
                    run.expected -= 1
    finally:
        http.close()


async def _mixed(server: ServerProcess, pairs: list[tuple[str, str, str]], messages: int) -> dict[str, float]:
    run = _Run()
    readies = [asyncio.Event() for _ in pairs]
    receivers = [
        asyncio.create_task(_receiver(server.ws_url, patient, run, ready))
        for (_, patient, _), ready in zip(pairs, readies, strict=True)
    ]
    try:
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 60)
        await asyncio.gather(*(_sender(server.port, d, c, WARM_UP, run, False) for d, _, c in pairs))
        per_sender = messages // len(pairs)
        run.expected = per_sender * len(pairs)
        cpu = server.cpu_seconds()
        started = time.perf_counter()
        await asyncio.gather(*(_sender(server.port, d, c, per_sender, run, True) for d, _, c in pairs))
        await asyncio.wait_for(run.done.wait(), 120)
        elapsed = time.perf_counter() - started
        cpu = server.cpu_seconds() - cpu
    finally:
        for task in receivers:
            task.cancel()
        await asyncio.gather(*receivers, return_exceptions=True)
    ms = [x * 1000 for x in run.latencies]
    return {
        "msg_per_s": len(ms) / elapsed,
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "p99_ms": percentile(ms, 99),
        "errors": run.errors,
        # The server's CPU per message: what a busy machine changes least (2 cores shared).
        "server_cpu_ms_per_msg": cpu * 1000 / max(len(ms), 1),
    }


def measure(database_url: str | None = None, messages: int = MESSAGES) -> dict[str, float]:
    """The mixed load against a fresh server (SQLite, or the PostgreSQL database given)."""
    server = ServerProcess(database_url=database_url)
    pairs = server.prepare(_setup)
    server.start()
    try:
        return asyncio.run(_mixed(server, pairs, messages))
    finally:
        server.stop()


def _postgres_admin_url() -> str:
    return os.environ.get("TELECONSULT_BENCH_POSTGRES_URL") or os.environ.get(
        "TELECONSULT_TEST_POSTGRES_URL", ""
    )


async def _pg_admin(admin_url: str, statement: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(admin_url)
    conn = await asyncio.wait_for(
        asyncpg.connect(
            user=url.username, password=url.password, host=url.host, port=url.port, database=url.database
        ),
        5,
    )
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def _with_postgres(admin_url: str, messages: int) -> dict[str, float]:
    from sqlalchemy.engine import make_url

    name = f"teleconsult_bench_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(admin_url, f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        return measure(url, messages)
    finally:
        asyncio.run(_pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _peer(messages: int) -> dict[str, float] | str:
    """Synapse's figures under the same load, or why there are none."""
    try:
        from bench import _synapse  # written by the peer's owner; may not exist yet
    except ImportError as exc:
        return f"bench._synapse absent ({exc})"
    unavailable: type[Exception] = getattr(_synapse, "Unavailable", RuntimeError)
    try:
        result: dict[str, float] = _synapse.measure_synapse_mixed(SENDERS, RECEIVERS, messages)
    except unavailable as exc:
        return f"synapse indisponible : {exc}"
    return result


def _rows(database: str, ours: dict[str, float], peer: dict[str, float] | str) -> list[dict[str, object]]:
    bench = f"mixed_{database}"

    def row(metric: str, unit: str, goal: float | None, peer_key: str | None) -> dict[str, object]:
        out: dict[str, object] = {
            "bench": bench,
            "metric": metric,
            "value": round(ours[metric], 2),
            "unit": unit,
        }
        if goal is not None:
            out["goal"] = goal
        if peer_key is not None:
            out["peer"] = "synapse"
            if isinstance(peer, str):
                out["peer_error"] = peer
            else:
                out["peer_value"] = round(peer[peer_key], 2)
                # Higher is better for a rate, lower for a latency: the ratio is how many times better.
                better = (
                    ours[metric] / peer[peer_key] if metric == "msg_per_s" else peer[peer_key] / ours[metric]
                )
                out["ratio"] = round(better, 2)
                out["goal_ratio"] = GOAL_PEER_RATIO
        return out

    return [
        row("msg_per_s", "msg/s", GOAL_RATE, "msg_per_s"),
        row("p50_ms", "ms", None, None),
        row("p95_ms", "ms", None, None),
        row("p99_ms", "ms", GOAL_P99, "p99_ms"),
        row("server_cpu_ms_per_msg", "ms", None, None),
        {"bench": bench, "metric": "errors", "value": int(ours["errors"]), "unit": "requests", "goal": 0},
    ]


def main() -> list[dict[str, object]]:
    messages = int(os.environ.get("TELECONSULT_BENCH_MIXED_MESSAGES", MESSAGES))
    peer = _peer(messages)
    rows = _rows("sqlite", measure(None, messages), peer)
    admin = _postgres_admin_url()
    if admin:
        try:
            asyncio.run(_pg_admin(admin, "SELECT 1"))
        except (OSError, TimeoutError, ImportError) as exc:
            rows.append(
                {"bench": "mixed_postgres", "skipped": f"PostgreSQL injoignable ({type(exc).__name__})"}
            )
        else:
            rows += _rows("postgres", _with_postgres(admin, messages), peer)
    else:
        rows.append({"bench": "mixed_postgres", "skipped": "TELECONSULT_BENCH_POSTGRES_URL absent"})
    return rows


if __name__ == "__main__":
    for line in main():
        print(json.dumps(line, ensure_ascii=False))
