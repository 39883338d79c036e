"""Test-wide fixtures: live companion servers on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import importlib.util
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from server.settings import Settings
from tests.helpers.clock import TestClock
from tests.helpers.dates import DATES, DEFAULT_MACHINE_ZONE, MACHINE_ZONES, machine_zone, set_machine_zone
from tests.helpers.live_server import LiveServer, run_in_thread

pytest_plugins = ["tests.helpers.logfail", "pytester"]

# The whole suite runs in a machine time zone that is not France's (TELECONSULT_TEST_TZ to change
# it): what follows the machine's zone instead of Europe/Paris fails here, not at a user's.
set_machine_zone(os.environ.get("TELECONSULT_TEST_TZ", DEFAULT_MACHINE_ZONE))

IN_CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_URL = os.environ.get("TELECONSULT_TEST_POSTGRES_URL", "")
REDIS_URL = os.environ.get("TELECONSULT_TEST_REDIS_URL", "")


def pytest_addoption(parser: pytest.Parser) -> None:
    # `qt_api` in pyproject.toml is pytest-qt's; the server-only virtualenv has no pytest-qt (it would
    # import Qt): declare the key there so that pytest does not warn it is unknown.
    if importlib.util.find_spec("pytestqt") is None:
        parser.addini("qt_api", "pytest-qt's Qt binding (pytest-qt is not installed here)")


def need(condition: bool, reason: str) -> None:
    """Skip when a test's service is missing on a developer machine; fail in CI, where it must run."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} — CI=true: this test must run here, not skip")
    pytest.skip(reason)


def base_settings(tmp: Path, **overrides: object) -> Settings:
    """Settings for a test server: isolated data folder, nothing read from the environment."""
    return Settings.load(
        environ={}, dotenv_path=tmp / "absent.env", overrides={"data_dir": tmp, "port": 0, **overrides}
    )


def create_postgres_database(admin_url: str) -> str:
    """A fresh database on the PostgreSQL server of `admin_url`; returns its URL."""
    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(admin_url)
    name = f"teleconsult_test_{uuid.uuid4().hex[:12]}"

    async def create() -> None:
        conn = await asyncpg.connect(
            user=url.username, password=url.password, host=url.host, port=url.port, database=url.database
        )
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    run_in_thread(create())
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def live_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A real server per database backend, shared by the session (tests use unique accounts)."""
    tmp = tmp_path_factory.mktemp(f"server-{request.param}")
    overrides: dict[str, object] = {"allow_practitioner_signup": True}
    if request.param == "postgres":
        need(bool(POSTGRES_URL), "PostgreSQL absent : définir TELECONSULT_TEST_POSTGRES_URL")
        overrides["database_url"] = create_postgres_database(POSTGRES_URL)
    with LiveServer(base_settings(tmp, **overrides)) as server:
        yield server


@pytest.fixture(scope="session")
def sqlite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One real server on SQLite, for tests that do not need to run on both backends."""
    tmp = tmp_path_factory.mktemp("server-sqlite-only")
    with LiveServer(base_settings(tmp, allow_practitioner_signup=True)) as server:
        yield server


@pytest.fixture
def api(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.api, timeout=30) as client:
        yield client


@pytest.fixture(params=list(DATES), ids=list(DATES))
def product_clock(request: pytest.FixtureRequest) -> TestClock:
    """The product's clock on each of the dates that break date code (tests/helpers/dates.py)."""
    return TestClock(DATES[request.param])


@pytest.fixture(params=MACHINE_ZONES)
def machine_tz(request: pytest.FixtureRequest) -> Iterator[str]:
    """The machine's time zone set to each of several zones, none of them France's."""
    with machine_zone(request.param):
        yield request.param
