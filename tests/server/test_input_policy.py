"""Inputs the production database would refuse (issue 11, part 1), on SQLite and PostgreSQL.

- One input policy at every boundary: every text of every request body, query string, address and
  socket frame refuses control characters (NUL among them) and lone surrogates with a French 422
  naming the field, and every integer parameter stays within 64 bits. The OpenAPI document lists
  what is checked, so a new route or field is covered without editing these tests.
- Lengths the columns hold: names that fold longer, cities that NFC makes longer.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from annotated_types import MaxLen
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

import contracts.wire.events  # noqa: F401  (every wire model loaded)
from contracts.wire.common import Input
from tests.conftest import base_settings
from tests.helpers.factories import Account, make_conversation, make_patient, make_practitioner, send
from tests.helpers.live_server import LiveServer, unique_client
from tests.helpers.ws import RealtimeClient

NUL = "a\u0000b"
BIG = 2**63
# Written on several lines: the only texts that accept a line break or a tab.
MULTILINE = {("MessageCreate", "body"), ("ConnectionRequestCreate", "message"), ("ClaimStatusUpdate", "note")}
# Cleaned rather than refused: a file name comes from the user's disk (`clean_filename`).
CLEANED_QUERIES = {("/api/v1/conversations/{conversation_id}/attachments/{attachment_id}", "filename")}


def refused(r: httpx.Response, field: str, words: str = "caractère invisible") -> None:
    """A French 422 whose errors name `field` with the policy's reason, or fail."""
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "invalid_input", body
    mine = [e for e in body.get("errors", []) if e["field"] == field]
    assert mine, body
    assert f"« {field} »" in mine[0]["detail"] and words in mine[0]["detail"], body


# ---------------------------------------------------------------- the OpenAPI document, walked
def _openapi(api: httpx.Client) -> dict[str, Any]:
    doc: dict[str, Any] = api.get("/openapi.json").json()
    return doc


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return {**doc["components"]["schemas"][name], "x-name": name}
    for option in schema.get("anyOf", []):
        if option.get("type") != "null":
            return _resolve(doc, option)
    return schema


def _is_free_text(schema: dict[str, Any]) -> bool:
    types = {schema.get("type")} | {o.get("type") for o in schema.get("anyOf", [])}
    constrained = any(
        "enum" in o or "const" in o or "format" in o for o in [schema, *schema.get("anyOf", [])]
    )
    return "string" in types and not constrained


def _text_fields(doc: dict[str, Any], schema: dict[str, Any], prefix: str = "") -> list[tuple[str, str, str]]:
    """(model, dotted field, top-level field) of every free text of a body schema, nested models too."""
    model = _resolve(doc, schema)
    out = []
    for name, prop in model.get("properties", {}).items():
        inner = _resolve(doc, prop)
        if inner.get("type") == "object" and "properties" in inner:
            out += [(m, f"{name}.{f}", top) for m, f, top in _text_fields(doc, prop, name)]
        elif _is_free_text(prop):
            out.append((model.get("x-name", ""), name, prefix or name))
    return out


def _nest(dotted: str, value: Any) -> dict[str, Any]:
    head, _, rest = dotted.partition(".")
    return {head: _nest(rest, value) if rest else value}


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        if path.startswith("/api/v1/") and not path.endswith("/stripe/webhook")
    ]


def _fill(path: str, **given: str) -> str:
    """The address relative to the API client's base, each id `given` or a new UUID."""
    for part in path.split("/"):
        if part.startswith("{"):
            path = path.replace(part, given.get(part[1:-1], str(uuid.uuid4())))
    return path.removeprefix("/api/v1")


@pytest.fixture
def callers(live_server: LiveServer) -> list[Account]:
    """A practitioner and a patient: each route is called as whichever of them it admits."""
    return [make_practitioner(live_server), make_patient(live_server)]


def _call(
    api: httpx.Client,
    callers: list[Account],
    method: str,
    url: str,
    headers: dict[str, str] | None = None,
    **kw: Any,
) -> httpx.Response:
    """The request as the first caller the route does not refuse (403) for their role."""
    r = httpx.Response(500)
    for who in callers:
        r = api.request(method, url, headers={**who.headers, **(headers or {})}, **kw)
        if r.status_code != 403:
            return r
    return r


def test_every_text_of_every_request_body_follows_the_policy(
    api: httpx.Client, callers: list[Account]
) -> None:
    doc = _openapi(api)
    checked = 0
    for method, path, op in _operations(doc):
        schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            continue
        for model, field, _top in _text_fields(doc, schema):
            for bad, words in (
                (NUL, "caractère invisible"),
                ("a\ud800", "mal encodé"),
                ("a\x85", "invisible"),
            ):
                content = json.dumps(_nest(field, bad))  # ASCII: the surrogate travels as \ud800
                r = _call(
                    api,
                    callers,
                    method,
                    _fill(path),
                    content=content,
                    headers={"Content-Type": "application/json"},
                )
                refused(r, field, words)
            line_break = _call(api, callers, method, _fill(path), json=_nest(field, "ligne 1\nligne 2"))
            named = [e["field"] for e in line_break.json().get("errors", [])]
            assert (field in named) == ((model, field) not in MULTILINE), (
                method,
                path,
                field,
                line_break.text,
            )
            checked += 1
    assert checked >= 30  # every body model is walked (a broken walk would check nothing)


def test_every_text_query_and_every_address_id_follows_the_policy(
    api: httpx.Client, callers: list[Account]
) -> None:
    doc = _openapi(api)
    queries = addresses = 0
    for method, path, op in _operations(doc):
        for param in op.get("parameters", []):
            name, where = param["name"], param["in"]
            if not _is_free_text(param["schema"]):
                continue
            if where == "query" and (path, name) not in CLEANED_QUERIES:
                r = _call(api, callers, method, _fill(path), params={name: NUL})
                refused(r, name)
                queries += 1
            elif where == "path":
                r = _call(api, callers, method, _fill(path, **{name: "a%00b"}))
                refused(r, name)
                addresses += 1
    assert queries >= 12 and addresses >= 30


def test_every_integer_parameter_stays_within_64_bits(api: httpx.Client, callers: list[Account]) -> None:
    doc = _openapi(api)
    checked = set()
    for method, path, op in _operations(doc):
        for param in op.get("parameters", []):
            types = {param["schema"].get("type")} | {o.get("type") for o in param["schema"].get("anyOf", [])}
            if "integer" not in types:
                continue
            for value, words in ((BIG, "trop grand"), (-1, "trop petit")):
                r = _call(api, callers, method, _fill(path), params={param["name"]: str(value)})
                refused(r, param["name"], words)
            checked.add((path, param["name"]))
    expected = {
        ("/api/v1/conversations/{conversation_id}/messages", "after"),
        ("/api/v1/conversations/{conversation_id}/messages", "before"),
        ("/api/v1/conversations/{conversation_id}/messages", "limit"),
        ("/api/v1/events", "after"),
        ("/api/v1/events", "limit"),
        ("/api/v1/billing/notes", "year"),
    }
    assert expected <= checked


def _input_models() -> list[type[Input]]:
    found, todo = [], list(Input.__subclasses__())
    while todo:
        model = todo.pop()
        found.append(model)
        todo += model.__subclasses__()
    return found


def test_every_text_of_every_input_model_has_a_length_limit() -> None:
    """The lengths are the columns' (or the domain answers a longer text in French): none is open."""
    texts = 0
    for model in _input_models():
        for name, field in model.model_fields.items():
            if field.annotation in (str, str | None):
                assert any(isinstance(m, MaxLen) for m in field.metadata), f"{model.__name__}.{name}"
                texts += 1
    assert texts >= 45


# ---------------------------------------------------------------- the examples of the issue
def test_messages_and_events_refuse_sequence_numbers_past_64_bits(
    api: httpx.Client, live_server: LiveServer
) -> None:
    doctor, patient = make_practitioner(live_server), make_patient(live_server)
    conv = make_conversation(live_server, doctor, patient)
    assert send(api, patient, conv, "Bonjour").status_code == 201
    for name in ("after", "before", "limit"):
        for value, words in ((BIG, "trop grand"), (-1, "trop petit")):
            r = api.get(f"/conversations/{conv}/messages", params={name: value}, headers=doctor.headers)
            refused(r, name, words)
    for name in ("after", "limit"):
        for value, words in ((BIG, "trop grand"), (-1, "trop petit")):
            refused(api.get("/events", params={name: value}, headers=doctor.headers), name, words)
    top = 2**63 - 1
    assert api.get(
        f"/conversations/{conv}/messages", params={"after": top}, headers=doctor.headers
    ).json() == {"items": []}
    assert (
        len(
            api.get(f"/conversations/{conv}/messages", params={"before": top}, headers=doctor.headers).json()[
                "items"
            ]
        )
        == 1
    )
    assert api.get("/events", params={"after": top}, headers=doctor.headers).json() == {"items": []}
    refused(
        api.post(f"/conversations/{conv}/read", json={"seq": BIG}, headers=doctor.headers),
        "seq",
        "trop grand",
    )


def test_a_nul_in_a_message_is_refused_and_stores_nothing(api: httpx.Client, live_server: LiveServer) -> None:
    doctor, patient = make_practitioner(live_server), make_patient(live_server)
    conv = make_conversation(live_server, doctor, patient)
    refused(send(api, patient, conv, "Bonjour\u0000docteur"), "body")
    refused(send(api, patient, conv, "Bonjour", message_id="a%00b"), "message_id")
    assert api.get(f"/conversations/{conv}", headers=patient.headers).json()["last_seq"] == 0
    ok = send(api, patient, conv, "Bonjour,\n\tdocteur\r\n")  # lines and tabs are a message's own
    assert ok.status_code == 201 and ok.json()["body"] == "Bonjour,\n\tdocteur", ok.text


def test_a_nul_in_a_login_or_a_connection_request_is_refused(live_server: LiveServer) -> None:
    with unique_client(live_server) as api:
        r = api.post(
            "/auth/login", json={"role": "patient", "identifier": "x\u0000@example.fr", "password": "p"}
        )
        refused(r, "identifier")
        r = api.post("/auth/password-reset", json={"identifier": "x\u0000@example.fr"})
        refused(r, "identifier")
        doctor, patient = make_practitioner(live_server), make_patient(live_server)
        body = {"practitioner_id": doctor.id, "message": "Bonjour\u0000"}
        refused(api.post("/connection-requests", json=body, headers=patient.headers), "message")
        mine = api.get("/connection-requests", headers=patient.headers).json()["items"]
        assert mine == []


def test_a_claim_document_follows_the_policy(api: httpx.Client, live_server: LiveServer) -> None:
    doctor = make_practitioner(live_server)
    body = {"id": str(uuid.uuid4()), "patient": {"last_name": "Dupont\u0000", "first_name": "Hélène"}}
    r = api.post("/billing/claims", json=body, headers=doctor.headers)
    assert r.status_code == 422 and r.json()["field"] == "patient.last_name", r.text
    assert "invisible" in r.json()["detail"]
    r = api.post(
        "/billing/claims",
        content=json.dumps({"x": "\ud800"}),
        headers={**doctor.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 422 and r.json()["field"] == "x" and "mal encodé" in r.json()["detail"], r.text


def test_socket_frames_follow_the_policy(api: httpx.Client, live_server: LiveServer) -> None:
    doctor, patient = make_practitioner(live_server), make_patient(live_server)
    conv = make_conversation(live_server, doctor, patient)
    with RealtimeClient(live_server.ws_url, patient.token) as sock:
        mid = str(uuid.uuid4())
        sock.send({"type": "message.send", "id": mid, "conversation_id": conv, "body": "Bonjour\u0000"})
        error = next(f for f in iter(lambda: sock.recv(timeout=10), None) if f["type"] == "error")
        assert error["id"] == mid and error["code"] == "invalid_input", error
        assert "« body »" in error["detail"] and "invisible" in error["detail"]
        sock.send({"type": "message.send", "id": mid, "conversation_id": "a\u0000b", "body": "Bonjour"})
        error = next(f for f in iter(lambda: sock.recv(timeout=10), None) if f["type"] == "error")
        assert error["code"] == "invalid_input" and "« conversation_id »" in error["detail"], error
        sock.send({"type": "message.send", "id": mid, "conversation_id": conv, "body": "Bonjour\ndocteur"})
        ack = next(f for f in iter(lambda: sock.recv(timeout=10), None) if f["type"] == "ack")
        assert ack["id"] == mid and ack["seq"] == 1
    assert api.get(f"/conversations/{conv}/messages", headers=patient.headers).json()["items"][0]["body"] == (
        "Bonjour\ndocteur"
    )
    for last_seq in (BIG, -1, True, "0"):
        with connect(live_server.ws_url) as ws:
            ws.send(json.dumps({"type": "auth", "token": patient.token, "last_seq": last_seq}))
            assert json.loads(ws.recv(timeout=5))["code"] == "auth_required"
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400


# ---------------------------------------------------------------- lengths the columns hold
def test_names_that_fold_longer_and_cities_that_nfc_makes_longer(live_server: LiveServer) -> None:
    from tests.helpers.factories import rpps_number

    with unique_client(live_server) as api:
        base = {
            "password": "correct-horse-42",
            "profession": "medecin_generaliste",
            "rpps": rpps_number(uuid.uuid4().int % 10**9),
        }
        # « ß » folds to « ss »: 100 of each name fill the 400 characters of the directory key twice over.
        r = api.post(
            "/auth/practitioners",
            json={
                **base,
                "email": f"ss.{uuid.uuid4().hex[:8]}@example.fr",
                "first_name": "ß" * 100,
                "last_name": "ß" * 100,
            },
        )
        assert r.status_code == 201, r.text
        # U+1D15E is one character that NFC writes as two: 100 of them are 200 once cleaned.
        body = {
            **base,
            "email": f"ville.{uuid.uuid4().hex[:8]}@example.fr",
            "first_name": "A",
            "last_name": "B",
        }
        body["rpps"] = rpps_number(uuid.uuid4().int % 10**9)
        r = api.post("/auth/practitioners", json={**body, "city": "\U0001d15e" * 100})
        assert r.status_code == 422 and r.json()["field"] == "city", r.text
        assert "trop long" in r.json()["detail"]


# ---------------------------------------------------------------- rate limits for any valid email
def long_email(prefix: str) -> str:
    """A valid address of 216 characters (its rate-limit key once overflowed a column of 128)."""
    local = f"{prefix}.{uuid.uuid4().hex}".ljust(64, "x")
    return f"{local}@{'b' * 63}.{'c' * 63}.{'d' * 20}.fr"


def test_login_with_a_long_email_is_throttled_like_any_other(live_server: LiveServer) -> None:
    email = long_email("connexion")
    assert len(email) == 216
    patient = make_patient(live_server, email=email)
    login = {"role": "patient", "identifier": email.upper()}
    with unique_client(live_server) as api:
        assert api.post("/auth/login", json={**login, "password": "correct-horse-42"}).status_code == 200
    with unique_client(live_server) as api:  # the account's limit from one address (issue 11, section 3)
        for _ in range(10):
            r = api.post("/auth/login", json={**login, "password": "faux-faux-faux"})
            assert r.status_code == 401, r.text
        blocked = api.post("/auth/login", json={**login, "password": "correct-horse-42"})
    assert blocked.status_code == 429 and "Trop de tentatives" in blocked.json()["detail"], blocked.text
    assert patient.email == email


def test_the_per_address_limit_counts_long_emails(live_server: LiveServer) -> None:
    with unique_client(live_server) as api:
        for _ in range(10):
            r = api.post(
                "/auth/login", json={"role": "patient", "identifier": long_email("ip"), "password": "faux"}
            )
            assert r.status_code == 401, r.text
        r = api.post(
            "/auth/login", json={"role": "patient", "identifier": long_email("ip"), "password": "faux"}
        )
        assert r.status_code == 429, r.text


def test_the_daily_invitation_cap_counts_what_the_send_records(tmp_path: Path) -> None:
    """The send counts itself inside its own transaction (`record_in`): the same stored key as the check's."""
    with LiveServer(base_settings(tmp_path, allow_practitioner_signup=True, invitations_per_day=2)) as server:
        doctor = make_practitioner(server)
        with unique_client(server) as api:
            for n in range(3):
                email = f"h{n}.{uuid.uuid4().hex[:6]}@example.fr"
                body = {"first_name": "Hélène", "last_name": f"Dupont{n}", "email": email}
                r = api.post("/invitations", json=body, headers=doctor.headers)
                assert r.status_code == (201 if n < 2 else 429), r.text
        assert r.status_code == 429 and "beaucoup d'invitations" in r.json()["detail"], r.text
