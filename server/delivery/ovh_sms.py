"""`OvhSmsGateway`: SMS through the OVHcloud API (`POST /sms/{service}/jobs`), signed requests.

Every call carries the application key, the consumer key, a timestamp on OVH's clock and
`X-Ovh-Signature = "$1$" + sha1(AS + "+" + CK + "+" + METHOD + "+" + URL + "+" + BODY + "+" + TS)`.
The offset between our clock and OVH's comes from `GET /auth/time` (unsigned), fetched once and
again after a refused signature, so a drifting server clock does not break sending.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx

from server.delivery.ports import (
    PROVIDER_AUTH,
    PROVIDER_REJECTED,
    PROVIDER_UNAVAILABLE,
    RECIPIENT_REFUSED,
    DeliveryError,
    OutgoingSms,
)
from server.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://eu.api.ovh.com/1.0"


def ovh_signature(
    application_secret: str, consumer_key: str, method: str, url: str, body: str, timestamp: int
) -> str:
    """The `X-Ovh-Signature` header value of one request."""
    raw = "+".join([application_secret, consumer_key, method.upper(), url, body, str(timestamp)])
    return "$1$" + hashlib.sha1(raw.encode("utf-8")).hexdigest()  # noqa: S324 - OVH's scheme


class OvhSmsGateway:
    """Sends one SMS per job to one receiver; the sender name must be validated by OVH first."""

    def __init__(
        self,
        settings: Settings,
        *,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._base = (settings.sms_base_url or DEFAULT_BASE_URL).rstrip("/")
        self._application_key = settings.sms_api_key.get_secret_value()
        self._application_secret = settings.sms_api_secret.get_secret_value()
        self._consumer_key = settings.sms_consumer_key.get_secret_value()
        self._service = settings.sms_account
        self._sender = settings.sms_sender.strip()
        self._client = client or httpx.AsyncClient(timeout=httpx.Timeout(15.0, connect=5.0))
        self._clock = clock
        self._offset: int | None = None

    async def _timestamp(self) -> int:
        if self._offset is None:
            try:
                response = await self._client.get(f"{self._base}/auth/time")
                response.raise_for_status()
                self._offset = int(response.json()) - int(self._clock())
            except (httpx.HTTPError, ValueError, TypeError) as exc:
                raise DeliveryError(
                    PROVIDER_UNAVAILABLE, permanent=False, detail=f"ovh auth/time {type(exc).__name__}"
                ) from exc
        return int(self._clock()) + self._offset

    def payload(self, sms: OutgoingSms) -> dict[str, Any]:
        body: dict[str, Any] = {
            "receivers": [sms.to],
            "message": sms.text,
            "charset": "UTF-8",
            "coding": "7bit",  # our texts are GSM-7 only: one 160-character segment
            "noStopClause": True,  # transactional message, not marketing (no "STOP 36111")
            "priority": "high",
            "tag": "teleconsult",
        }
        if self._sender:
            body["sender"] = self._sender
        else:
            body["senderForResponse"] = True
        return body

    async def send(self, sms: OutgoingSms) -> str:
        url = f"{self._base}/sms/{self._service}/jobs"
        body = json.dumps(self.payload(sms), ensure_ascii=False, separators=(",", ":"))
        timestamp = await self._timestamp()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Ovh-Application": self._application_key,
            "X-Ovh-Consumer": self._consumer_key,
            "X-Ovh-Timestamp": str(timestamp),
            "X-Ovh-Signature": ovh_signature(
                self._application_secret, self._consumer_key, "POST", url, body, timestamp
            ),
        }
        try:
            response = await self._client.post(url, content=body.encode("utf-8"), headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(PROVIDER_UNAVAILABLE, permanent=False, detail=type(exc).__name__) from exc
        status = response.status_code
        if status in (401, 403):
            self._offset = None  # maybe our clock drifted: fetch OVH's time again next attempt
            raise DeliveryError(PROVIDER_AUTH, permanent=False, detail=f"ovh http {status}")
        if status == 429 or status >= 500:
            raise DeliveryError(PROVIDER_UNAVAILABLE, permanent=False, detail=f"ovh http {status}")
        if status >= 400:
            raise DeliveryError(PROVIDER_REJECTED, permanent=True, detail=f"ovh http {status}")
        try:
            result = response.json()
            ids = [str(i) for i in result.get("ids") or []]
            invalid = result.get("invalidReceivers") or []
        except (ValueError, AttributeError) as exc:
            raise DeliveryError(PROVIDER_UNAVAILABLE, permanent=False, detail="ovh bad json") from exc
        if sms.to in invalid or not ids:
            raise DeliveryError(RECIPIENT_REFUSED, permanent=True, detail="ovh invalid receiver")
        log.info("sms %s accepted by OVH as %s", sms.message_id, ids[0])
        return ids[0]

    async def close(self) -> None:
        await self._client.aclose()
