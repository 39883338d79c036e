"""Accounts over HTTP: sign-up, sign-in, tokens, expiry, logout, roles, rate limits (both databases)."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import update

from server.accounts.models import Session
from server.container import Services
from server.kernel.security import token_digest
from tests.conftest import base_settings
from tests.helpers.factories import PASSWORD, make_patient, make_practitioner, rpps_number, unique_email
from tests.helpers.invitation_env import wait_until
from tests.helpers.live_server import LiveServer, unique_client


def signup_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "email": unique_email("signup"),
        "password": PASSWORD,
        "first_name": "Claire",
        "last_name": "Martin",
        "profession": "medecin_generaliste",
        "rpps": rpps_number(4242),
        "sector": "secteur_1",
    }
    body.update(overrides)
    return body


def test_health_and_openapi(api: httpx.Client) -> None:
    assert api.get("/health").json()["status"] == "ok"
    spec = api.get("/openapi.json").json()
    assert "/api/v1/conversations/{conversation_id}/messages/{message_id}" in spec["paths"]


def test_practitioner_signup_login_me_logout(api: httpx.Client) -> None:
    body = signup_body()
    created = api.post("/auth/practitioners", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["user"]["plan"] == "PRO"
    login = api.post(
        "/auth/login", json={"role": "practitioner", "identifier": body["email"], "password": PASSWORD}
    )
    assert login.status_code == 200
    token = login.json()["token"]
    assert len(token) >= 43
    headers = {"Authorization": f"Bearer {token}"}
    me = api.get("/me", headers=headers).json()
    assert me["email"] == body["email"] and me["profession"] == "medecin_generaliste"
    assert api.post("/auth/logout", headers=headers).status_code == 204
    after = api.get("/me", headers=headers)
    assert after.status_code == 401
    assert after.json()["code"] == "session_revoked"


def test_signup_refuses_bad_fields_in_french_and_creates_nothing(live_server: LiveServer) -> None:
    api = unique_client(live_server)
    cases = [
        ({"rpps": "12345678901"}, "RPPS"),
        ({"email": "pas-une-adresse"}, "Adresse e-mail invalide : il manque le @"),
        ({"email": "claire@cabinet"}, "Adresse e-mail invalide : le domaine « cabinet » n'a pas d'extension"),
        ({"email": "claire martin@cabinet.fr"}, "Adresse e-mail invalide : elle contient une espace"),
        ({"password": "court"}, "au moins 10 caractères"),
        ({"first_name": "   "}, "prénom est obligatoire"),
        ({"last_name": "x" * 101}, "trop long"),
        ({"profession": "astronaute"}, "profession"),
        ({"profession": "medecin_specialiste"}, "spécialité"),
    ]
    for override, expected in cases:
        body = signup_body(**override)
        response = api.post("/auth/practitioners", json=body)
        assert response.status_code == 422, (override, response.text)
        assert expected in response.json()["detail"], (override, response.json())
        login = api.post(
            "/auth/login",
            json={"role": "practitioner", "identifier": str(body["email"]), "password": PASSWORD},
        )
        assert login.status_code in (401, 422)


def test_duplicate_practitioner_email_conflicts(api: httpx.Client) -> None:
    body = signup_body()
    assert api.post("/auth/practitioners", json=body).status_code == 201
    again = api.post("/auth/practitioners", json=signup_body(email=str(body["email"]).upper()))
    assert again.status_code == 409
    assert again.json()["code"] == "email_taken"


def test_wrong_password_and_unknown_account_get_the_same_french_error(live_server: LiveServer) -> None:
    api = unique_client(live_server)
    doctor = make_practitioner(live_server)
    for identifier, password in ((doctor.email, "mauvais-mot-de-passe"), ("inconnu@example.fr", PASSWORD)):
        r = api.post(
            "/auth/login", json={"role": "practitioner", "identifier": identifier, "password": password}
        )
        assert r.status_code == 401
        assert r.json() == {"code": "invalid_credentials", "detail": "Identifiant ou mot de passe incorrect."}


def test_patient_logs_in_with_phone_in_any_french_format(api: httpx.Client, live_server: LiveServer) -> None:
    patient = make_patient(live_server, phone="06 11 22 33 44")
    r = api.post(
        "/auth/login", json={"role": "patient", "identifier": "+33 6 11 22 33 44", "password": PASSWORD}
    )
    assert r.status_code == 200, r.text
    assert r.json()["user"]["id"] == patient.id


def test_a_guesser_from_one_address_does_not_keep_the_owner_out(live_server: LiveServer) -> None:
    """Ten wrong passwords once locked the account from every address for 15 minutes (issue 11)."""
    doctor = make_practitioner(live_server)
    wrong = {"role": "practitioner", "identifier": doctor.email, "password": "faux-faux-faux"}
    right = {**wrong, "password": PASSWORD}
    with unique_client(live_server) as attacker, unique_client(live_server) as owner:
        for _ in range(10):
            assert attacker.post("/auth/login", json=wrong).status_code == 401
        for body in (wrong, right):  # the attacker is throttled, even with the right password
            blocked = attacker.post("/auth/login", json=body)
            assert blocked.status_code == 429 and "Trop de tentatives" in blocked.json()["detail"]
            assert int(blocked.headers["Retry-After"]) > 0
        assert owner.post("/auth/login", json=wrong).status_code == 401  # a typo of the owner
        assert owner.post("/auth/login", json=right).status_code == 200


def _reset_code(outbox: Path, address: str) -> str:
    for path in sorted(outbox.glob("*.eml"), reverse=True):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if address in str(message["To"]):
            body = message.get_body(preferencelist=("plain",))
            assert body is not None
            found = re.search(r"Voici votre code : (\d{6})", body.get_content())
            assert found is not None
            return found.group(1)
    raise AssertionError("no code in the outbox")


def test_failures_from_many_addresses_lock_the_account_until_a_password_reset(tmp_path: Path) -> None:
    """The per-account limit over every address is much higher, and a reset code lifts it."""
    settings = base_settings(
        tmp_path, login_max_failures=3, login_account_max_failures=6, delivery_poll_seconds=0.2
    )
    with LiveServer(settings) as live:
        patient = make_patient(live)
        wrong = {"role": "patient", "identifier": patient.email, "password": "faux-faux-faux"}
        for _ in range(3):  # three addresses, each below its own limit (3)
            with unique_client(live) as c:
                assert c.post("/auth/login", json=wrong).status_code == 401
                assert c.post("/auth/login", json=wrong).status_code == 401
        with unique_client(live) as owner:
            signed_in = {"Authorization": f"Bearer {patient.token}"}
            assert owner.get("/me", headers=signed_in).status_code == 200  # its session now cached
            locked = owner.post("/auth/login", json={**wrong, "password": PASSWORD})
            assert locked.status_code == 429 and "Mot de passe oublié" in locked.json()["detail"], locked.text
            started = owner.post("/auth/password-reset", json={"identifier": patient.email})
            assert started.status_code == 202
            code = wait_until(lambda: list((tmp_path / "outbox").glob("*.eml"))) and _reset_code(
                tmp_path / "outbox", patient.email or ""
            )
            new_password = "une-nouvelle-phrase-7"
            confirmed = owner.post(
                f"/auth/password-reset/{started.json()['reset_id']}/confirm",
                json={"code": code, "password": new_password},
            )
            assert confirmed.status_code == 200, confirmed.text
            # The reset closes every session of the account at once, the cached one included.
            refused = owner.get("/me", headers=signed_in)
            assert refused.status_code == 401 and refused.json()["code"] == "session_revoked"
            assert owner.post("/auth/login", json={**wrong, "password": new_password}).status_code == 200


def test_login_rate_limited_per_ip_across_accounts(live_server: LiveServer) -> None:
    with unique_client(live_server) as client:
        for i in range(10):
            r = client.post(
                "/auth/login",
                json={"role": "patient", "identifier": f"x{i}@example.fr", "password": "faux-faux"},
            )
            assert r.status_code == 401
        blocked = client.post(
            "/auth/login", json={"role": "patient", "identifier": "y@example.fr", "password": "faux"}
        )
        assert blocked.status_code == 429


def _age_session(server: LiveServer, token: str, **values: object) -> None:
    async def age(services: Services) -> None:
        async with services.core.db.write() as session:
            await session.execute(
                update(Session).where(Session.token_hash == token_digest(token)).values(**values)
            )
        # Time travel behind the server's back: its cache of checked sessions (up to 10 s, with the
        # times of this session as read before) is dropped as if those seconds had passed.
        services.accounts.sessions.clear()

    server.run(age)


def test_idle_session_expires(api: httpx.Client, live_server: LiveServer) -> None:
    doctor = make_practitioner(live_server)
    assert api.get("/me", headers=doctor.headers).status_code == 200
    now = live_server.services.core.clock()
    _age_session(live_server, doctor.token, last_used_at=now - timedelta(minutes=31))
    r = api.get("/me", headers=doctor.headers)
    assert r.status_code == 401 and r.json()["code"] == "session_expired"


def test_absolute_session_expiry(api: httpx.Client, live_server: LiveServer) -> None:
    doctor = make_practitioner(live_server)
    now = live_server.services.core.clock()
    _age_session(live_server, doctor.token, expires_at=now - timedelta(seconds=1))
    assert api.get("/me", headers=doctor.headers).json()["code"] == "session_expired"


def test_forged_missing_and_malformed_tokens(api: httpx.Client) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer forged"},
        {"Authorization": "Bearer " + "x" * 500},
    ):
        r = api.get("/me", headers=headers)
        assert r.status_code == 401
        body = r.json()
        assert set(body) == {"code", "detail"} and body["detail"].endswith(".")


def test_patient_token_never_reaches_practitioner_routes(api: httpx.Client, live_server: LiveServer) -> None:
    doctor = make_practitioner(live_server)
    patient = make_patient(live_server)
    conv = live_server.run(lambda s: _conv(s, doctor.id, patient.id))
    r = api.patch(
        f"/conversations/{conv}", json={"patient_write": {"mode": "never"}}, headers=patient.headers
    )
    assert r.status_code == 403
    assert r.json()["code"] == "practitioner_only"


async def _conv(services: Services, practitioner_id: str, patient_id: str) -> str:
    async with services.core.transaction() as tx:
        conv, _ = await services.conversations.ensure_conversation(tx, practitioner_id, patient_id)
    return conv.id


def test_a_local_server_gives_its_own_practitioner_the_pro_plus_plan(tmp_path: Path) -> None:
    # The desktop's « Utiliser ce poste » starts its server with --signup-plan PRO+.
    settings = base_settings(tmp_path, allow_practitioner_signup=True, signup_plan="PRO+")
    with LiveServer(settings) as server, httpx.Client(base_url=server.api, timeout=30) as client:
        created = client.post("/auth/practitioners", json=signup_body())
        assert created.status_code == 201 and created.json()["user"]["plan"] == "PRO+"


def test_practitioner_signup_closed_by_default(tmp_path: Path) -> None:
    server = LiveServer(base_settings(tmp_path))
    with server, httpx.Client(base_url=server.api, timeout=30) as client:
        refused = client.post("/auth/practitioners", json=signup_body())
        assert refused.status_code == 403 and refused.json()["code"] == "signup_closed"
