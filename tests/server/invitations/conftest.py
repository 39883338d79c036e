"""Fixtures of the invitation tests: a real SMTP server, the OVH API stand-in, and live servers on
SQLite and PostgreSQL that deliver through them."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import POSTGRES_URL, create_postgres_database, need
from tests.helpers.invitation_env import INBOXES, delivery_settings
from tests.helpers.live_server import LiveServer, unique_client
from tests.helpers.ovh_fake import OvhFake
from tests.helpers.smtp_capture import SmtpCapture


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpCapture]:
    capture = SmtpCapture().start()
    INBOXES["smtp"] = capture  # where sign_up() reads its code
    yield capture
    capture.stop()


@pytest.fixture(scope="session")
def ovh() -> Iterator[OvhFake]:
    fake = OvhFake().start()
    INBOXES["ovh"] = fake
    yield fake
    fake.stop()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, smtp: SmtpCapture, ovh: OvhFake
) -> Iterator[LiveServer]:
    """A live server per database backend, delivering by SMTP and OVH (fast retries)."""
    tmp = tmp_path_factory.mktemp(f"invitations-{request.param}")
    overrides: dict[str, object] = {}
    if request.param == "postgres":
        need(bool(POSTGRES_URL), "PostgreSQL absent : définir TELECONSULT_TEST_POSTGRES_URL")
        overrides["database_url"] = create_postgres_database(POSTGRES_URL)
    with LiveServer(delivery_settings(tmp, smtp, ovh, **overrides)) as live:
        yield live


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    """An API client with a loopback address of its own (per-address limits stay per test)."""
    with unique_client(server) as c:
        yield c
