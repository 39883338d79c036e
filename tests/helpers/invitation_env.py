"""Helpers of the invitation tests: server settings with real delivery, and short API helpers."""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import update

from server.container import Services
from server.invitations.models import Invitation
from server.settings import Settings
from tests.conftest import base_settings
from tests.helpers.factories import PASSWORD, Account, unique_email
from tests.helpers.live_server import LiveServer
from tests.helpers.ovh_fake import OvhFake
from tests.helpers.smtp_capture import SmtpCapture
from tests.helpers.ws import RealtimeClient


def delivery_settings(tmp: Path, smtp: SmtpCapture, ovh: OvhFake | None, **overrides: Any) -> Settings:
    """A server that sends through the local SMTP server and OVH fake, retrying fast."""
    values: dict[str, Any] = {
        "allow_practitioner_signup": True,
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port,
        "smtp_starttls": False,
        "smtp_timeout_seconds": 5.0,
        "smtp_from": "Teleconsult <invitations@cabinet.example.fr>",
        "delivery_poll_seconds": 0.2,
        "delivery_retry_base_seconds": 0.2,
        "delivery_retry_max_seconds": 1.0,
        "delivery_max_attempts": 3,
        "delivery_lease_seconds": 10.0,
        **(ovh.settings() if ovh is not None else {}),
        **overrides,
    }
    return base_settings(tmp, **values)


def unique_mobile() -> str:
    """A valid French mobile number in E.164 (06 1x xx xx xx)."""
    return "+3361" + "".join(random.choice("0123456789") for _ in range(7))


def national(e164: str) -> str:
    """ "+33612345678" → "06 12 34 56 78"."""
    digits = "0" + e164[3:]
    return " ".join(digits[i : i + 2] for i in range(0, 10, 2))


def invite(client: httpx.Client, who: Account, **fields: Any) -> httpx.Response:
    body = {"first_name": "Hélène", "last_name": "Dupont", **fields}
    return client.post("/invitations", json=body, headers=who.headers)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# The capture servers of the invitation tests, registered by their fixtures: sign-up reads its code there.
INBOXES: dict[str, SmtpCapture | OvhFake] = {}
SIGNUP_CODE = re.compile(r"code[^0-9]{0,40}(\d{6})")


def _e164(phone: str) -> str:
    digits = re.sub(r"[^0-9+]", "", phone)
    return "+33" + digits[1:] if digits.startswith("0") else digits


def signup_code(email: str | None = None, phone: str | None = None, count: int = 1) -> str:
    """The code of the `count`-th sign-up message sent to `email` (or to `phone` by SMS)."""
    if email:
        smtp = INBOXES["smtp"]
        assert isinstance(smtp, SmtpCapture)
        text = smtp.wait(email, count=count)[count - 1].text
    else:
        ovh = INBOXES["ovh"]
        assert isinstance(ovh, OvhFake) and phone
        text = json.loads(ovh.wait(_e164(phone), count=count)[count - 1].raw_body)["message"]
    found = SIGNUP_CODE.search(text)
    assert found is not None, text
    return found.group(1)


def outbox_signup_code(outbox: Path, email: str, timeout: float = 15.0) -> str:
    """The code of the newest sign-up message to `email` that a server without a relay wrote to
    its outbox folder (the delivery runs after the answer: waited for)."""
    deadline = time.monotonic() + timeout
    while True:
        texts = [f.read_text() for f in sorted(outbox.iterdir())] if outbox.exists() else []
        codes = [m.group(1) for t in texts if email in t for m in [SIGNUP_CODE.search(t)] if m]
        if codes:
            return codes[-1]
        assert time.monotonic() < deadline, f"no sign-up code for {email} in {outbox}"
        time.sleep(0.05)


def sign_up(
    client: httpx.Client, email: str | None = None, phone: str | None = None, **names: str
) -> Account:
    """A patient account created through the public sign-up API, with the code it sends."""
    body = {
        "first_name": names.get("first_name", "Hélène"),
        "last_name": names.get("last_name", "Dupont"),
        "email": email,
        "phone": phone,
        "password": PASSWORD,
    }
    if email:
        smtp = INBOXES["smtp"]
        assert isinstance(smtp, SmtpCapture)
        before = len(smtp.received(email))
    else:
        ovh = INBOXES["ovh"]
        assert isinstance(ovh, OvhFake) and phone
        before = len(ovh.sent_to(_e164(phone)))
    started = client.post("/auth/patients", json=body)
    assert started.status_code == 202, started.text
    code = signup_code(email, phone, before + 1)
    r = client.post(f"/auth/patients/{started.json()['signup_id']}/confirm", json={"code": code})
    assert r.status_code == 201, r.text
    user = r.json()["user"]
    return Account(
        user["id"],
        "patient",
        user["email"],
        user["phone"],
        r.json()["token"],
        user["first_name"],
        user["last_name"],
    )


def new_email(prefix: str = "patient") -> str:
    return unique_email(prefix)


def socket_for(server: LiveServer, client: httpx.Client, account: Account) -> RealtimeClient:
    """A realtime socket that starts after every event the account already has."""
    seq = client.get("/me", headers=account.headers).json()["event_seq"]
    return RealtimeClient(server.ws_url, account.token, last_seq=seq)


def set_invitation(server: LiveServer, invitation_id: str, **values: datetime | str | None) -> None:
    """Change stored columns of an invitation (times, to simulate the passing days)."""

    async def change(services: Services) -> None:
        async with services.core.db.write() as session:
            await session.execute(update(Invitation).where(Invitation.id == invitation_id).values(**values))

    server.run(change)


def wait_until(check: Callable[[], Any], timeout: float = 20, every: float = 0.1) -> Any:
    """Poll `check` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(every)


def invitation_status(client: httpx.Client, who: Account, invitation_id: str) -> dict[str, Any]:
    r = client.get(f"/invitations/{invitation_id}", headers=who.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body
