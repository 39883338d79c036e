"""Call signaling across two server processes (PostgreSQL + Redis): each participant on its own."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.helpers.live_server import run_in_thread
from tests.helpers.ws import RealtimeClient
from tests.server.calls.conftest import next_frame
from tests.server.test_scale_out import _setup_pair, two_processes

__all__ = ["two_processes"]  # the module-scoped fixture: two server processes


def test_signaling_and_presence_cross_processes(two_processes: tuple[str, str, str], tmp_path: Path) -> None:
    url_a, url_b, database_url = two_processes
    doctor_token, patient_token, conv, _ = run_in_thread(_setup_pair(database_url, tmp_path))
    ws_a = url_a.replace("http", "ws") + "/api/v1/ws"
    ws_b = url_b.replace("http", "ws") + "/api/v1/ws"
    with (
        RealtimeClient(ws_b, doctor_token) as doctor,
        httpx.Client(base_url=f"{url_a}/api/v1", timeout=30) as a,
    ):
        with RealtimeClient(ws_a, patient_token) as patient:
            r = a.post(f"/conversations/{conv}/calls", headers={"Authorization": f"Bearer {doctor_token}"})
            assert r.status_code == 201, r.text
            call_id = r.json()["id"]
            assert next_frame(doctor, "call.started")["data"]["call"]["id"] == call_id
            assert next_frame(patient, "call.started")["data"]["call"]["id"] == call_id
            patient.send({"type": "call.waiting", "conversation_id": conv})
            assert next_frame(doctor, "call.presence")["state"] == "waiting"
            patient.send({"type": "call.ready", "call_id": call_id, "peer": "page-1"})
            assert next_frame(doctor, "call.ready")["peer"] == "page-1"
            doctor.send({"type": "call.offer", "call_id": call_id, "session": "s1", "sdp": "v=0\r\n"})
            assert next_frame(patient, "call.offer")["from"] == "practitioner"
        # The patient's socket on A closed: the practitioner, on B, learns they left.
        assert next_frame(doctor, "call.presence")["state"] == "left"
        with RealtimeClient(ws_a, patient_token) as patient:
            doctor.send({"type": "call.hangup", "call_id": call_id, "reason": "hangup"})
            assert next_frame(patient, "call.hangup")["call_id"] == call_id
            assert next_frame(patient, "call.ended")["data"]["call"]["status"] == "ended"
            # A re-reads its cached route of the call every 2 s: from then on, it knows of the end
            # made on B and refuses the call's frames. Knock until it does.
            deadline = time.monotonic() + 10
            while True:
                patient.send({"type": "call.ready", "call_id": call_id, "peer": "page-2"})
                try:
                    refused = next_frame(patient, "error", timeout=0.25)
                    break
                except TimeoutError:
                    assert time.monotonic() < deadline, "process A still relays the ended call"
            assert refused["code"] == "call_ended"
