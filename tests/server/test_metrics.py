"""GET /metrics: the Prometheus exposition, behind its bearer token, moving with what the server does.

A real server (SQLite and PostgreSQL) with a real SMTP server that refuses one recipient: requests
are counted by route template, an open socket shows up and goes away, a refused invitation email
is counted as a failed delivery; no label ever holds an id, an email or a name.
"""

from __future__ import annotations

import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from server.kernel.metrics import route_template
from tests.conftest import POSTGRES_URL, base_settings, create_postgres_database, need
from tests.helpers.factories import make_conversation, make_patient, make_practitioner, send
from tests.helpers.live_server import LiveServer
from tests.helpers.redis_process import RedisProcess
from tests.helpers.smtp_capture import SmtpCapture
from tests.helpers.ws import RealtimeClient

TOKEN = "metrics-" + "k3y" * 10
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)

Metrics = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, smtp: SmtpCapture
) -> Iterator[LiveServer]:
    database: dict[str, object] = {}
    if request.param == "postgres":
        need(bool(POSTGRES_URL), "PostgreSQL absent : définir TELECONSULT_TEST_POSTGRES_URL")
        database["database_url"] = create_postgres_database(POSTGRES_URL)
    settings = base_settings(
        tmp_path_factory.mktemp(f"metrics-{request.param}"),
        **database,
        metrics_token=TOKEN,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_starttls=False,
        smtp_timeout_seconds=5.0,
        delivery_poll_seconds=0.2,
        delivery_max_attempts=3,
    )
    with LiveServer(settings) as live:
        yield live


def scrape(server: LiveServer) -> tuple[Metrics, str]:
    answer = httpx.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples: Metrics = {}
    for line in answer.text.splitlines():
        if not line or line.startswith("#"):
            continue
        found = SAMPLE.match(line)
        assert found, f"not an exposition line: {line!r}"
        labels = frozenset(LABEL.findall(found.group(2) or ""))
        samples[(found.group(1), labels)] = float(found.group(3))
    return samples, answer.text


def value(samples: Metrics, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def wait_for(server: LiveServer, condition: Callable[[Metrics], bool], timeout: float = 20) -> Metrics:
    deadline = time.monotonic() + timeout
    while True:
        samples, _ = scrape(server)
        if condition(samples):
            return samples
        assert time.monotonic() < deadline, "the metrics never showed the expected value"
        time.sleep(0.05)


def test_metrics_need_the_token(server: LiveServer, sqlite_server: LiveServer) -> None:
    url = f"{server.url}/metrics"
    assert httpx.get(url, timeout=30).status_code == 401
    wrong = httpx.get(url, headers={"Authorization": "Bearer " + TOKEN[:-1] + "x"}, timeout=30)
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "unauthenticated"
    assert "métriques" in wrong.json()["detail"]
    assert httpx.get(url, headers={"Authorization": TOKEN}, timeout=30).status_code == 401
    # Not configured (the suite's shared server has no token): not there at all.
    assert httpx.get(f"{sqlite_server.url}/metrics", timeout=30).status_code == 404
    # Not part of the public API document.
    assert "/metrics" not in httpx.get(f"{server.api}/openapi.json", timeout=30).json()["paths"]


def test_a_request_is_counted_under_its_route_template(server: LiveServer) -> None:
    doctor = make_practitioner(server)
    route = "/api/v1/conversations/{conversation_id}/messages"
    before, _ = scrape(server)
    with httpx.Client(base_url=server.api, timeout=30) as client:
        missing = client.get(f"/conversations/{uuid.uuid4()}/messages", headers=doctor.headers)
        assert missing.status_code == 404
        assert client.get("/health").status_code == 200
    after, _ = scrape(server)
    counted = value(after, "teleconsult_http_requests_total", method="GET", route=route, status="4xx")
    assert (
        counted
        == value(before, "teleconsult_http_requests_total", method="GET", route=route, status="4xx") + 1
    )
    health = {"method": "GET", "route": "/api/v1/health"}
    assert value(after, "teleconsult_http_requests_total", **health, status="2xx") >= 1
    count = value(after, "teleconsult_http_request_duration_seconds_count", **health)
    assert count == value(after, "teleconsult_http_request_duration_seconds_bucket", **health, le="+Inf")
    assert value(after, "teleconsult_http_request_duration_seconds_sum", **health) > 0
    assert value(after, "teleconsult_bus_state", state="ok") == 1
    assert value(after, "teleconsult_storage_full") == 0
    assert ("teleconsult_message_writer_queue_depth", frozenset()) in after
    assert value(after, "teleconsult_info", bus="memory") == 1


def test_an_open_socket_shows_up_and_goes(server: LiveServer) -> None:
    doctor = make_practitioner(server)
    before, _ = scrape(server)
    opened = value(before, "teleconsult_websockets_open")
    with RealtimeClient(server.ws_url, doctor.token) as sock:
        assert sock.ready["type"] == "ready"
        wait_for(server, lambda m: value(m, "teleconsult_websockets_open") == opened + 1)
    wait_for(server, lambda m: value(m, "teleconsult_websockets_open") == opened)


def test_a_refused_email_counts_as_a_failed_delivery(server: LiveServer, smtp: SmtpCapture) -> None:
    doctor = make_practitioner(server)
    email = f"refuse.{uuid.uuid4().hex[:8]}@exemple-patient.fr"
    smtp.plan(email, "reject")  # 550: a permanent failure, no retry
    before, _ = scrape(server)
    failed = value(before, "teleconsult_delivery_jobs", channel="email", state="failed")
    with httpx.Client(base_url=server.api, timeout=30) as client:
        invited = client.post(
            "/invitations",
            json={"first_name": "Lou", "last_name": "Refus", "email": email},
            headers=doctor.headers,
        )
    assert invited.status_code == 201, invited.text
    after = wait_for(
        server, lambda m: value(m, "teleconsult_delivery_jobs", channel="email", state="failed") == failed + 1
    )
    assert value(after, "teleconsult_delivery_jobs", channel="sms", state="failed") == value(
        before, "teleconsult_delivery_jobs", channel="sms", state="failed"
    )


def test_no_label_holds_an_id_an_email_or_a_name(server: LiveServer) -> None:
    doctor = make_practitioner(server, first_name="Bérangère", last_name="Quintard-Wolff")
    patient = make_patient(server, first_name="Ysaline", last_name="Ombredane")
    conversation = make_conversation(server, doctor, patient)
    with httpx.Client(base_url=server.api, timeout=30) as client:
        assert send(client, patient, conversation, "Bonjour docteur").status_code == 201
        assert (
            client.get(f"/conversations/{conversation}/messages", headers=doctor.headers).status_code == 200
        )
        client.get(f"/conversations/{conversation}/nowhere/{patient.email}", headers=doctor.headers)
        client.get(f"/{doctor.last_name}/{patient.id}")
    samples, text = scrape(server)
    values = [label for _, labels in samples for _, label in labels]
    assert values
    for label in values:
        assert not UUID.search(label), label
        assert "@" not in label, label
        assert not re.search(r"\d{5,}", label), label
    for secret in (
        doctor.last_name,
        patient.last_name,
        conversation,
        patient.id,
        str(patient.email),
        "Bonjour",
    ):
        assert secret.casefold() not in text.casefold()
    assert (
        value(samples, "teleconsult_http_requests_total", method="GET", route="(aucune route)", status="4xx")
        >= 1
    )


def started_redis(folder: Path) -> RedisProcess:
    """A Redis of the test's own (a free port may be taken before redis binds it: three tries)."""
    for attempt in range(3):
        redis = RedisProcess(folder)
        try:
            return redis.start()
        except RuntimeError:
            redis.kill()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def test_the_bus_state_follows_redis(tmp_path: Path) -> None:
    need(shutil.which("redis-server") is not None, "redis-server absent : installer Redis")
    redis = started_redis(tmp_path)
    try:
        settings = base_settings(tmp_path / "server", redis_url=redis.url, metrics_token=TOKEN)
        with LiveServer(settings) as server:
            up = wait_for(server, lambda m: value(m, "teleconsult_bus_state", state="ok") == 1)
            assert value(up, "teleconsult_info", bus="redis") == 1
            redis.kill()
            down = wait_for(server, lambda m: value(m, "teleconsult_bus_state", state="degraded") == 1)
            assert value(down, "teleconsult_bus_state", state="ok") == 0
    finally:
        redis.kill()


def test_route_template_before_routing_is_not_the_path() -> None:
    assert route_template({"type": "http", "path": "/api/v1/conversations/123"}) == "(aucune route)"


def test_the_log_format_and_metrics_token_are_checked(tmp_path: Path) -> None:
    from server.settings import Settings, SettingsError

    with pytest.raises(SettingsError, match="TELECONSULT_LOG_FORMAT"):
        Settings.load(environ={"TELECONSULT_LOG_FORMAT": "xml"}, dotenv_path=tmp_path / "absent")
    with pytest.raises(SettingsError, match="TELECONSULT_METRICS_TOKEN : '\\*\\*\\*'"):
        Settings.load(environ={"TELECONSULT_METRICS_TOKEN": "court"}, dotenv_path=tmp_path / "absent")
    assert (
        Settings.load(environ={"TELECONSULT_LOG_FORMAT": "JSON"}, dotenv_path=tmp_path / "a").log_format
        == "json"
    )
