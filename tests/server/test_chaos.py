"""Chaos: server processes SIGKILLed under concurrent senders and resuming sockets; Redis killed and hung.

Every message a sender saw acknowledged must be stored and reach the other side exactly once
after its socket resumed: lost == 0 and duplicated == 0. Small in `make test` (a few kills, well
under a minute); `make soak` (TELECONSULT_SOAK=1) runs many more kills with more senders.
Each run prints sent / acknowledged / delivered / lost / duplicated.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from server.accounts.service import NewPatient, NewPractitioner
from server.app import start_runtime
from tests.conftest import POSTGRES_URL, base_settings, create_postgres_database, need
from tests.helpers.chaos import Receiver, Sender, Tally, settle, stop_receivers, stop_senders
from tests.helpers.factories import PASSWORD, rpps_number, unique_email
from tests.helpers.live_server import run_in_thread
from tests.helpers.redis_process import RedisProcess
from tests.helpers.server_process import ServerChild

SOAK = os.environ.get("TELECONSULT_SOAK", "") not in ("", "0")
SENDERS = 6 if SOAK else 3
SQLITE_KILLS = 20 if SOAK else 3
POSTGRES_ROUNDS = 5 if SOAK else 1  # a round: kill A, kill Redis, kill B, hang Redis
TIMEOUT = 1200 if SOAK else 300


async def _prepare(settings_dir: Path, database_url: str | None, count: int) -> list[tuple[str, str, str]]:
    """`count` (practitioner token, patient token, conversation id) through the domain services."""
    overrides = {"database_url": database_url} if database_url else {}
    runtime = await start_runtime(base_settings(settings_dir, **overrides), migrate=database_url is None)
    try:
        accounts = runtime.services.accounts
        found = []
        for i in range(count):
            doctor = await accounts.create_practitioner(
                NewPractitioner(
                    email=unique_email("chaos"),
                    password=PASSWORD,
                    first_name="Claire",
                    last_name="Martin",
                    profession="medecin_generaliste",
                    rpps=rpps_number(9000 + i),
                    plan="PRO+",
                )
            )
            patient = await accounts.create_patient(
                NewPatient(first_name="Zoé", last_name="Bernard", password=PASSWORD, email=unique_email("p"))
            )
            async with runtime.core.transaction() as tx:
                conv, _ = await runtime.services.conversations.ensure_conversation(tx, doctor.id, patient.id)
            found.append(
                (await accounts.open_session(doctor.id), await accounts.open_session(patient.id), conv.id)
            )
        return found
    finally:
        await runtime.close()


def _start_pairs(
    accounts: list[tuple[str, str, str]], urls: Callable[[], str]
) -> list[tuple[Sender, Receiver]]:
    senders_stop, receivers_stop = threading.Event(), threading.Event()
    pairs = []
    for doctor_token, patient_token, conversation_id in accounts:
        receiver = Receiver(urls, patient_token, receivers_stop).start()
        sender = Sender(urls, doctor_token, conversation_id, senders_stop, pause=0.02).start()
        pairs.append((sender, receiver))
    return pairs


def _report(capsys: pytest.CaptureFixture[str], scenario: str, tally: Tally) -> None:
    with capsys.disabled():
        print(f"\n{tally.line(scenario)}")


def _check(tally: Tally, kills: int) -> None:
    assert tally.acknowledged == tally.sent  # every sender got its last message through
    assert tally.acknowledged >= 10 * kills, tally  # the kills happened under real traffic
    assert tally.lost == 0, tally
    assert tally.duplicated == 0, tally


@pytest.mark.timeout(TIMEOUT)
def test_sqlite_server_killed_under_senders_and_resuming_sockets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    accounts = run_in_thread(_prepare(tmp_path, None, SENDERS))
    server = ServerChild(tmp_path, inherit_settings=False).start()
    rng = random.Random(11)
    pairs = _start_pairs(accounts, lambda: server.url)
    try:
        time.sleep(1.0)
        for _ in range(SQLITE_KILLS):
            time.sleep(rng.uniform(0.3, 1.2))
            server.kill()  # SIGKILL: mid-commit, mid-send, sockets cut
            time.sleep(rng.uniform(0.0, 0.5))
            server.start()
        time.sleep(1.0)
        stop_senders(pairs)
        tally = settle(pairs, timeout=60)
    finally:
        stop_receivers(pairs)
        server.stop()
    _report(capsys, "sqlite", tally)
    _check(tally, SQLITE_KILLS)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.timeout(TIMEOUT)
def test_two_postgres_processes_killed_with_redis_killed_and_hung(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    need(bool(POSTGRES_URL), "PostgreSQL absent : définir TELECONSULT_TEST_POSTGRES_URL")
    database_url = create_postgres_database(POSTGRES_URL)
    rng = random.Random(12)
    with RedisProcess(tmp_path) as redis:  # our own Redis: the shared one is never touched
        env = {"TELECONSULT_DATABASE_URL": database_url, "TELECONSULT_REDIS_URL": redis.url}
        a = ServerChild(tmp_path, env, inherit_settings=False).start()  # migrates first
        b = ServerChild(tmp_path, env, inherit_settings=False).start()
        accounts = run_in_thread(_prepare(tmp_path, database_url, SENDERS))
        pairs = _start_pairs(accounts, lambda: rng.choice((a, b)).url)
        kills = 0
        try:
            time.sleep(1.0)
            for _ in range(POSTGRES_ROUNDS):
                for server in (a, b):
                    time.sleep(rng.uniform(0.5, 1.2))
                    server.kill()
                    time.sleep(rng.uniform(0.1, 0.6))
                    server.start()
                    kills += 1
                    time.sleep(rng.uniform(0.5, 1.2))
                    if server is a:
                        redis.kill()  # connections drop at once; publications fail meanwhile
                        time.sleep(rng.uniform(0.5, 1.5))
                        redis.start()
                    else:
                        redis.hang()  # connections stay open, nothing answers
                        time.sleep(rng.uniform(1.0, 2.5))
                        redis.resume()
                    kills += 1
            time.sleep(2.0)  # the buses reconnect
            stop_senders(pairs)
            tally = settle(pairs, timeout=60)
        finally:
            stop_receivers(pairs)
            a.stop()
            b.stop()
    _report(capsys, "postgres+redis", tally)
    _check(tally, kills)
