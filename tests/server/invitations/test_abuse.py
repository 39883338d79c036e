"""Abuse of the public forms (issue 11, section 3): codes that outlive their use, tokens throttled
without locking out the genuine link, secrets kept out of the logs."""

from __future__ import annotations

import json
import logging
import re
import threading
from pathlib import Path

import httpx
import pytest

from tests.helpers.factories import PASSWORD, make_practitioner, rpps_number
from tests.helpers.invitation_env import (
    delivery_settings,
    invite,
    national,
    new_email,
    sign_up,
    signup_code,
    unique_mobile,
    wait_until,
)
from tests.helpers.live_server import LiveServer, unique_client
from tests.helpers.ovh_fake import OvhFake
from tests.helpers.smtp_capture import SmtpCapture

CODE = re.compile(r"\b(\d{6})\b")
NEW_PASSWORD = "une-nouvelle-phrase-7"
TEST_TOOLS = ("mail.log",)  # aiosmtpd, the SMTP server of the tests


def _code(smtp: SmtpCapture, email: str, count: int) -> str:
    found = CODE.search(smtp.wait(email, count=count)[count - 1].text)
    assert found is not None
    return found.group(1)


def test_a_newer_code_or_a_changed_password_ends_the_earlier_codes(
    server: LiveServer, client: httpx.Client, smtp: SmtpCapture
) -> None:
    email = new_email("codes")
    sign_up(client, email=email)
    first = client.post("/auth/password-reset", json={"identifier": email}).json()["reset_id"]
    first_code = _code(smtp, email, 2)  # the first is the sign-up code
    second = client.post("/auth/password-reset", json={"identifier": email}).json()["reset_id"]
    second_code = _code(smtp, email, 3)
    old = client.post(
        f"/auth/password-reset/{first}/confirm", json={"code": first_code, "password": NEW_PASSWORD}
    )
    assert old.status_code == 410 and old.json()["code"] == "code_expired", old.text
    done = client.post(
        f"/auth/password-reset/{second}/confirm", json={"code": second_code, "password": NEW_PASSWORD}
    )
    assert done.status_code == 200, done.text
    again = client.post(
        f"/auth/password-reset/{second}/confirm", json={"code": second_code, "password": "encore-une-autre-8"}
    )
    assert again.status_code == 410
    login = {"role": "patient", "identifier": email, "password": NEW_PASSWORD}
    assert client.post("/auth/login", json=login).status_code == 200


def test_no_token_link_or_code_reaches_the_logs(
    tmp_path: Path, smtp: SmtpCapture, caplog: pytest.LogCaptureFixture
) -> None:
    """An invitation link, a session token and a reset code are credentials: never logged.

    Emails go through SMTP, SMS to the outbox (no SMS provider): both log their sends."""
    caplog.set_level(logging.DEBUG)
    with LiveServer(delivery_settings(tmp_path, smtp, None)) as server, unique_client(server) as client:
        doctor = make_practitioner(server)
        email, mobile = new_email("journal"), unique_mobile()
        assert invite(client, doctor, email=email).status_code == 201
        assert invite(client, doctor, phone=national(mobile), first_name="Zoé").status_code == 201
        mail = smtp.wait(email)[0]
        sms_files = wait_until(lambda: list((tmp_path / "outbox").glob("*.sms.txt")))
        sms_link = re.search(r"/i/([A-Za-z0-9_-]{43})", sms_files[0].read_text(encoding="utf-8"))
        assert sms_link is not None
        assert httpx.get(mail.link, timeout=30).status_code == 200
        patient = sign_up(client, email=email)
        accepted = client.post(
            "/invitation-links/accept", json={"token": mail.token}, headers=patient.headers
        )
        assert accepted.status_code == 200, accepted.text
        joined = signup_code(email, count=2)
        started = client.post("/auth/password-reset", json={"identifier": email})
        code = _code(smtp, email, 3)
        done = client.post(
            f"/auth/password-reset/{started.json()['reset_id']}/confirm",
            json={"code": code, "password": NEW_PASSWORD},
        )
        assert done.status_code == 200, done.text
        login = {"role": "patient", "identifier": email, "password": NEW_PASSWORD}
        session = client.post("/auth/login", json=login).json()["token"]
    secrets = {
        "lien e-mail": mail.token,
        "lien SMS": sms_link.group(1),
        "code": code,
        "code d'inscription": joined,
        "session": patient.token,
        "nouvelle session": done.json()["token"],
        "connexion": session,
    }
    test_thread = threading.get_ident()  # this test's own HTTP client logs its URLs: not the product
    product = [r for r in caplog.records if r.thread != test_thread and not r.name.startswith(TEST_TOOLS)]
    logged = "\n".join(f"{r.name}: {r.getMessage()}" for r in product)
    assert "delivery job" in logged and "outbox: sms" in logged  # the product's lines were captured
    leaked = [name for name, secret in secrets.items() if secret in logged]
    assert not leaked, f"{leaked} in the logs:\n{logged}"


BIDI_CONTROLS = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_names_refuse_bidi_controls_with_a_french_422_and_nothing_changes(
    server: LiveServer, client: httpx.Client
) -> None:
    doctor = make_practitioner(server)
    inv = invite(client, doctor, email=new_email("bidi")).json()["invitation"]
    patient_body = {"first_name": "Zoé", "last_name": "Bernard", "password": PASSWORD}
    practitioner_body = {
        "email": new_email("bidi-praticien"),
        "password": PASSWORD,
        "first_name": "Claire",
        "last_name": "Martin",
        "profession": "medecin_generaliste",
        "rpps": rpps_number(77),
    }
    for char in BIDI_CONTROLS:
        name = f"Zoé{char}fdp.exe"
        for field in ("first_name", "last_name"):
            attempts = [
                ("/auth/patients", {**patient_body, "email": new_email("bidi"), field: name}, {}),
                ("/auth/practitioners", {**practitioner_body, field: name}, {}),
                (
                    "/invitations",
                    {"first_name": "A", "last_name": "B", "email": new_email(), field: name},
                    doctor.headers,
                ),
            ]
            for path, body, headers in attempts:
                r = client.post(path, json=body, headers=headers)
                assert r.status_code == 422 and r.json()["code"] == "invalid_input", (path, r.text)
                assert f"U+{ord(char):04X}" in r.json()["detail"] and "sens d'écriture" in r.json()["detail"]
            r = client.patch(f"/invitations/{inv['id']}", json={field: name}, headers=doctor.headers)
            assert r.status_code == 422 and "sens d'écriture" in r.json()["detail"], r.text
    listed = client.get("/invitations", headers=doctor.headers).json()["items"]
    assert [i["id"] for i in listed] == [inv["id"]] and listed[0]["first_name"] == "Hélène"
    # Letters of right-to-left scripts stay welcome: only the invisible controls are refused.
    assert (
        invite(client, doctor, email=new_email("rtl"), first_name="مريم", last_name="כהן").status_code == 201
    )


def _start(client: httpx.Client, **contact: str) -> httpx.Response:
    body = {"first_name": "Camille", "last_name": "Roux", "password": PASSWORD, **contact}
    return client.post("/auth/patients", json=body)


def test_sign_up_answers_the_same_whether_or_not_the_account_exists(
    server: LiveServer, client: httpx.Client, smtp: SmtpCapture, ovh: OvhFake
) -> None:
    """60 sign-ups once answered 409 for each address with an account: who is a patient leaked."""
    taken_email, taken_mobile = new_email("deja"), unique_mobile()
    owner = sign_up(client, email=taken_email, phone=national(taken_mobile))
    fresh_email, fresh_mobile = new_email("nouveau"), unique_mobile()
    answers = {
        name: _start(client, **contact)
        for name, contact in {
            "taken email": {"email": taken_email},
            "fresh email": {"email": fresh_email},
            "taken mobile": {"phone": national(taken_mobile)},
            "fresh mobile": {"phone": national(fresh_mobile)},
        }.items()
    }
    shapes = {name: (r.status_code, sorted(r.json()), r.json()["detail"]) for name, r in answers.items()}
    assert shapes["taken email"] == shapes["fresh email"], shapes
    assert shapes["taken mobile"] == shapes["fresh mobile"], shapes
    assert shapes["fresh email"][0] == 202 and "code" in shapes["fresh email"][2]
    # The owner is told, with the way to a new password, and gets no code.
    told = smtp.wait(taken_email, count=2)[1]
    assert "vous en avez déjà un" in told.text and "/mot-de-passe-oublie" in told.text
    assert not CODE.search(told.text)
    sms = json.loads(ovh.wait(taken_mobile)[0].raw_body)["message"]
    assert "déjà un compte" in sms and len(sms) <= 160
    for name in ("taken email", "taken mobile"):
        for guess in ("000000", "123456"):
            r = client.post(
                f"/auth/patients/{answers[name].json()['signup_id']}/confirm", json={"code": guess}
            )
            assert r.status_code == 422 and r.json()["code"] == "invalid_code", r.text
    login = {"role": "patient", "identifier": taken_email, "password": PASSWORD}
    assert client.post("/auth/login", json=login).json()["user"]["id"] == owner.id  # unchanged
    # A new address with someone else's mobile: the account gets the email only, and no error says why.
    joined = sign_up(client, email=new_email("autre"), phone=national(taken_mobile))
    assert joined.phone is None and joined.email is not None


def test_sign_up_is_rate_limited_per_address_and_per_contact(server: LiveServer, smtp: SmtpCapture) -> None:
    with unique_client(server) as client:
        for _ in range(20):
            assert _start(client, email=new_email("rafale")).status_code == 202
        blocked = _start(client, email=new_email("rafale"))
        assert blocked.status_code == 429 and "Réessayez dans une heure" in blocked.json()["detail"]
    email = new_email("harcele")
    for _ in range(5):
        with unique_client(server) as client:
            assert _start(client, email=email).status_code == 202
    with unique_client(server) as client:
        assert _start(client, email=email).status_code == 429  # someone's inbox is not flooded
    assert len(smtp.wait(email, count=5)) == 5


def test_a_sign_up_code_works_once_and_only_the_newest(
    server: LiveServer, client: httpx.Client, smtp: SmtpCapture
) -> None:
    email = new_email("deux-fois")
    first = _start(client, email=email).json()["signup_id"]
    first_code = signup_code(email, count=1)
    second = _start(client, email=email).json()["signup_id"]
    second_code = signup_code(email, count=2)
    old = client.post(f"/auth/patients/{first}/confirm", json={"code": first_code})
    assert old.status_code == 410 and old.json()["code"] == "code_expired", old.text
    done = client.post(f"/auth/patients/{second}/confirm", json={"code": second_code})
    assert done.status_code == 201 and done.json()["user"]["email"] == email, done.text
    again = client.post(f"/auth/patients/{second}/confirm", json={"code": second_code})
    assert again.status_code == 410
