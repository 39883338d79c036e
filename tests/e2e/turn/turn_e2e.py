"""Calls across the namespace topology: the patient behind a NAT, through coturn, on bad networks.

Run by tests/e2e/test_call_turn_netem.py in the practitioner's namespace (see conftest.py). The
patient is the real page in chromium (fake camera and microphone) in its own namespace; the
practitioner is the desktop's `CallService` and aiortc engine; the server is real, and so is
coturn, configured as docs/deploy.md says. The figures are printed (run with `-s` to see them;
the outer test prints them too).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from desktop.domain.call_state import CallState
from tests.e2e.turn.conftest import serve
from tests.helpers.call_browser import DesktopSide, PatientPage, until
from tests.helpers.factories import make_conversation, make_patient, make_practitioner
from tests.helpers.live_server import LiveServer
from tests.helpers.netns_topology import Topology
from tests.helpers.network_call import desktop_pair, page_stats

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

FRAMES = 30


async def parties(
    server: LiveServer, topology: Topology, browser: Any
) -> tuple[str, DesktopSide, PatientPage]:
    doctor, patient = make_practitioner(server), make_patient(server)
    conversation_id = make_conversation(server, doctor, patient)
    desktop = await DesktopSide.connect(server.url, doctor.token)
    user = {
        "id": patient.id,
        "role": "patient",
        "first_name": patient.first_name,
        "last_name": patient.last_name,
    }
    page = await PatientPage.open(browser, topology.server_url, conversation_id, patient.token, user)
    return conversation_id, desktop, page


async def media_both_ways(desktop: DesktopSide, page: PatientPage, timeout: float = 30) -> None:
    call = desktop.service.active
    assert call is not None
    base_video, base_audio = call.remote_video.frames, call.speaker.frames
    await until(
        lambda: (
            call.remote_video.frames >= base_video + FRAMES and call.speaker.frames >= base_audio + FRAMES
        ),
        timeout,
        "media from the page on the desktop",
    )
    await page.wait_media(FRAMES, timeout=timeout)


def figure(name: str, value: object) -> None:
    print(f"FIGURE {name}: {value}", flush=True)


async def test_call_through_turn_with_credentials_expired_while_the_patient_waited(
    topology: Topology, tmp_path: Path, patient_browser: Any
) -> None:
    """Direct patient → practitioner traffic is dropped: the call can only go through coturn.

    The credentials the page got at its pre-call check expire (for coturn) 5 s later; the patient
    waits longer than that in the waiting room, so the call's connection must use fresh ones.
    """
    with serve(topology, tmp_path, credentials_last=5) as server:
        conversation_id, desktop, page = await parties(server, topology, patient_browser)
        try:
            await page.join()
            await page.page.get_by_text("Vous êtes en salle d'attente").wait_for()
            await until(lambda: conversation_id in desktop.service.prechecks, 10, "the pre-call check")
            assert desktop.service.prechecks[conversation_id].relay == "ok"  # coturn answered
            username = await page.page.evaluate("() => window.teleconsultCall.iceServers[0].username")
            expiry = int(username.split(":", 1)[0])
            await until(lambda: time.time() > expiry + 1, 10, "the pre-call credentials to expire")
            started = time.monotonic()
            call = await desktop.service.start(conversation_id)
            await media_both_ways(desktop, page)
            figure("turn_setup_ms", round((time.monotonic() - started) * 1000))
            figure(
                "engine_timeline", {k: round((v - started) * 1000) for k, v in call.engine.timeline.items()}
            )
            figure("page_timeline", await page.timeline())
            stats = await page_stats(page)
            assert stats is not None and stats["pair"] is not None, stats
            # coturn carried the call: a relay candidate (the page's or the desktop's) on each end.
            pair = (stats["pair"]["local"], stats["pair"]["remote"])
            assert "relay" in pair, pair
            assert "relay" in (desktop_pair(call) or ()), desktop_pair(call)
            # The page's connection got a relay of its own: fresh credentials, not the expired ones.
            assert "relay" in stats["candidates"], stats["candidates"]
            figure("turn_pair_page", pair)
            assert topology.dropped_direct_packets() > 0  # direct checks were tried, and dropped
            assert call.engine.state is CallState.CONNECTED
            await desktop.service.hang_up()
            assert page.problems == []
        finally:
            await page.close()
            await desktop.close()
