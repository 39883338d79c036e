"""A local stand-in for the OVHcloud SMS API (pytest-httpserver), checking what a real one checks.

It answers `GET /1.0/auth/time` with a clock one hour ahead of ours (so a client that ignores
OVH's time signs with the wrong timestamp), verifies every `POST /1.0/sms/{service}/jobs`
signature exactly as OVH computes it, and records each request. `plan(number, "http500", "ok")`
scripts the answers to successive sends to one number: `ok`, `http400`, `http429`, `http500`,
`http503`, `invalid` (200 with the number in `invalidReceivers`).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from tests.helpers.live_server import free_port

APPLICATION_KEY = "ak-teleconsult-test"
APPLICATION_SECRET = "as-teleconsult-test-secret"
CONSUMER_KEY = "ck-teleconsult-test"
SERVICE = "sms-ab12345-1"
SENDER = "CABINET"
CLOCK_OFFSET = 3600  # OVH's clock is one hour ahead of ours, in this fake


@dataclass
class SmsRequest:
    url: str
    headers: dict[str, str]
    raw_body: str
    body: dict[str, Any]
    signature_ok: bool
    timestamp_skew: int  # the request's timestamp minus the fake's clock, in seconds
    answered: int


def expected_signature(method: str, url: str, body: str, timestamp: str) -> str:
    raw = "+".join([APPLICATION_SECRET, CONSUMER_KEY, method, url, body, timestamp])
    return "$1$" + hashlib.sha1(raw.encode("utf-8")).hexdigest()  # noqa: S324 - OVH's scheme


class OvhFake:
    def __init__(self) -> None:
        self.server = HTTPServer(host="127.0.0.1", port=free_port())
        self._cond = threading.Condition()
        self._plans: dict[str, list[str]] = defaultdict(list)
        self.requests: list[SmsRequest] = []
        self.time_requests = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/1.0"

    def settings(self) -> dict[str, object]:
        return {
            "sms_provider": "ovh",
            "sms_base_url": self.base_url,
            "sms_api_key": APPLICATION_KEY,
            "sms_api_secret": APPLICATION_SECRET,
            "sms_consumer_key": CONSUMER_KEY,
            "sms_account": SERVICE,
            "sms_sender": SENDER,
        }

    def start(self) -> OvhFake:
        self.server.start()
        self.server.expect_request("/1.0/auth/time", method="GET").respond_with_handler(self._time)
        self.server.expect_request(f"/1.0/sms/{SERVICE}/jobs", method="POST").respond_with_handler(self._jobs)
        return self

    def stop(self) -> None:
        self.server.clear()
        if self.server.is_running():
            self.server.stop()

    def plan(self, number: str, *actions: str) -> None:
        with self._cond:
            self._plans[number].extend(actions)

    def now(self) -> int:
        return int(time.time()) + CLOCK_OFFSET

    def _time(self, request: Request) -> Response:
        with self._cond:
            self.time_requests += 1
        return Response(str(self.now()), content_type="application/json")

    def _jobs(self, request: Request) -> Response:
        raw = request.get_data(as_text=True)
        headers = {k: v for k, v in request.headers.items()}
        timestamp = headers.get("X-Ovh-Timestamp", "0")
        signature_ok = (
            headers.get("X-Ovh-Application") == APPLICATION_KEY
            and headers.get("X-Ovh-Consumer") == CONSUMER_KEY
            and headers.get("X-Ovh-Signature") == expected_signature("POST", request.url, raw, timestamp)
        )
        try:
            body = json.loads(raw)
        except ValueError:
            body = {}
        skew = int(timestamp) - self.now() if timestamp.lstrip("-").isdigit() else 10**9
        receivers = body.get("receivers") or ["?"]
        with self._cond:
            action = self._plans[receivers[0]].pop(0) if self._plans[receivers[0]] else "ok"
        if not signature_ok or abs(skew) > 180:
            status, payload = 403, {"message": "Invalid signature", "errorCode": "INVALID_SIGNATURE"}
        elif action.startswith("http"):
            status = int(action[4:])
            payload = {"message": "Erreur simulée", "errorCode": "TEST"}
        elif action == "invalid":
            status = 200
            payload = {
                "ids": [],
                "invalidReceivers": receivers,
                "validReceivers": [],
                "totalCreditsRemoved": 0,
            }
        else:
            status = 200
            payload = {
                "ids": [len(self.requests) + 100000],
                "invalidReceivers": [],
                "validReceivers": receivers,
                "totalCreditsRemoved": 1,
            }
        with self._cond:
            self.requests.append(SmsRequest(request.url, headers, raw, body, signature_ok, skew, status))
            self._cond.notify_all()
        return Response(json.dumps(payload), status=status, content_type="application/json")

    def sent_to(self, number: str) -> list[SmsRequest]:
        with self._cond:
            return [r for r in self.requests if (r.body.get("receivers") or [None])[0] == number]

    def wait(self, number: str, count: int = 1, timeout: float = 20) -> list[SmsRequest]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [r for r in self.requests if (r.body.get("receivers") or [None])[0] == number]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(found)} of {count} SMS to {number}")
                self._cond.wait(left)
