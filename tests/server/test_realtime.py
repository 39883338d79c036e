"""The realtime socket: auth in the first frame, resume by sequence number, sends, heartbeat."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.conftest import base_settings
from tests.helpers.factories import make_conversation, make_patient, make_practitioner, send
from tests.helpers.live_server import LiveServer
from tests.helpers.ws import RealtimeClient


def test_first_frame_must_be_auth(live_server: LiveServer) -> None:
    with connect(live_server.ws_url) as ws:
        ws.send(json.dumps({"type": "ping"}))
        frame = json.loads(ws.recv(timeout=5))
        assert frame["code"] == "auth_required" and "Authentification" in frame["detail"]
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400


def test_forged_token_closes_with_4401(live_server: LiveServer) -> None:
    with connect(live_server.ws_url) as ws:
        ws.send(json.dumps({"type": "auth", "token": "forged", "last_seq": 0}))
        assert json.loads(ws.recv(timeout=5))["code"] == "invalid_token"
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


def test_token_is_not_accepted_in_the_url(live_server: LiveServer) -> None:
    doctor = make_practitioner(live_server)
    with connect(f"{live_server.ws_url}?token={doctor.token}") as ws:
        ws.send(json.dumps({"type": "ping"}))
        assert json.loads(ws.recv(timeout=5))["code"] == "auth_required"


def test_resume_delivers_every_missed_event_once_in_order(api: httpx.Client, live_server: LiveServer) -> None:
    doctor, patient = make_practitioner(live_server), make_patient(live_server)
    conv = make_conversation(live_server, doctor, patient)
    with RealtimeClient(live_server.ws_url, doctor.token) as sock:
        created = sock.events(1, event="conversation.created")
        last_seq = created[-1]["seq"]
    bodies = [f"message {i}" for i in range(100)]
    for body in bodies:
        assert send(api, patient, conv, body).status_code == 201
    with RealtimeClient(live_server.ws_url, doctor.token, last_seq=last_seq) as sock:
        assert sock.ready["type"] == "ready"
        events = sock.events(100)
        assert [e["data"]["message"]["body"] for e in events] == bodies
        seqs = [e["seq"] for e in events]
        assert seqs == list(range(last_seq + 1, last_seq + 101))
        assert sock.quiet(0.5) == []  # nothing twice
        # Live delivery continues after the catch-up, numbered after it.
        send(api, patient, conv, "encore un")
        live = sock.events(1)
        assert live[0]["seq"] == seqs[-1] + 1 and live[0]["data"]["message"]["body"] == "encore un"


def test_send_over_socket_is_acknowledged_and_idempotent(api: httpx.Client, live_server: LiveServer) -> None:
    doctor, patient = make_practitioner(live_server), make_patient(live_server)
    conv = make_conversation(live_server, doctor, patient)
    with (
        RealtimeClient(live_server.ws_url, patient.token) as psock,
        RealtimeClient(live_server.ws_url, doctor.token) as dsock,
    ):
        mid = str(uuid.uuid4())
        for _ in range(2):
            psock.send({"type": "message.send", "id": mid, "conversation_id": conv, "body": "Bonjour !"})
        acks = []
        while len(acks) < 2:
            frame = psock.recv()
            if frame["type"] == "ack":
                acks.append(frame)
        assert acks[0]["seq"] == acks[1]["seq"] == 1
        got = dsock.events(1, event="message.created")
        assert got[0]["data"]["message"]["body"] == "Bonjour !"
        assert dsock.quiet(0.5) == []
    items = api.get(f"/conversations/{conv}/messages", headers=doctor.headers).json()["items"]
    assert len(items) == 1


def test_socket_errors_are_french_and_keep_the_socket_open(live_server: LiveServer) -> None:
    doctor = make_practitioner(live_server)
    with RealtimeClient(live_server.ws_url, doctor.token) as sock:
        sock.conn.send("pas du json")
        assert sock.recv()["code"] == "invalid_json"
        sock.send(
            {
                "type": "message.send",
                "id": str(uuid.uuid4()),
                "conversation_id": str(uuid.uuid4()),
                "body": "x",
            }
        )
        error = sock.recv()
        assert error["type"] == "error" and error["detail"] == "Conversation introuvable."
        sock.send({"type": "bonjour"})
        assert sock.recv()["code"] == "unknown_type"
        sock.send({"type": "ping"})
        assert sock.recv()["type"] == "pong"


def test_read_and_setting_changes_reach_the_other_side(api: httpx.Client, live_server: LiveServer) -> None:
    doctor, patient = make_practitioner(live_server), make_patient(live_server)
    conv = make_conversation(live_server, doctor, patient)
    with RealtimeClient(live_server.ws_url, patient.token) as sock:
        sock.events(1, event="conversation.created")
        send(api, patient, conv, "Bonjour")
        api.post(f"/conversations/{conv}/read", json={"seq": 1}, headers=doctor.headers)
        read = sock.events(1, event="conversation.read")[0]["data"]
        assert read == {"conversation_id": conv, "reader_role": "practitioner", "read_seq": 1, "unread": 0}
        api.patch(f"/conversations/{conv}", json={"patient_write": {"mode": "never"}}, headers=doctor.headers)
        updated = sock.events(1, event="conversation.updated")[0]["data"]
        assert updated["patient_can_write"] is False


def test_rest_catch_up_matches_the_socket(api: httpx.Client, live_server: LiveServer) -> None:
    doctor, patient = make_practitioner(live_server), make_patient(live_server)
    conv = make_conversation(live_server, doctor, patient)
    send(api, patient, conv, "un")
    send(api, patient, conv, "deux")
    items = api.get("/events", params={"after": 0}, headers=doctor.headers).json()["items"]
    assert [i["event"] for i in items] == ["conversation.created", "message.created", "message.created"]
    assert [i["seq"] for i in items] == [1, 2, 3]


@pytest.fixture(scope="module")
def fast_heartbeat_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp: Path = tmp_path_factory.mktemp("heartbeat")
    with LiveServer(base_settings(tmp, ws_heartbeat_seconds=0.2, ws_dead_after_seconds=1.0)) as server:
        yield server


def test_heartbeat_pings_and_a_silent_socket_is_closed(fast_heartbeat_server: LiveServer) -> None:
    doctor = make_practitioner(fast_heartbeat_server)
    with RealtimeClient(fast_heartbeat_server.ws_url, doctor.token) as sock:
        assert sock.recv(timeout=5)["type"] == "ping"
        started = time.monotonic()
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                sock.recv(timeout=10)  # never answering
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4408
        assert time.monotonic() - started < 5


def test_an_answering_socket_stays_open(fast_heartbeat_server: LiveServer) -> None:
    doctor = make_practitioner(fast_heartbeat_server)
    with RealtimeClient(fast_heartbeat_server.ws_url, doctor.token) as sock:
        deadline = time.monotonic() + 2.5
        while time.monotonic() < deadline:
            frame = sock.recv(timeout=5)
            if frame["type"] == "ping":
                sock.send({"type": "pong"})
        sock.send({"type": "ping"})
        assert any(f["type"] == "pong" for f in [sock.recv(), sock.recv()])
