"""Retention (issue 11, part 4: faults): persisted events past the resume window are purged and a
socket further behind is told to reload; the audit log is sealed into a hash chain, archived, and
`teleconsult-server audit-verify` names the first broken link."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import delete, func, select, update

from server.app import PURGES
from server.container import Services
from server.kernel.audit import AuditVerification, verify_audit
from server.kernel.core import SYSTEM
from server.kernel.housekeeping import Housekeeping
from server.kernel.models import AuditArchive, AuditEntry, UserEvent
from tests.conftest import POSTGRES_URL, base_settings, create_postgres_database, need
from tests.helpers.clock import TestClock, paris
from tests.helpers.factories import make_conversation, make_patient, make_practitioner, send, signed_in_again
from tests.helpers.live_server import LiveServer
from tests.helpers.ws import RealtimeClient


@pytest.fixture(params=["sqlite", "postgres"])
def clocked_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveServer]:
    """A server of its own on each backend, on a clock the test moves."""
    overrides: dict[str, object] = {}
    if request.param == "postgres":
        need(bool(POSTGRES_URL), "PostgreSQL absent : définir TELECONSULT_TEST_POSTGRES_URL")
        overrides["database_url"] = create_postgres_database(POSTGRES_URL)
    with LiveServer(base_settings(tmp_path, **overrides), clock=TestClock(paris(2026, 3, 2))) as server:
        yield server


def _housekeeping(server: LiveServer) -> list[int]:
    async def run(services: Services) -> list[int]:
        return await Housekeeping(services.core, PURGES).run_once()

    return server.run(run)


def _advance(server: LiveServer, delta: timedelta) -> None:
    clock = server.clock
    assert isinstance(clock, TestClock)
    clock.advance(delta)


def test_events_past_the_resume_window_are_purged_and_a_client_behind_reloads(
    clocked_server: LiveServer,
) -> None:
    server = clocked_server
    doctor = make_practitioner(server)
    patient = make_patient(server)
    conv = make_conversation(server, doctor, patient)
    with httpx.Client(base_url=server.api, timeout=30) as api:
        for i in range(3):
            assert send(api, patient, conv, f"ancien {i}").status_code == 201  # doctor's seq 2..4
        with RealtimeClient(server.ws_url, doctor.token, last_seq=1) as sock:
            assert sock.ready["reset"] is False
            assert [e["seq"] for e in sock.events(3)] == [2, 3, 4]

        _advance(server, timedelta(days=31))
        doctor, patient = signed_in_again(server, doctor), signed_in_again(server, patient)
        assert send(api, patient, conv, "récent").status_code == 201  # seq 5
        _housekeeping(server)

    async def kept(services: Services) -> list[int]:
        async with services.core.db.read() as session:
            rows = await session.scalars(select(UserEvent.seq).where(UserEvent.user_id == doctor.id))
            return sorted(rows)

    assert server.run(kept) == [5]
    # Further behind than what is kept: told to reload, numbering from the server's.
    with RealtimeClient(server.ws_url, doctor.token, last_seq=1) as sock:
        assert (sock.ready["reset"], sock.ready["seq"]) == (True, 5)
        assert sock.quiet(0.5) == []  # nothing replayed: the client reloads over REST
    # Just behind what is kept: resumes as before.
    with RealtimeClient(server.ws_url, doctor.token, last_seq=4) as sock:
        assert sock.ready["reset"] is False
        assert [e["seq"] for e in sock.events(1)] == [5]
    with RealtimeClient(server.ws_url, doctor.token, last_seq=5) as sock:
        assert sock.ready["reset"] is False


async def _audit(services: Services, count: int) -> None:
    for i in range(count):
        async with services.core.transaction() as tx:
            await tx.audit(SYSTEM, "test.read", "conversation", f"obj-{i}")


async def _verify(services: Services) -> AuditVerification:
    async with services.core.db.read() as session:
        return await verify_audit(session)


def _execute(server: LiveServer, *statements: object) -> None:
    async def run(services: Services) -> None:
        async with services.core.db.write() as session:
            for statement in statements:
                await session.execute(statement)  # type: ignore[call-overload]

    server.run(run)


def test_the_audit_log_is_chained_archived_and_a_broken_link_is_found(clocked_server: LiveServer) -> None:
    server = clocked_server
    server.run(lambda services: _audit(services, 6))
    _housekeeping(server)
    result = server.run(_verify)
    assert result.broken_at is None and result.pending == 0 and result.checked >= 6
    total = result.checked

    async def seq_of(services: Services, object_id: str) -> int:
        async with services.core.db.read() as session:
            value = await session.scalar(
                select(AuditEntry.chain_seq).where(AuditEntry.object_id == object_id)
            )
        assert value is not None
        return int(value)

    third = server.run(lambda s: seq_of(s, "obj-2"))

    # An entry changed: the link of the next one breaks.
    _execute(server, update(AuditEntry).where(AuditEntry.chain_seq == third).values(actor_role="patient"))
    assert server.run(_verify).broken_at == third + 1
    _execute(server, update(AuditEntry).where(AuditEntry.chain_seq == third).values(actor_role="system"))
    assert server.run(_verify).broken_at is None

    # The last entry changed: no next link, the chain's head catches it.
    last = server.run(lambda s: seq_of(s, "obj-5"))
    _execute(server, update(AuditEntry).where(AuditEntry.chain_seq == last).values(object_id="autre"))
    assert server.run(_verify).broken_at == last
    _execute(server, update(AuditEntry).where(AuditEntry.chain_seq == last).values(object_id="obj-5"))

    # A year on: the old entries move to the archive, the chain runs on across both tables.
    _advance(server, timedelta(days=366))
    server.run(lambda services: _audit(services, 2))
    _housekeeping(server)

    async def counts(services: Services) -> tuple[int, int]:
        async with services.core.db.read() as session:
            archived = await session.scalar(select(func.count()).select_from(AuditArchive))
            live = await session.scalar(select(func.count()).select_from(AuditEntry))
        return int(archived or 0), int(live or 0)

    archived, live = server.run(counts)
    assert archived == total and live >= 2
    result = server.run(_verify)
    assert result.broken_at is None and result.checked == archived + live

    # An archived entry removed: the gap is found.
    _execute(server, delete(AuditArchive).where(AuditArchive.chain_seq == third))
    result = server.run(_verify)
    assert result.broken_at == third + 1


def test_audit_verify_on_the_command_line(tmp_path: Path) -> None:
    database = tmp_path / "teleconsult.db"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TELECONSULT_")},
        "TELECONSULT_ENV_FILE": str(tmp_path / "absent.env"),
        "TELECONSULT_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
    }
    with LiveServer(base_settings(tmp_path, database_url=env["TELECONSULT_DATABASE_URL"])) as server:
        server.run(lambda services: _audit(services, 4))
        _housekeeping(server)

    def verify() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "server", "audit-verify"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    ok = verify()
    assert ok.returncode == 0, ok.stderr
    assert "Journal d'audit intègre" in ok.stdout
    import sqlite3

    with sqlite3.connect(database) as raw:
        raw.execute("UPDATE audit_log SET object_id = 'falsifié' WHERE chain_seq = 2")
    broken = verify()
    assert broken.returncode == 1
    assert "premier maillon rompu à l'entrée n° 3" in broken.stderr
