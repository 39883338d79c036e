"""A Redis of our own, restarted and hung under two server processes on PostgreSQL; two
deployments sharing one Redis (issue 11, part 4: faults)."""

from __future__ import annotations

import asyncio
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.app import make_bus
from server.kernel.ports import EventBus
from server.settings import Settings
from tests.conftest import POSTGRES_URL, create_postgres_database, need
from tests.helpers.live_server import run_in_thread
from tests.helpers.redis_process import RedisProcess
from tests.helpers.server_process import ServerChild
from tests.helpers.ws import RealtimeClient
from tests.server.test_scale_out import _setup_pair


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisProcess]:
    need(shutil.which("redis-server") is not None, "redis-server absent : installer Redis")
    for attempt in range(3):  # a free port may be taken by another process before redis binds it
        server = RedisProcess(tmp_path)
        try:
            server.start()
            break
        except RuntimeError:
            server.kill()
            if attempt == 2:
                raise
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def two_on_own_redis(
    own_redis: RedisProcess, tmp_path: Path
) -> Iterator[tuple[ServerChild, ServerChild, str]]:
    need(bool(POSTGRES_URL), "PostgreSQL absent : définir TELECONSULT_TEST_POSTGRES_URL")
    env = {
        "TELECONSULT_DATABASE_URL": create_postgres_database(POSTGRES_URL),
        "TELECONSULT_REDIS_URL": own_redis.url,
    }
    with ServerChild(tmp_path, env) as a, ServerChild(tmp_path, env) as b:
        yield a, b, env["TELECONSULT_DATABASE_URL"]


def _post(client: httpx.Client, conv: str, token: str, body: str) -> float:
    started = time.monotonic()
    r = client.put(
        f"/conversations/{conv}/messages/{uuid.uuid4()}",
        json={"body": body},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 201, r.text
    return time.monotonic() - started


def _bodies(frames: list[dict[str, Any]]) -> list[str]:
    return [f["data"]["message"]["body"] for f in frames]


def test_a_redis_restart_costs_live_delivery_only_seconds(
    two_on_own_redis: tuple[ServerChild, ServerChild, str], own_redis: RedisProcess, tmp_path: Path
) -> None:
    a, b, database_url = two_on_own_redis
    doctor_token, patient_token, conv, _ = run_in_thread(_setup_pair(database_url, tmp_path))
    with RealtimeClient(b.ws_url, doctor_token) as sock, httpx.Client(base_url=a.api, timeout=30) as api:
        sock.events(1, event="conversation.created")
        _post(api, conv, patient_token, "avant")
        assert _bodies(sock.events(1, event="message.created", timeout=5)) == ["avant"]

        own_redis.kill()
        assert _post(api, conv, patient_token, "pendant la panne") < 2.0
        own_redis.start()  # same port, empty: every pooled connection is stale
        # A quiet conversation: nothing else is posted, yet the event arrives within seconds.
        assert _bodies(sock.events(1, event="message.created", timeout=8)) == ["pendant la panne"]
        # The first publication after the restart (stale connection) arrives too.
        _post(api, conv, patient_token, "après")
        assert _bodies(sock.events(1, event="message.created", timeout=8)) == ["après"]
        assert sock.quiet(1.0) == []  # each event once
        deadline = time.monotonic() + 10
        while httpx.get(f"{a.api}/health").json()["bus"] != "ok":
            assert time.monotonic() < deadline, "the bus stays degraded after Redis returned"
            time.sleep(0.2)


def test_a_hung_redis_blocks_no_write_and_health_says_degraded(
    two_on_own_redis: tuple[ServerChild, ServerChild, str], own_redis: RedisProcess, tmp_path: Path
) -> None:
    a, b, database_url = two_on_own_redis
    doctor_token, patient_token, conv, _ = run_in_thread(_setup_pair(database_url, tmp_path))
    with RealtimeClient(b.ws_url, doctor_token) as sock, httpx.Client(base_url=a.api, timeout=30) as api:
        sock.events(1, event="conversation.created")
        own_redis.hang()
        try:
            took = [_post(api, conv, patient_token, f"figé {i}") for i in range(5)]
            assert max(took) < 1.0, took  # was ~5 s each
            deadline = time.monotonic() + 10
            while True:
                r = httpx.get(f"{a.api}/health", timeout=5)
                assert r.status_code == 200
                if r.json()["bus"] == "degraded":
                    assert r.json()["status"] == "degraded"
                    break
                assert time.monotonic() < deadline, "a hung Redis is not reported"
                time.sleep(0.2)
            # B cannot hear A, but its sockets are fed from the database meanwhile.
            got = sock.events(5, event="message.created", timeout=15)
            assert _bodies(got) == [f"figé {i}" for i in range(5)]
        finally:
            own_redis.resume()
        _post(api, conv, patient_token, "reprise")
        assert _bodies(sock.events(1, event="message.created", timeout=8)) == ["reprise"]
        assert sock.quiet(1.0) == []
        deadline = time.monotonic() + 10
        while httpx.get(f"{a.api}/health").json()["bus"] != "ok":
            assert time.monotonic() < deadline, "the bus stays degraded after Redis resumed"
            time.sleep(0.2)


def test_the_namespace_defaults_to_the_database_and_may_be_set(tmp_path: Path) -> None:
    absent = tmp_path / "absent.env"
    one = Settings.load({"TELECONSULT_DATABASE_URL": "postgresql+asyncpg://u:secret@h/one"}, absent)
    two = Settings.load({"TELECONSULT_DATABASE_URL": "postgresql+asyncpg://u:secret@h/two"}, absent)
    assert one.effective_bus_namespace != two.effective_bus_namespace
    assert "secret" not in one.effective_bus_namespace
    named = Settings.load({"TELECONSULT_BUS_NAMESPACE": "cabinet-lyon"}, absent)
    assert named.effective_bus_namespace == "cabinet-lyon"


def test_two_deployments_on_one_redis_do_not_see_each_other(own_redis: RedisProcess, tmp_path: Path) -> None:
    def bus_of(database: str) -> EventBus:
        """The bus a server of that deployment builds (the product's own `make_bus`)."""
        environ = {
            "TELECONSULT_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
            "TELECONSULT_REDIS_URL": own_redis.url,
        }
        return make_bus(Settings.load(environ, tmp_path / "absent.env"))

    async def go() -> dict[str, list[Any]]:
        received: dict[str, list[Any]] = {"a1": [], "a2": [], "b": []}
        buses = {
            "a1": bus_of("/srv/a.db"),
            "a2": bus_of("/srv/a.db"),  # another process of deployment a
            "b": bus_of("/srv/b.db"),
        }
        for name, bus in buses.items():

            async def handler(message: dict[str, Any], name: str = name) -> None:
                received[name].append(message["frames"][0]["frame"]["n"])

            await bus.start(handler)
        try:
            await buses["a1"].publish({"frames": [{"user_id": "u", "frame": {"n": "from a"}}]})
            await buses["b"].publish({"frames": [{"user_id": "u", "frame": {"n": "from b"}}]})
            await asyncio.sleep(1.0)
        finally:
            for bus in buses.values():
                await bus.close()
        return received

    received = asyncio.run(go())
    assert received == {"a1": ["from a"], "a2": ["from a"], "b": ["from b"]}
