"""Patient sign-up and forgotten password (code by email through SMTP, or by SMS through OVH)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from server.accounts.models import PasswordReset
from server.container import Services
from tests.helpers.factories import PASSWORD, make_patient
from tests.helpers.invitation_env import bearer, national, new_email, sign_up, unique_mobile
from tests.helpers.live_server import LiveServer
from tests.helpers.ovh_fake import OvhFake
from tests.helpers.smtp_capture import SmtpCapture

CODE = re.compile(r"\b(\d{6})\b")
NEW_PASSWORD = "une-nouvelle-phrase-7"


def test_sign_up_sends_a_code_that_creates_the_account_and_refuses_bad_input(
    server: LiveServer, client: httpx.Client
) -> None:
    email, mobile = new_email(), unique_mobile()
    patient = sign_up(client, email=email.upper(), phone=national(mobile), first_name="Zoé 😊")
    me = client.get("/me", headers=patient.headers).json()
    assert (me["role"], me["email"], me["phone"], me["first_name"]) == ("patient", email, mobile, "Zoé 😊")
    by_sms = sign_up(client, phone=national(unique_mobile()))
    assert client.get("/me", headers=by_sms.headers).status_code == 200
    body = {"first_name": "A", "last_name": "B", "password": PASSWORD}
    cases = [
        ({**body, "email": "pas@valide@"}, "invalid_email"),
        ({**body}, "invalid_input"),
        ({**body, "email": new_email(), "password": "court"}, "weak_password"),
        ({**body, "email": new_email(), "first_name": ""}, "name_required"),
        ({**body, "email": new_email(), "last_name": "L" * 500}, "name_too_long"),
        ({**body, "phone": "01 42 68 53 00"}, "phone_not_mobile"),  # no email: the code goes by SMS
    ]
    for payload, code in cases:
        r = client.post("/auth/patients", json=payload)
        assert r.status_code == 422 and r.json()["code"] == code, r.text


def test_forgotten_password_by_email_code(
    server: LiveServer, client: httpx.Client, smtp: SmtpCapture
) -> None:
    email = new_email("oubli")
    patient = sign_up(client, email=email)
    started = client.post("/auth/password-reset", json={"identifier": email})
    assert started.status_code == 202 and "10 minutes" in started.json()["detail"]
    mail = smtp.wait(email, count=2)[1]  # after the sign-up code
    assert "valable 10 minutes" in mail.text and "changer de mot de passe" in str(mail.message["Subject"])
    code = CODE.search(mail.text)
    assert code is not None
    reset = started.json()["reset_id"]
    wrong = "000000" if code.group(1) != "000000" else "111111"
    r = client.post(f"/auth/password-reset/{reset}/confirm", json={"code": wrong, "password": NEW_PASSWORD})
    assert r.status_code == 422 and "Il vous reste 4 essais" in r.json()["detail"]
    r = client.post(
        f"/auth/password-reset/{reset}/confirm", json={"code": code.group(1), "password": NEW_PASSWORD}
    )
    assert r.status_code == 200, r.text
    new_token = r.json()["token"]
    assert client.get("/me", headers=bearer(new_token)).status_code == 200
    assert client.get("/me", headers=patient.headers).status_code == 401  # the old session was closed
    login = {"role": "patient", "identifier": email}
    assert client.post("/auth/login", json={**login, "password": PASSWORD}).status_code == 401
    assert client.post("/auth/login", json={**login, "password": NEW_PASSWORD}).status_code == 200
    used = client.post(
        f"/auth/password-reset/{reset}/confirm", json={"code": code.group(1), "password": PASSWORD}
    )
    assert used.status_code == 410 and used.json()["code"] == "code_expired"


def test_forgotten_password_by_sms_code(server: LiveServer, client: httpx.Client, ovh: OvhFake) -> None:
    mobile = unique_mobile()
    make_patient(server, phone=mobile, email=None)
    started = client.post("/auth/password-reset", json={"identifier": national(mobile)})
    assert started.status_code == 202
    (request,) = ovh.wait(mobile)
    assert request.signature_ok
    text = json.loads(request.raw_body)["message"]
    assert len(text) <= 160 and "10 min" in text
    code = CODE.search(text)
    assert code is not None
    r = client.post(
        f"/auth/password-reset/{started.json()['reset_id']}/confirm",
        json={"code": code.group(1), "password": NEW_PASSWORD},
    )
    assert r.status_code == 200 and r.json()["user"]["phone"] == mobile


def test_forgotten_password_of_a_216_character_email(
    server: LiveServer, client: httpx.Client, smtp: SmtpCapture
) -> None:
    """Its rate-limit key once overflowed its column: every request answered 500 (issue 11)."""
    local = f"oubli.{uuid.uuid4().hex}".ljust(64, "x")
    email = f"{local}@{'b' * 63}.{'c' * 63}.{'d' * 20}.fr"
    sign_up(client, email=email)
    started = client.post("/auth/password-reset", json={"identifier": email})
    assert started.status_code == 202, started.text
    code = CODE.search(smtp.wait(email, count=2)[1].text)
    assert code is not None
    r = client.post(
        f"/auth/password-reset/{started.json()['reset_id']}/confirm",
        json={"code": code.group(1), "password": NEW_PASSWORD},
    )
    assert r.status_code == 200 and r.json()["user"]["email"] == email, r.text
    for _ in range(4):  # five requests an hour for one account, whatever the length of its address
        assert client.post("/auth/password-reset", json={"identifier": email}).status_code == 202
    blocked = client.post("/auth/password-reset", json={"identifier": email})
    assert blocked.status_code == 429 and "Trop de demandes" in blocked.json()["detail"], blocked.text


def test_unknown_accounts_get_the_same_answer_and_no_message(
    server: LiveServer, client: httpx.Client, smtp: SmtpCapture
) -> None:
    nobody = new_email("personne")
    r = client.post("/auth/password-reset", json={"identifier": nobody})
    assert r.status_code == 202 and set(r.json()) == {"reset_id", "detail"}
    with pytest.raises(TimeoutError):
        smtp.wait(nobody, timeout=1.0)
    refused = client.post(
        f"/auth/password-reset/{r.json()['reset_id']}/confirm",
        json={"code": "123456", "password": NEW_PASSWORD},
    )
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_code"
    bad = client.post("/auth/password-reset", json={"identifier": "ni-mail-ni-numéro"})
    assert bad.status_code == 422 and "téléphone" in bad.json()["detail"]


def test_codes_expire_after_ten_minutes_and_five_attempts(
    server: LiveServer, client: httpx.Client, smtp: SmtpCapture
) -> None:
    email = new_email("essais")
    sign_up(client, email=email)
    first = client.post("/auth/password-reset", json={"identifier": email}).json()["reset_id"]
    code = CODE.search(smtp.wait(email, count=2)[1].text)
    assert code is not None
    wrong = "000000" if code.group(1) != "000000" else "111111"
    for left in (4, 3, 2, 1):
        r = client.post(
            f"/auth/password-reset/{first}/confirm", json={"code": wrong, "password": NEW_PASSWORD}
        )
        assert r.status_code == 422 and str(left) in r.json()["detail"]
    last = client.post(
        f"/auth/password-reset/{first}/confirm", json={"code": wrong, "password": NEW_PASSWORD}
    )
    assert last.status_code == 422 and "Demandez un nouveau code" in last.json()["detail"]
    spent = client.post(
        f"/auth/password-reset/{first}/confirm", json={"code": code.group(1), "password": NEW_PASSWORD}
    )
    assert spent.status_code == 410  # even the right code: attempts are spent
    second = client.post("/auth/password-reset", json={"identifier": email}).json()["reset_id"]
    code2 = CODE.search(smtp.wait(email, count=3)[2].text)
    assert code2 is not None

    async def expire(services: Services) -> None:
        async with services.core.db.write() as session:
            await session.execute(
                update(PasswordReset)
                .where(PasswordReset.id == second)
                .values(expires_at=server.clock() - timedelta(seconds=1))
            )

    server.run(expire)
    late = client.post(
        f"/auth/password-reset/{second}/confirm", json={"code": code2.group(1), "password": NEW_PASSWORD}
    )
    assert late.status_code == 410 and "expiré" in late.json()["detail"]
