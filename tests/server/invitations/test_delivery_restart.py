"""A `teleconsult-server` process killed (SIGKILL) in the middle of sending an invitation email:
after a restart the email still arrives, exactly once, and its link works."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update

from server.accounts.models import PractitionerProfile, User
from server.db.database import Database
from tests.conftest import POSTGRES_URL, create_postgres_database, need
from tests.helpers.factories import PASSWORD, rpps_number, unique_email
from tests.helpers.invitation_env import wait_until
from tests.helpers.server_process import ServerChild
from tests.helpers.smtp_capture import SmtpCapture

LEASE_SECONDS = 3


def make_plus(database_url: str, email: str) -> None:
    async def upgrade_plan() -> None:
        db = Database(database_url)
        try:
            async with db.write() as session:
                user_id = await session.scalar(select(User.id).where(User.email == email))
                assert user_id is not None
                await session.execute(
                    update(PractitionerProfile)
                    .where(PractitionerProfile.user_id == user_id)
                    .values(plan="PRO+")
                )
        finally:
            await db.dispose()

    asyncio.run(upgrade_plan())


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    if request.param == "postgres":
        need(bool(POSTGRES_URL), "PostgreSQL absent : définir TELECONSULT_TEST_POSTGRES_URL")
        yield tmp_path, create_postgres_database(POSTGRES_URL)
    else:
        yield tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'teleconsult.db'}"


def test_killed_mid_send_then_restarted_the_email_arrives_exactly_once(backend: tuple[Path, str]) -> None:
    tmp, database_url = backend
    smtp = SmtpCapture().start()
    env = {
        "TELECONSULT_ENV_FILE": str(tmp / "none.env"),
        "TELECONSULT_DATABASE_URL": database_url,
        "TELECONSULT_ALLOW_PRACTITIONER_SIGNUP": "true",
        "TELECONSULT_SMTP_HOST": "127.0.0.1",
        "TELECONSULT_SMTP_PORT": str(smtp.port),
        "TELECONSULT_SMTP_STARTTLS": "false",
        "TELECONSULT_SMTP_TIMEOUT_SECONDS": "120",
        "TELECONSULT_DELIVERY_LEASE_SECONDS": str(LEASE_SECONDS),
        "TELECONSULT_DELIVERY_POLL_SECONDS": "0.2",
        "TELECONSULT_LOG_LEVEL": "warning",
    }
    patient_email = unique_email("tue")
    smtp.plan(patient_email, "stall")
    server = ServerChild(tmp, env)
    try:
        server.start()
        api = httpx.Client(base_url=server.api, timeout=30)
        doctor_email = unique_email("praticien")
        signup = api.post(
            "/auth/practitioners",
            json={
                "email": doctor_email,
                "password": PASSWORD,
                "first_name": "Claire",
                "last_name": "Martin",
                "profession": "medecin_generaliste",
                "rpps": rpps_number(4242),
            },
        )
        assert signup.status_code == 201, signup.text
        make_plus(database_url, doctor_email)
        headers = {"Authorization": f"Bearer {signup.json()['token']}"}
        created = api.post(
            "/invitations",
            json={"first_name": "Hélène", "last_name": "Dupont", "email": patient_email},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        invitation_id = created.json()["invitation"]["id"]
        assert smtp.stalled.wait(20), "the send did not start"
        server.kill()  # SIGKILL: no cleanup, no lease handed back
        assert smtp.received(patient_email) == []
        server.start()
        mail = smtp.wait(patient_email, timeout=LEASE_SECONDS + 20)[0]
        # Once the job is recorded as sent, no worker holds it any more: what arrived is final.
        status = wait_until(
            lambda: (r := api.get(f"/invitations/{invitation_id}", headers=headers).json())["sent_at"] and r
        )
        assert status["status"] == "pending"
        assert len(smtp.received(patient_email)) == 1
        assert httpx.get(mail.link, timeout=30).status_code == 200
    finally:
        server.kill()
        smtp.stop()
