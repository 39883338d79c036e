"""A real SMTP server (aiosmtpd) for tests: records what it accepts, and can refuse or stall on demand.

`plan(address, "tempfail", "accept")` scripts the answers given to successive delivery attempts
for one recipient: `accept` (250), `tempfail` (451 at RCPT), `reject` (550 at RCPT), `stall`
(DATA never answered: the client must give up or die; nothing is recorded unless the message is
acknowledged). Optional STARTTLS with a throw-away certificate and AUTH LOGIN/PLAIN.
"""

from __future__ import annotations

import asyncio
import datetime
import email
import ipaddress
import re
import ssl
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.helpers.live_server import free_port

LINK = re.compile(r"https?://[^\s\"<>]+/i/([A-Za-z0-9_-]{43})")


@dataclass
class Received:
    message: EmailMessage
    rcpt: list[str]
    at: float  # time.monotonic() when acknowledged

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        assert part is not None
        return str(part.get_content())

    @property
    def token(self) -> str:
        found = LINK.search(self.text)
        assert found, "no invitation link in the email"
        return found.group(1)

    @property
    def link(self) -> str:
        found = LINK.search(self.text)
        assert found
        return found.group(0)


@dataclass
class _Handler:
    capture: SmtpCapture

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        action = self.capture._next_action(address)
        if action == "reject":
            return "550 5.1.1 Destinataire inconnu"
        if action == "tempfail":
            return "451 4.3.0 Réessayez plus tard"
        envelope.rcpt_tos.append(address)
        if action == "stall":
            envelope.stall = True
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if getattr(envelope, "stall", False):
            self.capture.stalled.set()
            # Never answered: the client times out, or dies; the connection's loss cancels us.
            await asyncio.sleep(3600)
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.capture._record(Received(message, list(envelope.rcpt_tos), time.monotonic()))
        return "250 2.0.0 Message accepté"


class SmtpCapture:
    def __init__(self, *, tls_dir: Path | None = None, users: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.stalled = threading.Event()
        self._cond = threading.Condition()
        self._received: list[Received] = []
        self._plans: dict[str, list[str]] = defaultdict(list)
        self._attempts: dict[str, int] = defaultdict(int)
        kwargs: dict[str, Any] = {}
        self.cert_file: Path | None = None
        if tls_dir is not None:
            self.cert_file, key_file = make_certificate(tls_dir)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(self.cert_file), str(key_file))
            kwargs.update(tls_context=context, require_starttls=True)
        if users is not None:

            def authenticate(
                server: Any, session: Any, envelope: Any, mechanism: str, data: Any
            ) -> AuthResult:
                ok = (
                    isinstance(data, LoginPassword)
                    and users.get(data.login.decode()) == data.password.decode()
                )
                # handled=False makes aiosmtpd answer 535 (with the default True the client hangs).
                return AuthResult(success=ok, handled=False)

            kwargs.update(authenticator=authenticate, auth_require_tls=tls_dir is not None)
        self._controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port, ready_timeout=10, **kwargs
        )

    def start(self) -> SmtpCapture:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    # ---------------------------------------------------------------- scripting
    def plan(self, address: str, *actions: str) -> None:
        with self._cond:
            self._plans[address.lower()].extend(actions)

    def _next_action(self, address: str) -> str:
        key = address.lower()
        with self._cond:
            self._attempts[key] += 1
            return self._plans[key].pop(0) if self._plans[key] else "accept"

    def _record(self, received: Received) -> None:
        with self._cond:
            self._received.append(received)
            self._cond.notify_all()

    # ---------------------------------------------------------------- reading
    def attempts(self, address: str) -> int:
        with self._cond:
            return self._attempts[address.lower()]

    def received(self, address: str) -> list[Received]:
        key = address.lower()
        with self._cond:
            return [r for r in self._received if key in (a.lower() for a in r.rcpt)]

    def wait(self, address: str, count: int = 1, timeout: float = 20) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [r for r in self._received if address.lower() in (a.lower() for a in r.rcpt)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(found)} of {count} emails to {address}")
                self._cond.wait(left)


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the test's own CA)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_file, key_file = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file
