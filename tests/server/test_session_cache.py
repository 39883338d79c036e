"""The cache of checked sessions: a revoked session is refused at once, on every process."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from server.accounts.service import NewPatient
from server.accounts.sessions import CachedSession, SessionCache, revocation_message
from server.app import Runtime, start_runtime
from server.kernel.errors import AuthenticationError
from tests.conftest import POSTGRES_URL, REDIS_URL, base_settings, create_postgres_database, need
from tests.helpers.factories import PASSWORD, unique_email
from tests.helpers.live_server import run_in_thread


def _entry(user_id: str = "u1") -> CachedSession:
    now = datetime.now(UTC)
    return CachedSession(user_id, "patient", now, now, time.monotonic())


def test_a_read_that_raced_with_a_revocation_is_not_cached() -> None:
    cache = SessionCache()
    generation = cache.generation  # a request starts reading the session…
    cache.forget(digests=["d1"])  # …the session is revoked meanwhile…
    cache.put("d1", _entry(), generation)  # …and what it read is stale
    assert cache.get("d1") is None
    cache.put("d1", _entry(), cache.generation)
    assert cache.get("d1") is not None


def test_entries_age_out_and_revocations_by_user_or_broadcast_forget_them() -> None:
    cache = SessionCache(seconds=0.05)
    cache.put("d1", _entry("u1"), cache.generation)
    cache.put("d2", _entry("u2"), cache.generation)
    cache.put("d3", _entry("u2"), cache.generation)
    cache.forget(user_ids=["u2"])  # a password reset closes every session of its account
    assert cache.get("d2") is None and cache.get("d3") is None and cache.get("d1") is not None
    cache.on_bus_message(revocation_message(digests=["d1"]))
    assert cache.get("d1") is None
    cache.put("d4", _entry(), cache.generation)
    deadline = time.monotonic() + 5
    while cache.get("d4") is not None:  # trusted for `seconds`, then read again
        assert time.monotonic() < deadline
        time.sleep(0.01)


async def _refused(runtime: Runtime, token: str) -> str | None:
    try:
        await runtime.services.accounts.authenticate(token)
    except AuthenticationError as exc:
        return exc.code
    return None


async def _sign_out_on_a_seen_by_b(tmp: Path, database_url: str) -> tuple[str | None, str | None]:
    a = await start_runtime(base_settings(tmp / "a", database_url=database_url, redis_url=REDIS_URL))
    b = await start_runtime(
        base_settings(tmp / "b", database_url=database_url, redis_url=REDIS_URL), migrate=False
    )
    try:
        # B would trust its cache for an hour: only the broadcast can make it refuse in time.
        b.services.accounts.sessions = SessionCache(seconds=3600)
        user = await a.services.accounts.create_patient(
            NewPatient(first_name="Zoé", last_name="Bernard", password=PASSWORD, email=unique_email("cache"))
        )
        token = await a.services.accounts.open_session(user.id)
        for _ in range(100):  # both subscriptions live: B sees A's publications
            if a.bus.state == "ok" and b.bus.state == "ok":
                break
            await asyncio.sleep(0.05)
        assert await _refused(b, token) is None  # checked once on B, now cached there
        before = await _refused(b, token)
        await a.services.accounts.logout(await a.services.accounts.authenticate(token))
        on_a = await _refused(a, token)  # the process that signed out: at once, no wait
        deadline = time.monotonic() + 30
        on_b = await _refused(b, token)
        while on_b is None and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
            on_b = await _refused(b, token)
        assert before is None
        return on_a, on_b
    finally:
        await b.close()
        await a.close()


@pytest.mark.postgres
@pytest.mark.redis
def test_sign_out_on_one_process_is_refused_on_another_without_waiting_for_the_cache(
    tmp_path: Path,
) -> None:
    need(bool(POSTGRES_URL), "PostgreSQL absent : définir TELECONSULT_TEST_POSTGRES_URL")
    need(bool(REDIS_URL), "Redis absent : définir TELECONSULT_TEST_REDIS_URL")
    database_url = create_postgres_database(POSTGRES_URL)
    on_a, on_b = run_in_thread(_sign_out_on_a_seen_by_b(tmp_path, database_url))
    assert on_a == "session_revoked"
    assert on_b == "session_revoked"
