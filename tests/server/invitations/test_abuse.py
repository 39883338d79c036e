"""Abuse of the public forms (issue 11, section 3): codes that outlive their use, tokens throttled
without locking out the genuine link, secrets kept out of the logs."""

from __future__ import annotations

import re

import httpx

from tests.helpers.invitation_env import new_email, sign_up
from tests.helpers.live_server import LiveServer
from tests.helpers.smtp_capture import SmtpCapture

CODE = re.compile(r"\b(\d{6})\b")
NEW_PASSWORD = "une-nouvelle-phrase-7"


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
