"""Invitation emails through a real SMTP server: content, retries, final failure, TLS, the outbox."""

from __future__ import annotations

import logging
import re
import stat
from pathlib import Path

import httpx
import pytest

from server.delivery.ports import PROVIDER_AUTH, PROVIDER_UNAVAILABLE, DeliveryError, OutgoingEmail
from server.delivery.smtp import SmtpMailer
from tests.conftest import base_settings
from tests.helpers.factories import make_practitioner
from tests.helpers.invitation_env import (
    delivery_settings,
    invitation_status,
    invite,
    new_email,
    socket_for,
    wait_until,
)
from tests.helpers.live_server import LiveServer, free_port, unique_client
from tests.helpers.smtp_capture import SmtpCapture


def test_the_email_is_french_names_the_practitioner_and_its_link_works(
    server: LiveServer, client: httpx.Client, smtp: SmtpCapture
) -> None:
    doctor = make_practitioner(server, first_name="Claire", last_name="Martin", city="Lyon")
    email = new_email()
    invite(client, doctor, first_name="Hélène", last_name="Dupont", email=email)
    mail = smtp.wait(email)[0]
    message = mail.message
    assert message["Subject"] == "Dr Claire Martin vous invite à échanger sur Teleconsult"
    assert message["From"] == "Teleconsult <invitations@cabinet.example.fr>"
    assert re.fullmatch(r"<invitation-[0-9a-f-]{36}@cabinet\.example\.fr>", message["Message-ID"].strip())
    assert message.get_content_type() == "multipart/alternative"
    for body in (mail.text, mail.html):
        assert "Bonjour" in body and "Hélène" in body and "Dupont" in body
        assert "Dr Claire Martin" in body and "Médecin généraliste, Lyon" in body
        assert "valable 15 jours" in body.replace("<strong>", "").replace("</strong>", "")
        assert mail.link in body
        assert "112" in body  # not for emergencies
    assert f'href="{mail.link}"' in mail.html
    assert mail.link.startswith(f"{server.url}/i/")
    page = httpx.get(mail.link, timeout=30)
    assert page.status_code == 200
    assert "Dr Claire Martin vous invite sur Teleconsult" in page.text
    assert 'value="Hélène"' in page.text and f'value="{email}"' in page.text


def test_temporary_smtp_failures_are_retried_and_the_email_arrives_once(
    server: LiveServer, client: httpx.Client, smtp: SmtpCapture
) -> None:
    doctor = make_practitioner(server)
    email = new_email()
    smtp.plan(email, "tempfail", "tempfail")
    inv = invite(client, doctor, email=email).json()["invitation"]
    smtp.wait(email)
    status = wait_until(lambda: (s := invitation_status(client, doctor, inv["id"]))["sent_at"] and s)
    assert status["status"] == "pending" and status["delivery_error"] is None
    assert smtp.attempts(email) == 3
    with pytest.raises(TimeoutError):
        smtp.wait(email, count=2, timeout=1.5)


def test_a_refused_address_fails_at_once_and_tells_the_practitioner(
    server: LiveServer, client: httpx.Client, smtp: SmtpCapture
) -> None:
    doctor = make_practitioner(server)
    email = new_email("inconnu")
    smtp.plan(email, "reject")
    with socket_for(server, client, doctor) as sock:
        inv = invite(client, doctor, email=email).json()["invitation"]
        created, failed = sock.events(2, event="invitation.updated")
    assert created["data"]["invitation"]["status"] == "pending"
    public = failed["data"]["invitation"]
    assert public["id"] == inv["id"]
    assert (public["status"], public["status_label"]) == ("delivery_failed", "Échec d'envoi")
    assert "refusée" in public["delivery_error"] and "corrigez" in public["delivery_error"]
    assert smtp.attempts(email) == 1
    assert (
        client.get("/invitations?status=delivery_failed", headers=doctor.headers).json()["items"][0]["id"]
        == inv["id"]
    )
    # Correcting the address sends again.
    fixed = new_email("corrige")
    assert (
        client.patch(f"/invitations/{inv['id']}", json={"email": fixed}, headers=doctor.headers).status_code
        == 200
    )
    smtp.wait(fixed)
    assert invitation_status(client, doctor, inv["id"])["status"] == "pending"


def test_an_unreachable_relay_gives_delivery_failed_after_the_last_attempt(
    tmp_path: Path, smtp: SmtpCapture
) -> None:
    dead_port = free_port()  # nothing listens there
    settings = delivery_settings(tmp_path, smtp, None, smtp_port=dead_port, delivery_max_attempts=3)
    with LiveServer(settings) as live, unique_client(live) as c:
        doctor = make_practitioner(live)
        with socket_for(live, c, doctor) as sock:
            inv = invite(c, doctor, email=new_email()).json()["invitation"]
            failed = sock.events(2, event="invitation.updated", timeout=30)[1]["data"]["invitation"]
        assert failed["id"] == inv["id"] and failed["status"] == "delivery_failed"
        assert "n'a pas répondu après 3 tentatives" in failed["delivery_error"]
        # Resend once the relay is back: a new attempt is queued.
        assert (
            c.post(f"/invitations/{inv['id']}/resend", headers=doctor.headers).json()["status"] == "pending"
        )


@pytest.mark.asyncio
async def test_smtp_mailer_with_starttls_and_login(tmp_path: Path) -> None:
    capture = SmtpCapture(tls_dir=tmp_path, users={"cabinet": "mot-de-passe-sûr"}).start()
    try:
        assert capture.cert_file is not None
        common = {
            "smtp_host": "127.0.0.1",
            "smtp_port": capture.port,
            "smtp_starttls": True,
            "smtp_username": "cabinet",
            "smtp_timeout_seconds": 5.0,
        }
        email = OutgoingEmail(
            to="helene@example.fr",
            subject="Sujet accentué é",
            text="Texte é",
            html="<p>é</p>",
            message_id="m-1",
        )
        good = base_settings(
            tmp_path, smtp_password="mot-de-passe-sûr", smtp_ca_file=capture.cert_file, **common
        )
        await SmtpMailer(good).send(email)
        assert capture.wait("helene@example.fr")[0].message["Subject"] == "Sujet accentué é"
        wrong = base_settings(tmp_path, smtp_password="faux", smtp_ca_file=capture.cert_file, **common)
        with pytest.raises(DeliveryError) as refused:
            await SmtpMailer(wrong).send(email)
        assert refused.value.reason == PROVIDER_AUTH and not refused.value.permanent
        untrusted = base_settings(tmp_path, smtp_password="mot-de-passe-sûr", **common)  # CA not given
        with pytest.raises(DeliveryError) as unverified:
            await SmtpMailer(untrusted).send(email)
        assert unverified.value.reason == PROVIDER_UNAVAILABLE
        assert len(capture.received("helene@example.fr")) == 1
    finally:
        capture.stop()


def test_without_smtp_the_outbox_keeps_the_email_and_logs_only_its_file_name(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with LiveServer(base_settings(tmp_path, delivery_poll_seconds=0.2)) as live, unique_client(live) as c:
        doctor = make_practitioner(live)
        email = new_email("sans-smtp")
        inv = invite(c, doctor, first_name="Zoé", last_name="Bernard", email=email).json()["invitation"]
        files = wait_until(lambda: list((tmp_path / "outbox").glob("*.eml")))
        assert len(files) == 1
        assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
        content = files[0].read_text(encoding="utf-8", errors="replace")
        token = re.search(r"/i/([A-Za-z0-9_-]{43})", content)
        assert token is not None and email in content
        wait_until(lambda: invitation_status(c, doctor, inv["id"])["sent_at"])
        assert c.post("/invitation-links/lookup", json={"token": token.group(1)}).json()["state"] == "valid"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert files[0].name in logged  # the operator can open the file and copy the link
    assert token.group(1) not in logged  # a link is a credential (issue 11)
    assert email not in logged and "Zoé" not in logged and "Bernard" not in logged
