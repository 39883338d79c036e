"""Abuse of the public forms (issue 11, section 3): codes that outlive their use, tokens throttled
without locking out the genuine link, secrets kept out of the logs."""

from __future__ import annotations

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
    unique_mobile,
    wait_until,
)
from tests.helpers.live_server import LiveServer, unique_client
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
    first_code = _code(smtp, email, 1)
    second = client.post("/auth/password-reset", json={"identifier": email}).json()["reset_id"]
    second_code = _code(smtp, email, 2)
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
        started = client.post("/auth/password-reset", json={"identifier": email})
        code = _code(smtp, email, 2)
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
