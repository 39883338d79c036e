"""The persisted delivery queue: one send per job across workers, backoff, and stop/restart mid-send."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from server.db.database import Database
from server.db.migrate import upgrade
from server.delivery.models import DeliveryJob
from server.delivery.ports import DeliveryError, OutgoingEmail, OutgoingSms
from server.delivery.queue import DeliveryQueue, Prepared
from server.events.bus import InProcessBus
from server.kernel.core import Core, Tx
from tests.conftest import POSTGRES_URL, base_settings, create_postgres_database, need
from tests.helpers.factories import make_practitioner
from tests.helpers.invitation_env import delivery_settings, invitation_status, invite, new_email, wait_until
from tests.helpers.live_server import LiveServer, unique_client
from tests.helpers.smtp_capture import SmtpCapture


class CountingMailer:
    """The Mailer port, counting what it is handed (a seam the product has)."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, email: OutgoingEmail) -> None:
        await asyncio.sleep(0.005)  # let the other worker run while this one "sends"
        self.sent.append(email.message_id)

    async def close(self) -> None:
        return None


class NoSms:
    async def send(self, sms: OutgoingSms) -> str:
        raise AssertionError("no SMS in this test")

    async def close(self) -> None:
        return None


class TestHandler:
    __test__ = False

    async def lock(self, tx: Tx, job: DeliveryJob) -> None:
        return None

    async def prepare(self, tx: Tx, job: DeliveryJob) -> Prepared | None:
        email = OutgoingEmail(to="a@example.fr", subject="s", text="t", html="<p>t</p>", message_id=job.id)
        return Prepared(email=email)

    async def delivered(self, tx: Tx, job: DeliveryJob) -> None:
        return None

    async def failed(self, tx: Tx, job: DeliveryJob, error: DeliveryError) -> None:
        raise AssertionError("nothing fails here")


async def _two_workers(url: str, tmp: Path) -> tuple[list[str], list[str]]:
    await upgrade(url)
    settings = base_settings(tmp, database_url=url, delivery_concurrency=6, delivery_poll_seconds=0.05)
    db = Database(url)
    core = Core(settings, db, InProcessBus())
    mailer = CountingMailer()
    queues = [DeliveryQueue(core, mailer, NoSms()) for _ in range(2)]
    for q in queues:
        q.register("test", TestHandler())
    try:
        async with core.transaction() as tx:
            ids = [await queues[0].enqueue(tx, "test", f"ref-{i}", "email") for i in range(60)]
        for q in queues:
            q.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            async with db.read() as session:
                left = await session.scalar(select(func.count()).where(DeliveryJob.status != "sent"))
            if not left:
                break
            await asyncio.sleep(0.1)
        for q in queues:
            await q.stop()
        async with core.transaction() as tx:  # one job still waiting: the purge keeps it
            await queues[0].enqueue(tx, "test", "waiting", "email")
        await queues[0].purge_finished(older_than=timedelta(0))
        async with db.read() as session:
            left = list((await session.execute(select(DeliveryJob.ref_id))).scalars())
        assert left == ["waiting"]
        return ids, mailer.sent
    finally:
        await core.close()
        await db.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_two_workers_on_one_database_send_each_job_exactly_once(tmp_path: Path, backend: str) -> None:
    if backend == "postgres":
        need(bool(POSTGRES_URL), "PostgreSQL absent : définir TELECONSULT_TEST_POSTGRES_URL")
        url = create_postgres_database(POSTGRES_URL)
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'queue.db'}"
    ids, sent = asyncio.run(_two_workers(url, tmp_path))
    assert sorted(sent) == sorted(ids)  # every job once, none twice


def test_backoff_doubles_from_the_base_and_is_capped(tmp_path: Path) -> None:
    settings = base_settings(tmp_path, delivery_retry_base_seconds=30.0, delivery_retry_max_seconds=3600.0)
    queue = DeliveryQueue(
        Core(settings, Database(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}"), InProcessBus()),
        CountingMailer(),
        NoSms(),
    )
    for attempts, base in [(1, 30), (2, 60), (3, 120), (5, 480), (20, 3600)]:
        delay = queue.backoff(attempts)
        assert base <= delay <= base * 1.1


@pytest.fixture(params=["sqlite", "postgres"])
def restart_settings(request: pytest.FixtureRequest, tmp_path: Path, smtp: SmtpCapture) -> Any:
    overrides: dict[str, Any] = {"smtp_timeout_seconds": 60.0, "delivery_lease_seconds": 60.0}
    if request.param == "postgres":
        need(bool(POSTGRES_URL), "PostgreSQL absent : définir TELECONSULT_TEST_POSTGRES_URL")
        overrides["database_url"] = create_postgres_database(POSTGRES_URL)
    return delivery_settings(tmp_path, smtp, None, **overrides)


def test_a_server_stopped_mid_send_hands_the_job_back_and_the_email_arrives_once(
    restart_settings: Any, smtp: SmtpCapture
) -> None:
    email = new_email("arret")
    smtp.plan(email, "stall")  # the first SMTP session never gets its answer to DATA
    smtp.stalled.clear()
    first = LiveServer(restart_settings).start()
    try:
        with unique_client(first) as c:
            doctor = make_practitioner(first)
            inv = invite(c, doctor, email=email).json()["invitation"]
        assert smtp.stalled.wait(20), "the send did not start"
    finally:
        first.stop()  # graceful: the worker is interrupted, its job handed back at once
    assert smtp.received(email) == []
    second = LiveServer(restart_settings.replace(port=first.port)).start()
    try:
        mail = smtp.wait(email, timeout=20)[0]  # long before the 60 s lease would have passed
        with httpx.Client(base_url=second.api, timeout=30) as c:
            assert c.post("/invitation-links/lookup", json={"token": mail.token}).json()["state"] == "valid"
            status = wait_until(lambda: (s := invitation_status(c, doctor, inv["id"]))["sent_at"] and s)
            assert status["status"] == "pending"
        # Recorded as sent: no worker holds the job any more, what arrived is final.
        assert len(smtp.received(email)) == 1
    finally:
        second.stop()


def test_cancelling_while_the_worker_claims_never_deadlocks(server: LiveServer) -> None:
    """Cancels racing the worker's claims: every cancel answers, no worker round fails.

    Both lock the practitioner, then the invitation, then the job (a claim that locked the job
    first deadlocked with a cancel on PostgreSQL; the error check of the suite fails the test on
    the worker's logged error).
    """
    doctor = make_practitioner(server)

    async def go() -> list[int]:
        async with httpx.AsyncClient(base_url=server.api, timeout=60) as client:
            bodies = [
                {"first_name": "Hélène", "last_name": f"Dupont{'e' * (i % 5)}", "email": new_email(f"c{i}")}
                for i in range(40)
            ]
            created = await asyncio.gather(
                *(client.post("/invitations", json=b, headers=doctor.headers) for b in bodies)
            )
            assert [r.status_code for r in created] == [201] * 40
            ids = [r.json()["invitation"]["id"] for r in created]
            cancelled = await asyncio.gather(
                *(client.post(f"/invitations/{i}/cancel", headers=doctor.headers) for i in ids)
            )
            return [r.status_code for r in cancelled]

    assert asyncio.run(go()) == [200] * 40
