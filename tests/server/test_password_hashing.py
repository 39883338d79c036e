"""Argon2 runs in a hashing thread, outside any write transaction: the loop keeps serving meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.kernel import security
from tests.helpers.factories import PASSWORD, make_patient, make_practitioner, rpps_number, unique_email
from tests.helpers.live_server import LiveServer, unique_client

# Write transactions held by the task that asked for a hash (not by the server's other tasks: the
# delivery worker may be writing meanwhile, which is no concern of the request under test).
_writes_held: contextvars.ContextVar[int] = contextvars.ContextVar("writes_held", default=0)


@dataclass
class HashCall:
    kind: str
    on_loop_thread: bool
    writes_open: int
    health_status: int | None
    health_error: str | None = None


@dataclass
class Spy:
    """Wraps the hasher: each call records where it runs and asks /health while it hashes."""

    server: LiveServer
    calls: list[HashCall] = field(default_factory=list)

    def _observe(self, kind: str) -> None:
        try:
            asyncio.get_running_loop()
            on_loop = True
        except RuntimeError:
            on_loop = False
        status: int | None = None
        error: str | None = None
        try:  # the server's loop must answer while this hash is running
            status = httpx.get(f"{self.server.api}/health", timeout=5).status_code
        except httpx.HTTPError as exc:
            error = type(exc).__name__
        self.calls.append(HashCall(kind, on_loop, _writes_held.get(), status, error))


class ContextCarryingExecutor:
    """The hashing pool, running each job in the asking task's context (run_in_executor does not)."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def submit(self, fn: Any, /, *args: Any) -> Any:
        return self._real.submit(contextvars.copy_context().run, fn, *args)


class SpyHasher:
    def __init__(self, real: Any, spy: Spy) -> None:
        self._real = real
        self._spy = spy

    def hash(self, password: str) -> str:
        self._spy._observe("hash")
        return str(self._real.hash(password))

    def verify(self, password_hash: str, password: str) -> bool:
        self._spy._observe("verify")
        return bool(self._real.verify(password_hash, password))


@pytest.fixture
def spy(sqlite_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Spy]:
    spy = Spy(sqlite_server)
    monkeypatch.setattr(security, "_hasher", SpyHasher(security._hasher, spy))
    monkeypatch.setattr(security, "_executor", ContextCarryingExecutor(security._executor))
    db = sqlite_server.services.core.db
    real_write = db.write

    @contextlib.asynccontextmanager
    async def counted_write(**options: Any) -> AsyncIterator[Any]:
        _writes_held.set(_writes_held.get() + 1)
        try:
            async with real_write(**options) as session:
                yield session
        finally:
            _writes_held.set(_writes_held.get() - 1)

    monkeypatch.setattr(db, "write", counted_write)
    yield spy


def assert_off_loop_and_outside_writes(calls: list[HashCall], kinds: set[str]) -> None:
    assert {c.kind for c in calls} == kinds, calls
    for call in calls:
        assert not call.on_loop_thread, call
        assert call.health_status == 200, call  # the loop answered while argon2 ran
        assert call.writes_open == 0, call


def test_login_verifies_off_the_loop_and_outside_writes(sqlite_server: LiveServer, spy: Spy) -> None:
    doctor = make_practitioner(sqlite_server)
    spy.calls.clear()
    with unique_client(sqlite_server) as client:
        ok = client.post(
            "/auth/login", json={"role": "practitioner", "identifier": doctor.email, "password": PASSWORD}
        )
        assert ok.status_code == 200, ok.text
        wrong = client.post(
            "/auth/login", json={"role": "practitioner", "identifier": doctor.email, "password": "x" * 12}
        )
        assert wrong.status_code == 401, wrong.text
    assert len(spy.calls) == 2
    assert_off_loop_and_outside_writes(spy.calls, {"verify"})


def test_signups_hash_off_the_loop_before_the_transaction(sqlite_server: LiveServer, spy: Spy) -> None:
    with unique_client(sqlite_server) as client:
        patient = client.post(
            "/auth/patients",
            json={
                "first_name": "Hélène",
                "last_name": "Dupont",
                "email": unique_email("patient"),
                "password": PASSWORD,
            },
        )
        assert patient.status_code == 202, patient.text  # the code is sent: hashed at this step
        doctor = client.post(
            "/auth/practitioners",
            json={
                "email": unique_email("praticien"),
                "password": PASSWORD,
                "first_name": "Claire",
                "last_name": "Martin",
                "profession": "medecin_generaliste",
                "rpps": rpps_number(uuid.uuid4().int % 10_000_000),
            },
        )
        assert doctor.status_code == 201, doctor.text
    assert len(spy.calls) == 2
    assert_off_loop_and_outside_writes(spy.calls, {"hash"})


def test_password_reset_hashes_before_its_transaction(sqlite_server: LiveServer, spy: Spy) -> None:
    patient = make_patient(sqlite_server)
    assert patient.email is not None
    outbox = sqlite_server.settings.effective_outbox_dir
    with unique_client(sqlite_server) as client:
        started = client.post("/auth/password-reset", json={"identifier": patient.email})
        assert started.status_code == 202, started.text
        code = _code_sent_to(outbox, patient.email)
        spy.calls.clear()
        confirmed = client.post(
            f"/auth/password-reset/{started.json()['reset_id']}/confirm",
            json={"code": code, "password": "une-nouvelle-phrase-7"},
        )
        assert confirmed.status_code == 200, confirmed.text
    assert_off_loop_and_outside_writes(spy.calls, {"hash"})


def _code_sent_to(outbox: Path, email: str, timeout: float = 20) -> str:
    """The six-digit code of the email the delivery queue wrote for `email` into the outbox folder."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in outbox.glob("*.eml"):
            message = BytesParser(policy=default).parsebytes(path.read_bytes())
            if message["To"] == email:
                body = message.get_body(preferencelist=("plain",))
                assert body is not None
                found = re.search(r"\b(\d{6})\b", body.get_content())
                assert found is not None
                return found.group(1)
        time.sleep(0.05)
    raise AssertionError("no code was written to the outbox")
