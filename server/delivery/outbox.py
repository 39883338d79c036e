"""`OutboxDelivery`: the default when no SMTP relay or SMS provider is configured.

Each message is written to a file in the outbox folder (an `.eml` any mail client opens, or a
`.sms.txt`), readable by the server's user only. The log line names the file, so a practitioner
who runs the server alone can open it and send the link by hand; it holds ids only, never a link
(a link is a credential), a code, a name, an address or a number.
"""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

from server.delivery.ports import OutgoingEmail, OutgoingSms
from server.delivery.smtp import build_message

log = logging.getLogger(__name__)


class OutboxDelivery:
    """Mailer and SmsGateway at once: both write to `folder`."""

    def __init__(self, folder: Path, sender: str) -> None:
        self.folder = folder
        self._sender = sender
        self._announced = False

    def _announce(self) -> None:
        if not self._announced:
            self._announced = True
            log.warning(
                "no SMTP relay or SMS provider configured for some messages: they are written to %s",
                self.folder,
            )

    def _write(self, name: str, data: bytes) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / name
        # 0o600: the files hold names and contacts of patients.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return path

    @staticmethod
    def _stamp() -> str:
        return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")

    async def send_email(self, email: OutgoingEmail) -> None:
        self._announce()
        data = bytes(build_message(email, self._sender))
        path = await asyncio.to_thread(self._write, f"{self._stamp()}-{email.message_id}.eml", data)
        log.info("outbox: email %s written to %s", email.message_id, path.name)

    async def send_sms(self, sms: OutgoingSms) -> str:
        self._announce()
        data = f"À : {sms.to}\n\n{sms.text}\n".encode()
        path = await asyncio.to_thread(self._write, f"{self._stamp()}-{sms.message_id}.sms.txt", data)
        log.info("outbox: sms %s written to %s", sms.message_id, path.name)
        return sms.message_id

    async def close(self) -> None:
        return None


class OutboxMailer:
    """The outbox seen through the Mailer port."""

    def __init__(self, outbox: OutboxDelivery) -> None:
        self.outbox = outbox

    async def send(self, email: OutgoingEmail) -> None:
        await self.outbox.send_email(email)

    async def close(self) -> None:
        return None


class OutboxSmsGateway:
    """The outbox seen through the SmsGateway port."""

    def __init__(self, outbox: OutboxDelivery) -> None:
        self.outbox = outbox

    async def send(self, sms: OutgoingSms) -> str:
        return await self.outbox.send_sms(sms)

    async def close(self) -> None:
        return None
