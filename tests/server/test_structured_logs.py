"""Request ids: taken from `X-Request-ID` (or generated), echoed, and carried by the JSON log lines
written while the request runs, with the route template, never the path."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from server.kernel.logs import JsonFormatter
from tests.helpers.documents import make_pdf, upload
from tests.helpers.factories import make_conversation, make_patient, make_practitioner
from tests.helpers.live_server import LiveServer
from tests.helpers.server_process import ServerChild


class JsonLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.setFormatter(JsonFormatter())
        self.records: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("server."):
            self.records.append(json.loads(self.format(record)))


@pytest.fixture
def json_log() -> Iterator[JsonLines]:
    handler = JsonLines()
    logger = logging.getLogger("server")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_the_request_id_is_echoed_or_made_up(sqlite_server: LiveServer) -> None:
    with httpx.Client(base_url=sqlite_server.api, timeout=30) as client:
        given = client.get("/health", headers={"X-Request-ID": "lb-7f3a.42"})
        assert given.headers["x-request-id"] == "lb-7f3a.42"
        made = client.get("/health").headers["x-request-id"]
        odd = client.get("/health", headers={"X-Request-ID": "Helene Dupont <x@y.fr>"}).headers[
            "x-request-id"
        ]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert (
        re.fullmatch(r"[0-9a-f]{32}", odd) and odd != made
    )  # a header that is not a plain token is replaced


def test_a_log_line_names_its_request_and_route(sqlite_server: LiveServer, json_log: JsonLines) -> None:
    doctor = make_practitioner(sqlite_server)
    patient = make_patient(sqlite_server)
    conversation = make_conversation(sqlite_server, doctor, patient)
    with httpx.Client(
        base_url=sqlite_server.api, timeout=30, headers={"X-Request-ID": "essai-journal-1"}
    ) as client:
        stored = upload(client, patient, conversation, make_pdf(), filename="compte-rendu-Dupont.pdf")
    assert stored.status_code == 201, stored.text
    mine = [r for r in json_log.records if r["request_id"] == "essai-journal-1"]
    assert mine, json_log.records
    assert mine[0]["route"] == "/api/v1/conversations/{conversation_id}/attachments/{attachment_id}"
    assert mine[0]["level"] == "INFO" and str(mine[0]["logger"]).startswith("server.attachments")
    assert str(mine[0]["time"]).endswith("+00:00")
    text = json.dumps(json_log.records)
    assert "Dupont" not in text and "compte-rendu" not in text


def test_an_exception_is_written_without_its_text() -> None:
    try:
        raise ValueError("Hélène Dupont, NIR 2 95 10 99 126 111 93")
    except ValueError:
        record = logging.LogRecord(
            "server.x", logging.ERROR, __file__, 1, "failed %s", ("job 7",), sys.exc_info()
        )
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "failed job 7"
    assert line["error"].startswith("ValueError at tests/server/test_structured_logs.py")
    assert "Dupont" not in json.dumps(line)
    assert line["request_id"] is None and line["route"] is None


def test_serve_writes_only_json_lines(tmp_path: Path) -> None:
    """`teleconsult-server serve` with TELECONSULT_LOG_FORMAT=json: uvicorn's own lines too."""
    child = ServerChild(tmp_path, {"TELECONSULT_LOG_FORMAT": "json"}, inherit_settings=False)
    with child:
        answer = httpx.get(f"{child.api}/health", headers={"X-Request-ID": "sonde-1"}, timeout=30)
        assert answer.headers["x-request-id"] == "sonde-1"
    lines = child.log_path.read_text().splitlines()
    records = [json.loads(line) for line in lines]  # nothing else on standard error
    assert {"uvicorn.error", "teleconsult.server"} <= {r["logger"] for r in records}
    assert any(r["message"] == "Application startup complete." for r in records)
