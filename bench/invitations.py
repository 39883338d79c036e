"""Invitation benchmarks: create-to-email-accepted-by-SMTP latency, and invitations created per second.

A real `teleconsult-server` process (SQLite, the single-machine default) sends through a local
aiosmtpd server run by this module; the latency is measured from just before `POST /invitations`
to the moment the SMTP server acknowledges the message (250 to DATA). The peer is a bare
aiosmtplib send of a similar message to the same SMTP server, measured in the same run: it is
the floor any SMTP delivery pays, so the ratio shows what the queue, the database and the API add.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import httpx
from aiosmtpd.controller import Controller

from bench._server import ServerProcess, free_port, percentile
from contracts.identifiers import luhn_check_digit
from server.accounts.service import NewPractitioner

LATENCY_SAMPLES = 40
THROUGHPUT_INVITATIONS = 240
CLIENTS = 8
PASSWORD = "correct-horse-42"


class _Recorder:
    """aiosmtpd handler noting when each recipient's message is acknowledged."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self._cond = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        now = time.perf_counter()
        with self._cond:
            for rcpt in envelope.rcpt_tos:
                self.arrived[rcpt.lower()] = now
            self._cond.notify_all()
        return "250 OK"

    def wait(self, addresses: set[str], timeout: float = 120) -> float:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not addresses <= self.arrived.keys():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(addresses - self.arrived.keys())} emails missing")
                self._cond.wait(left)
            return max(self.arrived[a] for a in addresses)


def _rpps(n: int) -> str:
    prefix = f"2{n:09d}"[-10:]
    return prefix + luhn_check_digit(prefix)


async def _practitioners(runtime: Any, count: int) -> list[str]:
    tokens = []
    for i in range(count):
        user = await runtime.services.accounts.create_practitioner(
            NewPractitioner(
                email=f"bench.{i}.{uuid.uuid4().hex[:6]}@example.fr",
                password=PASSWORD,
                first_name="Claire",
                last_name=f"Martin{i}",
                profession="medecin_generaliste",
                rpps=_rpps(9000 + i),
                plan="PRO+",
            )
        )
        tokens.append(await runtime.services.accounts.open_session(user.id))
    return tokens


def _invite(client: httpx.Client, token: str, email: str) -> None:
    r = client.post(
        "/invitations",
        json={"first_name": "Hélène", "last_name": "Dupont", "email": email},
        headers={"Authorization": f"Bearer {token}"},
    )
    if r.status_code != 201:
        raise RuntimeError(f"invitation refused: {r.status_code} {r.text}")


def _latency(server: ServerProcess, recorder: _Recorder, token: str) -> list[float]:
    samples = []
    with httpx.Client(base_url=f"{server.url}/api/v1", timeout=30) as client:
        for _ in range(LATENCY_SAMPLES):
            email = f"lat.{uuid.uuid4().hex[:12]}@example.fr"
            started = time.perf_counter()
            _invite(client, token, email)
            arrived = recorder.wait({email})
            samples.append((arrived - started) * 1000)
    return samples


def _throughput(server: ServerProcess, recorder: _Recorder, tokens: list[str]) -> tuple[float, float]:
    emails = [f"tp.{uuid.uuid4().hex[:12]}@example.fr" for _ in range(THROUGHPUT_INVITATIONS)]
    clients = [httpx.Client(base_url=f"{server.url}/api/v1", timeout=60) for _ in range(CLIENTS)]

    def work(index: int) -> None:
        for email in emails[index::CLIENTS]:
            _invite(clients[index], tokens[index], email)

    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(work, range(CLIENTS)))
        created = time.perf_counter()
        last = recorder.wait(set(emails))
    finally:
        for c in clients:
            c.close()
    return THROUGHPUT_INVITATIONS / (created - started), THROUGHPUT_INVITATIONS / (last - started)


async def _peer(port: int, recorder: _Recorder) -> list[float]:
    samples = []
    for _ in range(LATENCY_SAMPLES):
        email = f"peer.{uuid.uuid4().hex[:12]}@example.fr"
        message = EmailMessage()
        message["From"] = "Teleconsult <no-reply@teleconsult.invalid>"
        message["To"] = email
        message["Subject"] = "Dr Claire Martin vous invite à échanger sur Teleconsult"
        message.set_content("Bonjour Hélène Dupont,\n\nLien : http://127.0.0.1/i/" + "A" * 43)
        message.add_alternative("<p>Bonjour Hélène Dupont</p>", subtype="html")
        started = time.perf_counter()
        await aiosmtplib.send(message, hostname="127.0.0.1", port=port, start_tls=False, timeout=10)
        samples.append((recorder.arrived[email.lower()] - started) * 1000)
    return samples


def main() -> list[dict[str, object]]:
    recorder = _Recorder()
    smtp_port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=smtp_port, ready_timeout=10)
    controller.start()
    server = ServerProcess(
        env={
            "TELECONSULT_SMTP_HOST": "127.0.0.1",
            "TELECONSULT_SMTP_PORT": str(smtp_port),
            "TELECONSULT_SMTP_STARTTLS": "false",
            "TELECONSULT_INVITATIONS_PER_DAY": "100000",
            "TELECONSULT_DELIVERY_CONCURRENCY": "8",
            "TELECONSULT_LOG_LEVEL": "warning",
        }
    )
    try:
        tokens = server.prepare(lambda rt: _practitioners(rt, CLIENTS))
        server.start()
        try:
            _latency(server, recorder, tokens[0])  # warm-up: first connections, caches
            ours = _latency(server, recorder, tokens[0])
            created_rate, delivered_rate = _throughput(server, recorder, tokens)
        finally:
            server.stop()
        peer = asyncio.run(_peer(smtp_port, recorder))
    finally:
        controller.stop()
    p50, p95 = percentile(ours, 50), percentile(ours, 95)
    peer50, peer95 = percentile(peer, 50), percentile(peer, 95)
    return [
        {
            "bench": "invitations",
            "metric": "create_to_smtp_accepted_p50",
            "value": round(p50, 1),
            "unit": "ms",
            "peer": "aiosmtplib-direct",
            "peer_value": round(peer50, 1),
            "ratio": round(p50 / peer50, 1),
        },
        {
            "bench": "invitations",
            "metric": "create_to_smtp_accepted_p95",
            "value": round(p95, 1),
            "unit": "ms",
            "goal": 1000,
            "peer": "aiosmtplib-direct",
            "peer_value": round(peer95, 1),
            "ratio": round(p95 / peer95, 1),
        },
        {
            "bench": "invitations",
            "metric": "invitations_created_per_s",
            "value": round(created_rate, 1),
            "unit": "invitations/s",
            "goal": 50,
            "clients": CLIENTS,
        },
        {
            "bench": "invitations",
            "metric": "invitation_emails_delivered_per_s",
            "value": round(delivered_rate, 1),
            "unit": "emails/s",
        },
    ]
