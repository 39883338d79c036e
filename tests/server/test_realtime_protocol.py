"""The socket's protocol edges: frames it cannot read are answered, and sockets are capped."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.conftest import base_settings
from tests.helpers.factories import make_practitioner
from tests.helpers.live_server import LiveServer
from tests.helpers.ws import RealtimeClient


def _errors_then_pong(sock: RealtimeClient) -> list[dict[str, object]]:
    """The error frames answered before the pong of a ping sent after them (the socket is alive)."""
    sock.send({"type": "ping"})
    errors = []
    while (frame := sock.recv(timeout=5))["type"] != "pong":
        if frame["type"] == "error":
            errors.append(frame)
    return errors


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"\x00\x01binary", "binary_frame"),
        (b"", "binary_frame"),
        ("pas du json", "invalid_json"),
        ("[1, 2]", "invalid_json"),
        ('"texte"', "invalid_json"),
        ("null", "invalid_json"),
        ("[" * 30_000 + "]" * 30_000, "invalid_json"),  # too deep for Python's parser
        ('{"a":' * 10_000 + "1" + "}" * 10_000, "invalid_json"),
        (json.dumps({"type": "bonjour"}), "unknown_type"),
        (json.dumps({"type": ["message.send"]}), "unknown_type"),
        (json.dumps({"type": "ping", "pad": "x" * 70_000}), "frame_too_large"),
    ],
)
def test_unreadable_frames_get_a_french_error_and_the_socket_stays_open(
    live_server: LiveServer, raw: str | bytes, code: str
) -> None:
    doctor = make_practitioner(live_server)
    with RealtimeClient(live_server.ws_url, doctor.token) as sock:
        sock.conn.send(raw)
        errors = _errors_then_pong(sock)
        assert [e["code"] for e in errors] == [code]
        assert isinstance(errors[0]["detail"], str) and errors[0]["detail"].endswith(".")


def test_a_binary_first_frame_closes_with_4400(live_server: LiveServer) -> None:
    with connect(live_server.ws_url) as ws:
        ws.send(b'{"type": "auth"}')
        assert json.loads(ws.recv(timeout=5))["code"] == "auth_required"
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400


def test_a_lone_surrogate_sent_back_does_not_break_the_socket(live_server: LiveServer) -> None:
    doctor = make_practitioner(live_server)
    with RealtimeClient(live_server.ws_url, doctor.token) as sock:
        # A lone surrogate, escaped in JSON: valid JSON, but not writable back as UTF-8 text.
        sock.conn.send('{"type": "message.send", "id": "\\ud800", "conversation_id": "x", "body": "b"}')
        errors = _errors_then_pong(sock)
        assert [e["code"] for e in errors] == ["invalid_input"] and errors[0]["id"] == "\ud800"
        sock.conn.send('{"type": "call.start", "ref": "\\udfff", "conversation_id": "x"}')
        errors = _errors_then_pong(sock)
        assert len(errors) == 1 and errors[0]["ref"] == "\udfff"


@pytest.fixture(scope="module")
def capped_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp: Path = tmp_path_factory.mktemp("capped")
    with LiveServer(base_settings(tmp, ws_max_per_user=3, ws_max_per_ip=5)) as server:
        yield server


def _closed_code(ws: ClientConnection) -> tuple[int, str, dict[str, object]]:
    frame = json.loads(ws.recv(timeout=5))
    with pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=5)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason, frame


def test_sockets_over_the_per_user_cap_are_closed_with_4429(capped_server: LiveServer) -> None:
    doctor = make_practitioner(capped_server)
    socks = [RealtimeClient(capped_server.ws_url, doctor.token) for _ in range(3)]
    try:
        assert all(s.ready["type"] == "ready" for s in socks)
        with connect(capped_server.ws_url) as extra:
            extra.send(json.dumps({"type": "auth", "token": doctor.token, "last_seq": 0}))
            code, reason, frame = _closed_code(extra)
        assert code == 4429 and reason.startswith("Trop de connexions ouvertes pour ce compte")
        assert frame["code"] == "too_many_sockets"
        # The others stay open, and another user is not counted with this one.
        assert _errors_then_pong(socks[0]) == []
        other = make_practitioner(capped_server)
        with RealtimeClient(capped_server.ws_url, other.token) as sock:
            assert sock.ready["type"] == "ready"
        # A closed socket frees its place.
        socks.pop().close()
        with RealtimeClient(capped_server.ws_url, doctor.token) as again:
            assert again.ready["type"] == "ready"
    finally:
        for sock in socks:
            sock.close()


def test_sockets_over_the_per_address_cap_are_closed_with_4429(capped_server: LiveServer) -> None:
    # Sockets count from their opening, signed in or not: five silent ones fill the address's place.
    with contextlib.ExitStack() as stack:
        for _ in range(5):
            stack.enter_context(connect(capped_server.ws_url))
        with connect(capped_server.ws_url) as extra:
            code, reason, frame = _closed_code(extra)
        assert code == 4429 and reason == "Trop de connexions ouvertes depuis cette adresse."
        assert frame["code"] == "too_many_sockets"
    doctor = make_practitioner(capped_server)
    for _ in range(20):  # closed sockets free their places (the server notices the close)
        with RealtimeClient(capped_server.ws_url, doctor.token) as sock:
            if sock.ready.get("type") == "ready":
                break
    else:
        pytest.fail("the address's places were not freed")


def test_socket_caps_have_sane_defaults(tmp_path: Path) -> None:
    settings = base_settings(tmp_path)
    assert (settings.ws_max_per_user, settings.ws_max_per_ip) == (10, 50)
    with pytest.raises(ValueError, match=r"WS_MAX_PER_USER"):
        base_settings(tmp_path, ws_max_per_user=0)


def test_message_send_with_an_id_too_long_is_not_echoed(live_server: LiveServer) -> None:
    doctor = make_practitioner(live_server)
    with RealtimeClient(live_server.ws_url, doctor.token) as sock:
        sock.send({"type": "message.send", "id": "x" * 65, "conversation_id": str(uuid.uuid4()), "body": "b"})
        errors = _errors_then_pong(sock)
        assert [e["code"] for e in errors] == ["invalid_input"] and errors[0]["id"] is None


@pytest.mark.expected_errors(r"socket frame failed: RuntimeError")
def test_a_handler_failing_unexpectedly_fails_its_frame_not_the_socket(
    live_server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(conn: object, frame: dict[str, object]) -> None:
        raise RuntimeError("a bug, with a value that must not reach the log: secret")

    live_server.app.state.hub.register("test.broken", broken)
    doctor = make_practitioner(live_server)
    with RealtimeClient(live_server.ws_url, doctor.token) as sock:
        sock.send({"type": "test.broken"})
        errors = _errors_then_pong(sock)
        assert [e["code"] for e in errors] == ["internal_error"]
        assert errors[0]["detail"] == "Le serveur n'a pas pu traiter ce message. Réessayez dans un instant."
    assert "socket frame failed: RuntimeError" in caplog.text and "secret" not in caplog.text
