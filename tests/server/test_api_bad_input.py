"""Bad input and other people's ids: the right 4xx, a French detail, and nothing changed."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.helpers.factories import Account, make_conversation, make_patient, make_practitioner, send
from tests.helpers.live_server import LiveServer


@pytest.fixture
def two_practices(live_server: LiveServer) -> dict[str, object]:
    a, b = make_practitioner(live_server), make_practitioner(live_server)
    pa, pb = make_patient(live_server), make_patient(live_server)
    return {
        "a": a,
        "b": b,
        "pa": pa,
        "pb": pb,
        "conv_a": make_conversation(live_server, a, pa),
        "conv_b": make_conversation(live_server, b, pb),
    }


def assert_french_error(r: httpx.Response, status: int) -> dict[str, object]:
    assert r.status_code == status, r.text
    body = r.json()
    assert isinstance(body["code"], str) and body["code"]
    detail = body["detail"]
    assert isinstance(detail, str) and detail[0].isupper() and detail.rstrip().endswith((".", "!", "?"))
    return body


def test_every_conversation_endpoint_refuses_another_practitioners_ids(
    api: httpx.Client, two_practices: dict[str, object]
) -> None:
    a = two_practices["a"]
    pa = two_practices["pa"]
    conv_b = two_practices["conv_b"]
    assert isinstance(a, Account) and isinstance(pa, Account)
    before = api.get(f"/conversations/{conv_b}/messages", headers=two_practices["b"].headers).json()  # type: ignore[attr-defined]
    attempts = [
        ("GET", f"/conversations/{conv_b}", None),
        ("GET", f"/conversations/{conv_b}/messages", None),
        ("PUT", f"/conversations/{conv_b}/messages/{uuid.uuid4()}", {"body": "intrusion"}),
        ("POST", f"/conversations/{conv_b}/read", {"seq": 1}),
        ("PATCH", f"/conversations/{conv_b}", {"patient_write": {"mode": "never"}}),
    ]
    for who in (a, pa):  # another practitioner, and another practitioner's patient
        for method, path, body in attempts:
            if method == "PATCH" and who.role == "patient":
                continue
            r = api.request(method, path, json=body, headers=who.headers)
            detail = assert_french_error(r, 404)
            assert detail["detail"] == "Conversation introuvable."
    after = api.get(f"/conversations/{conv_b}/messages", headers=two_practices["b"].headers).json()  # type: ignore[attr-defined]
    assert before == after
    # The list and the search of A never show B's conversation.
    listed = api.get("/conversations", headers=a.headers).json()["items"]
    assert conv_b not in {c["id"] for c in listed}


@pytest.mark.parametrize(
    ("raw", "content_type", "expected"),
    [
        (b"{pas du json", "application/json", "JSON valide"),
        (b"[1, 2]", "application/json", "objet JSON"),
        (b'"texte"', "application/json", "objet JSON"),
        (b"", "application/json", "vide"),
        (b'{"body": 42}', "application/json", "« body »"),
        (b'{"body": "ok", "extra": 1}', "application/json", "« extra » n'est pas accepté"),
        (b"{}", "application/json", "« body » est obligatoire"),
        (b'{"body": null}', "application/json", "« body »"),
    ],
)
def test_malformed_bodies_get_422_in_french(
    api: httpx.Client, two_practices: dict[str, object], raw: bytes, content_type: str, expected: str
) -> None:
    pa = two_practices["pa"]
    assert isinstance(pa, Account)
    conv = two_practices["conv_a"]
    r = api.put(
        f"/conversations/{conv}/messages/{uuid.uuid4()}",
        content=raw,
        headers={**pa.headers, "Content-Type": content_type},
    )
    body = assert_french_error(r, 422)
    assert expected in str(body["detail"]), body
    assert api.get(f"/conversations/{conv}", headers=pa.headers).json()["last_seq"] == 0


def test_oversize_body_refused_with_413(api: httpx.Client, two_practices: dict[str, object]) -> None:
    pa = two_practices["pa"]
    assert isinstance(pa, Account)
    conv = two_practices["conv_a"]
    big = b'{"body": "' + b"a" * 400_000 + b'"}'
    r = api.put(
        f"/conversations/{conv}/messages/{uuid.uuid4()}",
        content=big,
        headers={**pa.headers, "Content-Type": "application/json"},
    )
    assert assert_french_error(r, 413)["code"] == "payload_too_large"

    def chunks():  # no Content-Length: the cap applies while streaming
        for _ in range(40):
            yield b"a" * 10_000

    r = api.put(
        f"/conversations/{conv}/messages/{uuid.uuid4()}",
        content=chunks(),
        headers={**pa.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert api.get(f"/conversations/{conv}", headers=pa.headers).json()["last_seq"] == 0


def test_unknown_ids_routes_methods_and_queries(api: httpx.Client, two_practices: dict[str, object]) -> None:
    a = two_practices["a"]
    assert isinstance(a, Account)
    assert_french_error(api.get(f"/conversations/{uuid.uuid4()}", headers=a.headers), 404)
    assert_french_error(api.get("/conversations/pas-un-uuid", headers=a.headers), 404)
    assert_french_error(api.get("/inexistant", headers=a.headers), 404)
    assert_french_error(api.delete("/conversations", headers=a.headers), 405)
    assert_french_error(api.get("/conversations?limit=0", headers=a.headers), 422)
    assert_french_error(api.get("/conversations?limit=abc", headers=a.headers), 422)
    assert_french_error(api.get("/conversations?before=hier", headers=a.headers), 422)
    conv = two_practices["conv_a"]
    pa = two_practices["pa"]
    assert isinstance(pa, Account)
    assert_french_error(send(api, pa, str(conv), "x", message_id="pas-un-uuid"), 422)
    assert_french_error(api.post(f"/conversations/{conv}/read", json={"seq": -1}, headers=pa.headers), 422)
    assert_french_error(
        api.post("/auth/login", json={"role": "admin", "identifier": "x", "password": "y"}), 422
    )
