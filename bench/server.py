"""Companion server: message throughput and latency, idle sockets, conversation search.

Peers measured in the same run: a minimal ASGI echo server under the same uvicorn settings (the
floor for "a JSON frame in, a JSON frame out"), a trivial ASGI app holding idle sockets, and a
SQLite FTS5 prefix index over the same 100,000 names.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psutil
import websockets

from bench._server import ServerProcess, free_port, percentile
from contracts.identifiers import luhn_check_digit
from contracts.text import fold, search_terms, terms_text
from server.accounts.service import NewPatient, NewPractitioner
from server.kernel.core import Actor
from server.kernel.security import hash_password

CLIENTS = 40
PER_CLIENT = 150
WINDOW = 1

ECHO_APP = """
async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            m = await receive()
            if m["type"] == "lifespan.startup": await send({"type": "lifespan.startup.complete"})
            else: await send({"type": "lifespan.shutdown.complete"}); return
    if scope["type"] != "websocket": return
    await receive(); await send({"type": "websocket.accept"})
    while True:
        m = await receive()
        if m["type"] != "websocket.receive": return
        await send({"type": "websocket.send", "text": m.get("text")})
"""


FIRST_NAMES = [
    "Hélène",
    "Marc",
    "Zoé",
    "Éloïse",
    "Jean",
    "Chloé",
    "Louis",
    "Inès",
    "Hugo",
    "Léa",
    "Gabriel",
    "Manon",
]
LAST_NAMES = [
    "Dupont",
    "Petit",
    "Bernard",
    "Martin",
    "Durand",
    "Lefèvre",
    "Moreau",
    "Lœuvre",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
]


def patient_name(i: int) -> tuple[str, str]:
    """The i-th synthetic patient: common French names, made unique after the first 2 000."""
    last = LAST_NAMES[(i // 7) % len(LAST_NAMES)]
    return FIRST_NAMES[i % len(FIRST_NAMES)], last if i < 2000 else f"{last}{i}"


def _rpps(n: int) -> str:
    prefix = f"1{n:09d}"
    return prefix + luhn_check_digit(prefix)


async def _setup_chat(runtime: Any, patients: int) -> dict[str, Any]:
    accounts = runtime.services.accounts
    doctor = await accounts.create_practitioner(
        NewPractitioner(
            email="bench@example.fr",
            password="correct-horse-42",
            first_name="Claire",
            last_name="Martin",
            profession="medecin_generaliste",
            rpps=_rpps(1),
        )
    )
    out: dict[str, Any] = {"doctor": await accounts.open_session(doctor.id), "patients": []}
    for i in range(patients):
        p = await accounts.create_patient(
            NewPatient(
                first_name="Zoé",
                last_name=f"Bernard{i}",
                password="correct-horse-42",
                email=f"p{i}@example.fr",
            )
        )
        async with runtime.core.transaction() as tx:
            conv, _ = await runtime.services.conversations.ensure_conversation(tx, doctor.id, p.id)
        out["patients"].append((await accounts.open_session(p.id), conv.id))
    return out


async def _connect(url: str, token: str) -> Any:
    ws = await websockets.connect(url, compression=None, max_size=2**20)
    await ws.send(json.dumps({"type": "auth", "token": token, "last_seq": 10**12}))
    ready = json.loads(await ws.recv())
    assert ready["type"] == "ready", ready
    return ws


async def _throughput(server: ServerProcess, setup: dict[str, Any]) -> dict[str, float]:
    doctor = await _connect(server.ws_url, setup["doctor"])
    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    total = CLIENTS * PER_CLIENT
    done = asyncio.Event()

    async def receiver() -> None:
        async for raw in doctor:
            frame = json.loads(raw)
            if (
                frame.get("event") == "message.created"
                and frame["data"]["message"]["sender_role"] == "patient"
            ):
                mid = frame["data"]["message"]["id"]
                latencies.append(time.perf_counter() - sent_at[mid])
                if len(latencies) >= total:
                    done.set()
                    return

    async def client(token: str, conv: str) -> None:
        ws = await _connect(server.ws_url, token)
        window = asyncio.Semaphore(WINDOW)

        async def acks() -> None:
            got = 0
            async for raw in ws:
                frame = json.loads(raw)
                if frame["type"] in ("ack", "error"):
                    window.release()
                    got += 1
                    if got >= PER_CLIENT:
                        return

        reader = asyncio.create_task(acks())
        for i in range(PER_CLIENT):
            await window.acquire()
            mid = str(uuid.uuid4())
            sent_at[mid] = time.perf_counter()
            await ws.send(
                json.dumps({"type": "message.send", "id": mid, "conversation_id": conv, "body": f"msg {i}"})
            )
        await reader
        await ws.close()

    recv_task = asyncio.create_task(receiver())
    started = time.perf_counter()
    await asyncio.gather(*(client(t, c) for t, c in setup["patients"][:CLIENTS]))
    await asyncio.wait_for(done.wait(), 120)
    elapsed = time.perf_counter() - started
    recv_task.cancel()
    await doctor.close()
    return {
        "rate": total / elapsed,
        "p50": percentile(latencies, 50) * 1000,
        "p99": percentile(latencies, 99) * 1000,
    }


async def _echo_throughput(url: str) -> dict[str, float]:
    latencies: list[float] = []

    async def client() -> None:
        ws = await websockets.connect(url, compression=None)
        await ws.send("{}")
        for i in range(PER_CLIENT):
            t = time.perf_counter()
            await ws.send(json.dumps({"type": "message.send", "id": str(uuid.uuid4()), "body": f"msg {i}"}))
            await ws.recv()
            latencies.append(time.perf_counter() - t)
        await ws.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    elapsed = time.perf_counter() - started
    return {
        "rate": CLIENTS * PER_CLIENT / elapsed,
        "p50": percentile(latencies, 50) * 1000,
        "p99": percentile(latencies, 99) * 1000,
    }


def _start_echo(tmp: Path) -> tuple[subprocess.Popen[bytes], int]:
    (tmp / "echo_app.py").write_text(ECHO_APP, encoding="utf-8")
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "echo_app:app",
            "--port",
            str(port),
            "--ws",
            "websockets-sansio",
            "--ws-per-message-deflate",
            "false",
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=tmp,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.5)
    return proc, port


async def _hold_sockets(url: str, tokens: list[str], count: int, auth: bool) -> list[Any]:
    sockets = []
    for i in range(count):
        ws = await websockets.connect(url, compression=None, max_size=2**16)
        if auth:
            await ws.send(json.dumps({"type": "auth", "token": tokens[i % len(tokens)], "last_seq": 10**12}))
            await ws.recv()
        sockets.append(ws)
    return sockets


async def _setup_sockets(runtime: Any, users: int) -> list[str]:
    tokens = []
    for i in range(users):
        p = await runtime.services.accounts.create_patient(
            NewPatient(
                first_name="Idle",
                last_name=f"Socket{i}",
                password="correct-horse-42",
                email=f"s{i}@example.fr",
            )
        )
        tokens.append(await runtime.services.accounts.open_session(p.id))
    return tokens


def _memory_per_socket(count: int) -> tuple[dict[str, float], dict[str, float]]:
    server = ServerProcess()
    tokens = server.prepare(lambda rt: _setup_sockets(rt, 200))
    server.start()
    tmp = Path(tempfile.mkdtemp(prefix="tc-echo-"))
    echo, port = _start_echo(tmp)
    try:

        async def measure(url: str, rss: Any, auth: bool) -> dict[str, float]:
            before = rss()
            started = time.perf_counter()
            sockets = await _hold_sockets(url, tokens, count, auth)
            setup = time.perf_counter() - started
            await asyncio.sleep(2)
            after = rss()
            held = len(sockets)
            for ws in sockets:
                await ws.close()
            return {
                "held": held,
                "kb_per_socket": (after - before) / held / 1024,
                "connect_per_s": held / setup,
            }

        ours = asyncio.run(measure(server.ws_url, server.rss, True))
        peer = asyncio.run(
            measure(f"ws://127.0.0.1:{port}/", lambda: psutil.Process(echo.pid).memory_info().rss, False)
        )
        return ours, peer
    finally:
        echo.terminate()
        server.stop()


async def _setup_search(runtime: Any, count: int) -> str:
    """100,000 conversations for one practitioner, inserted in bulk through the same tables."""
    from sqlalchemy import insert

    from server.accounts.models import User
    from server.conversations.models import Conversation, ConversationSearchTerm

    accounts = runtime.services.accounts
    doctor = await accounts.create_practitioner(
        NewPractitioner(
            email="search@example.fr",
            password="correct-horse-42",
            first_name="Claire",
            last_name="Martin",
            profession="medecin_generaliste",
            rpps=_rpps(2),
        )
    )
    pw = await hash_password("correct-horse-42")
    now = runtime.core.clock()
    batch = 5000
    for start in range(0, count, batch):
        users, convs, terms = [], [], []
        for i in range(start, min(start + batch, count)):
            first, last = patient_name(i)
            uid, cid = str(uuid.uuid4()), str(uuid.uuid4())
            users.append(
                {
                    "id": uid,
                    "role": "patient",
                    "email": f"x{i}@example.fr",
                    "phone": None,
                    "password_hash": pw,
                    "first_name": first,
                    "last_name": last,
                    "created_at": now,
                    "event_seq": 0,
                    "disabled": False,
                }
            )
            convs.append(
                {
                    "id": cid,
                    "practitioner_id": doctor.id,
                    "patient_id": uid,
                    "created_at": now,
                    "updated_at": now,
                    "last_seq": 0,
                    "practitioner_read_seq": 0,
                    "patient_read_seq": 0,
                    "practitioner_unread": 0,
                    "patient_unread": 0,
                    "patient_write": "always",
                }
            )
            sort_key = fold(f"{last} {first}")
            found = search_terms(first, last)
            text = terms_text(found)
            terms.extend(
                {
                    "practitioner_id": doctor.id,
                    "term": t,
                    "conversation_id": cid,
                    "sort_key": sort_key,
                    "terms_text": text,
                }
                for t in found
            )
        async with runtime.core.db.write() as session:
            await session.execute(insert(User), users)
            await session.execute(insert(Conversation), convs)
            await session.execute(insert(ConversationSearchTerm), terms)
    return doctor.id


async def _search_latency(runtime: Any, doctor_id: str, queries: list[str], runs: int) -> list[float]:
    actor = Actor(doctor_id, "practitioner")
    times = []
    for _ in range(runs):
        for q in queries:
            t = time.perf_counter()
            await runtime.services.conversations.list_for(actor, query=q, limit=50)
            times.append((time.perf_counter() - t) * 1000)
    return times


def _search(count: int = 100_000) -> tuple[dict[str, float], dict[str, float]]:
    server = ServerProcess()
    queries = ["hél dup", "dup", "zoé bern", "marc", "lœuv", "h", "guér", "muller123", "léa ro", "inès faure"]

    async def go(runtime: Any) -> tuple[list[float], str]:
        doctor_id = await _setup_search(runtime, count)
        await _search_latency(runtime, doctor_id, queries, 2)  # warm-up
        return await _search_latency(runtime, doctor_id, queries, 20), doctor_id

    times, _ = server.prepare(go)
    # Peer: SQLite FTS5 with prefix indexes over the same names, same queries (top 50, no ranking).
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE names USING fts5("
        "name, tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')"
    )
    db.executemany(
        "INSERT INTO names(name) VALUES (?)",
        [(" ".join(patient_name(i)),) for i in range(count)],
    )
    peer_times = []
    for _ in range(20):
        for q in queries:
            match = " ".join(f'"{w}"*' for w in fold(q).split())
            t = time.perf_counter()
            db.execute("SELECT rowid, name FROM names WHERE names MATCH ? LIMIT 50", (match,)).fetchall()
            peer_times.append((time.perf_counter() - t) * 1000)
    ours = {"p50": percentile(times, 50), "p95": percentile(times, 95)}
    peer = {"p50": percentile(peer_times, 50), "p95": percentile(peer_times, 95)}
    return ours, peer


def main() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    # 1. Messages persisted and delivered to a connected socket.
    server = ServerProcess()
    setup = server.prepare(lambda rt: _setup_chat(rt, CLIENTS))
    server.start()
    try:
        ours = asyncio.run(_throughput(server, setup))
    finally:
        server.stop()
    tmp = Path(tempfile.mkdtemp(prefix="tc-echo-"))
    echo, port = _start_echo(tmp)
    try:
        peer = asyncio.run(_echo_throughput(f"ws://127.0.0.1:{port}/"))
    finally:
        echo.terminate()
    rows += [
        {
            "bench": "server",
            "metric": "messages_per_s",
            "value": round(ours["rate"]),
            "unit": "msg/s",
            "goal": 3000,
            "peer": "asgi-echo",
            "peer_value": round(peer["rate"]),
            "ratio": round(ours["rate"] / peer["rate"], 3),
        },
        {"bench": "server", "metric": "message_latency_p50", "value": round(ours["p50"], 2), "unit": "ms"},
        {
            "bench": "server",
            "metric": "message_latency_p99",
            "value": round(ours["p99"], 2),
            "unit": "ms",
            "goal": 100,
            "peer": "asgi-echo",
            "peer_value": round(peer["p99"], 2),
        },
    ]
    # 2. Idle authenticated sockets.
    sockets_ours, sockets_peer = _memory_per_socket(5000)
    rows += [
        {
            "bench": "server",
            "metric": "idle_sockets_held",
            "value": sockets_ours["held"],
            "unit": "sockets",
            "goal": 5000,
        },
        {
            "bench": "server",
            "metric": "memory_per_idle_socket",
            "value": round(sockets_ours["kb_per_socket"], 1),
            "unit": "kB",
            "goal": 50,
            "peer": "asgi-idle",
            "peer_value": round(sockets_peer["kb_per_socket"], 1),
            "ratio": round(sockets_ours["kb_per_socket"] / max(sockets_peer["kb_per_socket"], 0.1), 2),
        },
    ]
    # 3. Conversation search over 100,000 conversations.
    search_ours, search_peer = _search()
    rows += [
        {
            "bench": "server",
            "metric": "search_100k_p95",
            "value": round(search_ours["p95"], 2),
            "unit": "ms",
            "goal": 5,
            "peer": "sqlite-fts5-prefix",
            "peer_value": round(search_peer["p95"], 2),
            "ratio": round(search_ours["p95"] / search_peer["p95"], 2),
        },
        {"bench": "server", "metric": "search_100k_p50", "value": round(search_ours["p50"], 2), "unit": "ms"},
    ]
    return rows
