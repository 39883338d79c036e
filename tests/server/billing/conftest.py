"""Fixtures of the billing tests: a local Stripe (pytest-httpserver) and live servers on SQLite and
PostgreSQL that take payments through it."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.conftest import POSTGRES_URL, base_settings, create_postgres_database, need
from tests.helpers.billing import (
    API_KEY,
    WEBHOOK_SECRET,
    StripeFake,
    stripe_fake,
)
from tests.helpers.factories import Account, make_conversation, make_patient, make_practitioner
from tests.helpers.live_server import LiveServer


@pytest.fixture(scope="package")
def stripe() -> Iterator[StripeFake]:
    yield from stripe_fake()


@pytest.fixture(scope="package", params=["sqlite", "postgres"])
def stripe_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, stripe: StripeFake
) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp(f"stripe-{request.param}")
    overrides: dict[str, object] = {
        "payment_provider": "stripe",
        "stripe_api_key": API_KEY,
        "stripe_webhook_secret": WEBHOOK_SECRET,
        "stripe_base_url": stripe.url,
        "stripe_timeout_seconds": 5.0,
    }
    if request.param == "postgres":
        need(bool(POSTGRES_URL), "PostgreSQL absent : définir TELECONSULT_TEST_POSTGRES_URL")
        # In a thread: once a browser test ran, Playwright keeps an event loop running in this one.
        with ThreadPoolExecutor(max_workers=1) as pool:
            overrides["database_url"] = pool.submit(create_postgres_database, POSTGRES_URL).result()
    with LiveServer(base_settings(tmp, **overrides)) as server:
        yield server


@pytest.fixture
def client(stripe_server: LiveServer, stripe: StripeFake) -> Iterator[httpx.Client]:
    stripe.reset()
    with httpx.Client(base_url=stripe_server.api, timeout=30) as c:
        yield c


@pytest.fixture
def trio(stripe_server: LiveServer) -> tuple[Account, Account, str]:
    doctor = make_practitioner(stripe_server, first_name="Claire", last_name="Martin")
    patient = make_patient(stripe_server, first_name="Hélène", last_name="Dupont")
    return doctor, patient, make_conversation(stripe_server, doctor, patient)
