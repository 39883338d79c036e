"""Identical invitations asked at once (double clicks, retries, a script) send one message, on both
databases: counted as the local SMTP server and the OVH stand-in receive them."""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.helpers.factories import Account, make_practitioner
from tests.helpers.invitation_env import invite, new_email, unique_mobile
from tests.helpers.live_server import LiveServer, run_in_thread
from tests.helpers.ovh_fake import OvhFake
from tests.helpers.smtp_capture import SmtpCapture

QUIET = 2.0  # seconds to wait for a message that must not come (the queue polls every 0.2 s)


def _ten_at_once(server: LiveServer, doctor: Account, **fields: str) -> list[httpx.Response]:
    """Ten identical POSTs within half a second: five together, then one every 0.1 s (while the
    first message is being sent: the case where each copy used to send its own)."""

    async def storm() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=10, max_keepalive_connections=10)
        async with httpx.AsyncClient(base_url=server.api, timeout=60, limits=limits) as client:
            body = {"first_name": "Hélène", "last_name": "Dupont", **fields}

            async def post(delay: float) -> httpx.Response:
                await asyncio.sleep(delay)
                return await client.post("/invitations", json=body, headers=doctor.headers)

            delays = [0.0] * 5 + [0.1 * i for i in range(1, 6)]
            return list(await asyncio.gather(*(post(d) for d in delays)))

    return run_in_thread(storm())


def test_ten_identical_invitations_at_once_send_one_email(
    server: LiveServer, client: httpx.Client, smtp: SmtpCapture
) -> None:
    doctor = make_practitioner(server)
    email = new_email()
    responses = _ten_at_once(server, doctor, email=email)
    smtp.wait(email, count=1)
    time.sleep(QUIET)
    assert len(smtp.received(email)) == 1
    # Every request is answered as the first was: the same invitation, created.
    assert [r.status_code for r in responses] == [201] * 10, [r.text for r in responses]
    assert {r.json()["outcome"] for r in responses} == {"created"}
    assert len({r.json()["invitation"]["id"] for r in responses}) == 1
    assert len(client.get("/invitations", headers=doctor.headers).json()["items"]) == 1


def test_ten_identical_sms_invitations_at_once_send_one_sms(
    server: LiveServer, client: httpx.Client, ovh: OvhFake
) -> None:
    doctor = make_practitioner(server)
    mobile = unique_mobile()
    responses = _ten_at_once(server, doctor, phone=mobile)
    ovh.wait(mobile, count=1)
    time.sleep(QUIET)
    assert len(ovh.wait(mobile, count=1)) == 1
    assert {r.status_code for r in responses} == {201}


def test_an_invitation_changed_or_resent_is_sent_again(
    server: LiveServer, client: httpx.Client, smtp: SmtpCapture
) -> None:
    """Only the same request is merged: a correction, or « Renvoyer », still sends a new message."""
    doctor = make_practitioner(server)
    email = new_email()
    first = invite(client, doctor, email=email)
    smtp.wait(email)
    assert invite(client, doctor, email=email).json()["outcome"] == "created"  # the same: merged
    changed = invite(client, doctor, email=email, first_name="Héléna")
    assert changed.status_code == 200 and changed.json()["outcome"] == "updated"
    smtp.wait(email, count=2)
    invitation_id = first.json()["invitation"]["id"]
    assert client.post(f"/invitations/{invitation_id}/resend", headers=doctor.headers).status_code == 200
    smtp.wait(email, count=3)
    time.sleep(QUIET)
    assert len(smtp.received(email)) == 3
