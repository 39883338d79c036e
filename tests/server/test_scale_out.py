"""Two `teleconsult-server serve` processes on one PostgreSQL database and one Redis."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from server.accounts.service import NewPatient, NewPractitioner
from server.app import start_runtime
from tests.conftest import POSTGRES_URL, REDIS_URL, base_settings, create_postgres_database, need
from tests.helpers.factories import PASSWORD, rpps_number, unique_email
from tests.helpers.live_server import run_in_thread
from tests.helpers.server_process import ServerChild
from tests.helpers.ws import RealtimeClient


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    need(bool(POSTGRES_URL), "PostgreSQL absent : définir TELECONSULT_TEST_POSTGRES_URL")
    need(bool(REDIS_URL), "Redis absent : définir TELECONSULT_TEST_REDIS_URL")
    tmp = tmp_path_factory.mktemp("scale-out")
    env = {
        "TELECONSULT_DATABASE_URL": create_postgres_database(POSTGRES_URL),
        "TELECONSULT_REDIS_URL": REDIS_URL,
        "TELECONSULT_ENV_FILE": str(tmp / "none.env"),
    }
    args = ("--allow-practitioner-signup",)
    # A applies the migrations first (it is healthy before B starts); B then finds them done.
    with ServerChild(tmp, env, args=args) as a, ServerChild(tmp, env, args=args) as b:
        yield a.url, b.url, env["TELECONSULT_DATABASE_URL"]


async def _setup_pair(database_url: str, tmp: Path) -> tuple[str, str, str, str]:
    """Accounts and a conversation created through the domain services on the shared database."""
    settings = base_settings(tmp, database_url=database_url)
    runtime = await start_runtime(settings, migrate=False)
    try:
        accounts = runtime.services.accounts
        doctor = await accounts.create_practitioner(
            NewPractitioner(
                email=unique_email("scale"),
                password=PASSWORD,
                first_name="Claire",
                last_name="Martin",
                profession="medecin_generaliste",
                rpps=rpps_number(777),
            )
        )
        patient = await accounts.create_patient(
            NewPatient(first_name="Zoé", last_name="Bernard", password=PASSWORD, email=unique_email("zoe"))
        )
        async with runtime.core.transaction() as tx:
            conv, _ = await runtime.services.conversations.ensure_conversation(tx, doctor.id, patient.id)
        return (
            await accounts.open_session(doctor.id),
            await accounts.open_session(patient.id),
            conv.id,
            doctor.id,
        )
    finally:
        await runtime.close()


def test_message_posted_on_a_reaches_a_socket_held_by_b(
    two_processes: tuple[str, str, str], tmp_path: Path
) -> None:
    url_a, url_b, database_url = two_processes
    doctor_token, patient_token, conv, _ = run_in_thread(_setup_pair(database_url, tmp_path))
    ws_b = url_b.replace("http", "ws") + "/api/v1/ws"
    with (
        RealtimeClient(ws_b, doctor_token) as sock,
        httpx.Client(base_url=f"{url_a}/api/v1", timeout=30) as a,
    ):
        assert sock.ready["type"] == "ready"
        sock.events(1, event="conversation.created")  # resumed from the database
        for i in range(20):
            r = a.put(
                f"/conversations/{conv}/messages/{uuid.uuid4()}",
                json={"body": f"via A {i}"},
                headers={"Authorization": f"Bearer {patient_token}"},
            )
            assert r.status_code == 201, r.text
        got = sock.events(20, event="message.created", timeout=20)
        assert [e["data"]["message"]["body"] for e in got] == [f"via A {i}" for i in range(20)]
        assert sock.quiet(0.5) == []
