"""`GET /calls/ice-servers`: nothing configured → `[]`; TURN credentials in coturn's REST scheme."""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

import httpx

from server.calls.ice_servers import ice_servers, turn_credential
from tests.conftest import base_settings
from tests.helpers.clock import TestClock, paris
from tests.helpers.factories import make_patient
from tests.helpers.live_server import LiveServer

SECRET = "north-wind-7"


def test_nothing_configured_means_host_candidates_only(live_server: LiveServer, client: httpx.Client) -> None:
    patient = make_patient(live_server)
    r = client.get("/calls/ice-servers", headers=patient.headers)
    assert r.status_code == 200 and r.json() == []
    assert client.get("/calls/ice-servers").status_code == 401


def test_stun_and_turn_with_a_credential_coturn_can_verify(tmp_path: Path) -> None:
    settings = base_settings(
        tmp_path,
        stun_urls="stun:turn.cabinet.example:3478",
        turn_urls="turn:turn.cabinet.example:3478?transport=udp, turns:turn.cabinet.example:5349, http://x",
        turn_secret=SECRET,
        turn_ttl_seconds=7200,  # above the cap: one hour is handed out
    )
    clock = TestClock(paris(2026, 12, 2, 10, 0))
    with LiveServer(settings, clock) as server, httpx.Client(base_url=server.api) as client:
        patient = make_patient(server)
        before = clock().timestamp()
        servers = client.get("/calls/ice-servers", headers=patient.headers).json()
        after = clock().timestamp()
    stun, turn = servers
    assert stun == {"urls": ["stun:turn.cabinet.example:3478"]}
    assert turn["urls"] == ["turn:turn.cabinet.example:3478?transport=udp", "turns:turn.cabinet.example:5349"]
    expiry, user = turn["username"].split(":")
    assert user == patient.id
    assert int(before) + 3600 <= int(expiry) <= int(after) + 3600  # the server's clock, not the machine's
    expected = base64.b64encode(hmac.new(SECRET.encode(), turn["username"].encode(), hashlib.sha1).digest())
    assert turn["credential"] == expected.decode()
    assert SECRET not in str(servers)


def test_turn_without_secret_is_not_offered_and_ttl_is_bounded(tmp_path: Path) -> None:
    no_secret = base_settings(tmp_path, turn_urls="turn:t.example:3478")
    assert ice_servers(no_secret, "u1", 1000.0) == []
    short = base_settings(tmp_path, turn_urls="turn:t.example:3478", turn_secret="s", turn_ttl_seconds=5)
    (entry,) = ice_servers(short, "u1", 1000.0)
    assert entry["username"] == "1060:u1"  # at least a minute
    assert entry["credential"] == turn_credential("s", "1060:u1")
