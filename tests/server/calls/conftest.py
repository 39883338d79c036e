"""Fixtures of the call tests: a practitioner, a patient, their conversation, and socket helpers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.helpers.factories import Account, make_conversation, make_patient, make_practitioner
from tests.helpers.live_server import LiveServer
from tests.helpers.ws import RealtimeClient


@dataclass
class CallParties:
    server: LiveServer
    doctor: Account
    patient: Account
    conversation_id: str

    def start(self, client: httpx.Client) -> dict[str, Any]:
        r = client.post(f"/conversations/{self.conversation_id}/calls", headers=self.doctor.headers)
        assert r.status_code in (200, 201), r.text
        call: dict[str, Any] = r.json()
        return call

    def socket(self, who: Account) -> RealtimeClient:
        return RealtimeClient(self.server.ws_url, who.token)


@pytest.fixture
def parties(live_server: LiveServer) -> CallParties:
    doctor, patient = make_practitioner(live_server), make_patient(live_server)
    return CallParties(live_server, doctor, patient, make_conversation(live_server, doctor, patient))


@pytest.fixture
def client(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.api, timeout=30) as c:
        yield c


def next_frame(sock: RealtimeClient, kind: str, timeout: float = 10) -> dict[str, Any]:
    """The next frame of type `kind` (events are matched on their event name), skipping others."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no {kind} frame")
        frame = sock.recv(timeout=left)
        if frame.get("type") == kind or (frame.get("type") == "event" and frame.get("event") == kind):
            return frame
