"""`SmtpMailer`: emails through an SMTP relay with aiosmtplib (STARTTLS or TLS, optional login).

SMTP replies map onto the retry policy: 5xx on the recipient is permanent (bad address), any
4xx, a timeout or a refused connection is temporary (retried by the queue with backoff), and a
refused login (535) is a configuration problem reported as such.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

import aiosmtplib

from server.delivery.ports import (
    PROVIDER_AUTH,
    PROVIDER_REJECTED,
    PROVIDER_UNAVAILABLE,
    RECIPIENT_REFUSED,
    DeliveryError,
    OutgoingEmail,
)
from server.settings import Settings

log = logging.getLogger(__name__)


def build_message(email: OutgoingEmail, sender: str) -> EmailMessage:
    """The MIME message: text and HTML alternatives, UTF-8, a stable Message-ID."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = f"<{email.message_id}@{sender_domain(sender)}>"
    # Tells mail servers and autoresponders this is a transactional, automatic message.
    message["Auto-Submitted"] = "auto-generated"
    for name, value in email.headers.items():
        message[name] = value
    message.set_content(email.text, subtype="plain", charset="utf-8")
    message.add_alternative(email.html, subtype="html", charset="utf-8")
    return message


def sender_domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    try:
        return Address(addr_spec=address).domain or "teleconsult.invalid"
    except (ValueError, IndexError):
        return "teleconsult.invalid"


class SmtpMailer:
    """Sends each email over its own SMTP session (a relay may drop idle sessions anyway)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._tls_context: ssl.SSLContext | None = None
        if settings.smtp_ca_file is not None:
            self._tls_context = ssl.create_default_context(cafile=str(settings.smtp_ca_file))

    async def send(self, email: OutgoingEmail) -> None:
        s = self._settings
        message = build_message(email, s.smtp_from)
        client = aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username or None,
            password=s.smtp_password.get_secret_value() or None,
            use_tls=s.smtp_tls,
            start_tls=False if s.smtp_tls else s.smtp_starttls,
            tls_context=self._tls_context,
            timeout=s.smtp_timeout_seconds,
        )
        try:
            try:
                await client.connect()  # TLS and login, as configured
                await client.send_message(message)
            except BaseException:
                # Drop the connection: a polite QUIT to a stalled relay would hold a shutdown
                # (or a cancelled send) for the whole timeout.
                client.close()
                raise
            try:
                async with asyncio.timeout(2):
                    await client.quit()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                client.close()  # the message is accepted; a lost goodbye does not matter
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            permanent = all(500 <= c < 600 for c in codes)
            raise DeliveryError(
                RECIPIENT_REFUSED if permanent else PROVIDER_UNAVAILABLE,
                permanent=permanent,
                detail=f"smtp recipient refused {codes}",
            ) from exc
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(PROVIDER_AUTH, permanent=False, detail=f"smtp auth {exc.code}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                raise DeliveryError(
                    PROVIDER_REJECTED, permanent=True, detail=f"smtp reply {exc.code}"
                ) from exc
            raise DeliveryError(
                PROVIDER_UNAVAILABLE, permanent=False, detail=f"smtp reply {exc.code}"
            ) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise DeliveryError(PROVIDER_UNAVAILABLE, permanent=False, detail=type(exc).__name__) from exc
        log.info("email %s accepted by the SMTP relay", email.message_id)

    async def close(self) -> None:
        return None
