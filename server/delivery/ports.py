"""Ports of outgoing messages (email, SMS) and the error every adapter raises.

DeliveryError
    permanent=True   the recipient or the message is refused: retrying cannot help
    permanent=False  the provider is unreachable, busy or failing: retry later

The use-cases depend on these protocols only; `server.delivery.factory` picks the adapters
(SMTP, an SMS provider's HTTP API, or the local outbox folder) from the settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

# Reasons, mapped to French sentences for the practitioner by the domain.
RECIPIENT_REFUSED = "recipient_refused"  # bad address or number (permanent)
PROVIDER_UNAVAILABLE = "provider_unavailable"  # network, timeout, 4xx SMTP, HTTP 5xx/429
PROVIDER_AUTH = "provider_auth"  # the provider refuses our credentials (configuration)
PROVIDER_REJECTED = "provider_rejected"  # the provider refused the message itself


class DeliveryError(Exception):
    """A message could not be handed to the provider."""

    def __init__(self, reason: str, *, permanent: bool, detail: str = "") -> None:
        # `detail` is technical (status code, provider code): ids and codes only, never content.
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.permanent = permanent
        self.detail = detail[:200]


@dataclass(frozen=True)
class OutgoingEmail:
    """An email in text and HTML."""

    to: str
    subject: str
    text: str
    html: str
    message_id: str  # stable per delivery job, so a duplicate after a crash can be recognised
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OutgoingSms:
    """A short text (≤ 160 GSM-7 characters for one segment) to an E.164 mobile number."""

    to: str
    text: str
    message_id: str


class Mailer(Protocol):
    """Hands an email to a mail server (or writes it somewhere an operator can read it)."""

    async def send(self, email: OutgoingEmail) -> None:
        """Raises DeliveryError when the message was not accepted."""

    async def close(self) -> None:
        """Release connections; idempotent."""


class SmsGateway(Protocol):
    """Hands an SMS to a provider's HTTP API (or writes it to the outbox)."""

    async def send(self, sms: OutgoingSms) -> str:
        """The provider's id of the accepted message. Raises DeliveryError otherwise."""

    async def close(self) -> None:
        """Release connections; idempotent."""
