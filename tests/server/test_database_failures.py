"""When the database refuses what no input check foresaw (issue 11, part 1), on SQLite and PostgreSQL.

A trigger refuses one row by its content (a unique secret), as the database would refuse a value
nobody thought of: one failing send never fails another user's send in the same group commit, the
sender alone gets a French error, and no log record carries the values, neither the statement's
parameters nor the database's own message (the trigger quotes the row, as PostgreSQL's DETAIL does).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import traceback
import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from server.container import Services
from server.conversations.service import MessageDraft
from server.db.database import migration_engine
from server.kernel.core import Actor
from server.kernel.errors import InternalError
from server.kernel.failures import failure, operation
from tests.helpers.factories import make_conversation, make_patient, make_practitioner, send
from tests.helpers.live_server import LiveServer
from tests.helpers.ws import RealtimeClient


@contextlib.contextmanager
def refusing(server: LiveServer, table: str, column: str, secret: str) -> Iterator[None]:
    """A trigger refusing any row of `table` whose `column` is `secret`, for the block's duration."""
    name = f"refuse_{uuid.uuid4().hex[:12]}"
    postgres = not server.services.core.db.sqlite
    if postgres:
        create = [
            f"CREATE FUNCTION {name}() RETURNS trigger AS $$ BEGIN "
            f"IF NEW.{column} = '{secret}' THEN RAISE EXCEPTION 'refusé : %', NEW.{column}; END IF; "
            "RETURN NEW; END $$ LANGUAGE plpgsql",
            f"CREATE TRIGGER {name} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()",
        ]
        drop = [f"DROP TRIGGER {name} ON {table}", f"DROP FUNCTION {name}()"]
    else:
        create = [
            f"CREATE TRIGGER {name} BEFORE INSERT ON {table} WHEN NEW.{column} = '{secret}' "
            "BEGIN SELECT RAISE(ABORT, 'refusé'); END"
        ]
        drop = [f"DROP TRIGGER {name}"]

    async def run(statements: list[str]) -> None:
        async with server.services.core.db.write() as session:
            for statement in statements:
                await session.execute(text(statement))

    server.run(run(create))
    try:
        yield
    finally:
        server.run(run(drop))


class Everything(logging.Handler):
    """Every record of every logger, formatted as a log file would show it (tracebacks included)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def holds(self, secret: str) -> list[str]:
        return [line for line in self.lines if secret in line]


@pytest.fixture
def logs() -> Iterator[Everything]:
    """What the server logs at its default level (INFO), uvicorn's loggers included."""
    handler = Everything()
    loggers = [logging.getLogger(), *(logging.getLogger(n) for n in ("uvicorn", "uvicorn.error"))]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)


@pytest.mark.expected_errors(r"message send failed: .*during INSERT INTO messages")
def test_a_failing_send_fails_alone_in_its_batch(
    api: httpx.Client, live_server: LiveServer, logs: Everything
) -> None:
    secret = f"secret-{uuid.uuid4().hex}"
    pairs = [(make_practitioner(live_server), make_patient(live_server)) for _ in range(3)]
    convs = [make_conversation(live_server, doctor, patient) for doctor, patient in pairs]
    bodies = ["Bonjour, premier patient", secret, "Bonjour, troisième patient"]

    async def three_sends_in_one_batch(services: Services) -> list[object]:
        sends = [
            services.conversations.send(
                Actor(patient.id, "patient"),
                MessageDraft(conversation_id=conv, message_id=str(uuid.uuid4()), body=body),
            )
            for (_, patient), conv, body in zip(pairs, convs, bodies, strict=True)
        ]
        return await asyncio.gather(*sends, return_exceptions=True)

    with refusing(live_server, "messages", "body", secret):
        first, failed, third = live_server.run(three_sends_in_one_batch)
    assert isinstance(failed, InternalError) and failed.code == "message_not_stored", failed
    assert failed.detail == "Le message n'a pas pu être enregistré. Réessayez dans un instant."
    for outcome, (doctor, _), conv, body in (
        (first, pairs[0], convs[0], bodies[0]),
        (third, pairs[2], convs[2], bodies[2]),
    ):
        assert not isinstance(outcome, BaseException), outcome
        items = api.get(f"/conversations/{conv}/messages", headers=doctor.headers).json()["items"]
        assert [m["body"] for m in items] == [body]
    assert api.get(f"/conversations/{convs[1]}", headers=pairs[1][0].headers).json()["last_seq"] == 0
    assert logs.holds(secret) == []
    # The three went into one transaction, then one by one (else this test proves nothing).
    assert any("message batch of 3 failed, written one by one" in line for line in logs.lines), logs.lines


@pytest.mark.expected_errors(r"message send failed: .*during INSERT INTO messages")
def test_a_refused_send_answers_its_sender_in_french_over_rest_and_the_socket(
    api: httpx.Client, live_server: LiveServer, logs: Everything
) -> None:
    secret = f"secret-{uuid.uuid4().hex}"
    doctor, patient = make_practitioner(live_server), make_patient(live_server)
    conv = make_conversation(live_server, doctor, patient)
    with refusing(live_server, "messages", "body", secret):
        r = send(api, patient, conv, secret)
        assert r.status_code == 500 and r.json()["code"] == "message_not_stored", r.text
        with RealtimeClient(live_server.ws_url, patient.token) as sock:
            mid = str(uuid.uuid4())
            sock.send({"type": "message.send", "id": mid, "conversation_id": conv, "body": secret})
            error = next(f for f in iter(lambda: sock.recv(timeout=10), None) if f["type"] == "error")
            assert error["id"] == mid and error["code"] == "message_not_stored", error
            sock.send({"type": "ping"})  # the socket lives on
            assert next(f for f in iter(lambda: sock.recv(timeout=10), None) if f["type"] == "pong")
    assert send(api, patient, conv, "Bonjour").status_code == 201
    assert logs.holds(secret) == []


@pytest.mark.expected_errors(r"unexpected error: .*during INSERT INTO connection_requests")
def test_an_unexpected_database_error_is_logged_without_its_values(
    api: httpx.Client, live_server: LiveServer, logs: Everything
) -> None:
    secret = f"secret-{uuid.uuid4().hex}"
    doctor, patient = make_practitioner(live_server), make_patient(live_server)
    with refusing(live_server, "connection_requests", "message", secret):
        r = api.post(
            "/connection-requests",
            json={"practitioner_id": doctor.id, "message": secret},
            headers=patient.headers,
        )
    assert logs.holds(secret) == []
    assert logs.holds(patient.id) == []  # another parameter of the statement
    assert r.status_code == 500, r.text
    assert r.json() == {
        "code": "internal_error",
        "detail": "Erreur interne du serveur. Réessayez dans un instant.",
    }
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["cache-control"] == "no-store"


def test_failure_names_types_operation_and_places_never_values() -> None:
    secret = "helene.dupont@example.fr"

    def insert() -> None:
        try:
            raise ValueError(f"DETAIL:  Key (email)=({secret}) already exists.")
        except ValueError as cause:
            raise IntegrityError(
                "INSERT INTO users (id, email) VALUES ($1, $2)", (1, secret), cause
            ) from cause

    with pytest.raises(IntegrityError) as caught:
        insert()
    assert secret in str(caught.value) and secret in "".join(traceback.format_exception(caught.value))
    said = failure(caught.value)
    assert secret not in said
    assert said.startswith("sqlalchemy.exc.IntegrityError ← ValueError during INSERT INTO users at ")
    assert "tests/server/test_database_failures.py:" in said and " insert" in said
    assert operation("  update conversations set x = 1") == "UPDATE conversations"
    assert operation('SELECT "users".id FROM users') == "SELECT"
    assert operation(None) is None


def test_every_engine_hides_the_parameters_of_its_errors(live_server: LiveServer) -> None:
    db = live_server.services.core.db
    engines = [db.engine.sync_engine, db._read_engine.sync_engine, migration_engine(db.url).sync_engine]
    if db._sync_reader is not None:
        engines.append(db._sync_reader)
    assert all(engine.hide_parameters for engine in engines)
    statement = "INSERT INTO users (email) VALUES (?)"
    error = IntegrityError(
        statement, ("helene.dupont@example.fr",), Exception("refusé"), hide_parameters=True
    )
    assert "helene.dupont@example.fr" not in str(error)  # what the flag changes in an error's text
