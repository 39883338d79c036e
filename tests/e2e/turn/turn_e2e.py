"""Calls across the namespace topology: the patient behind a NAT, through coturn, on bad networks.

Run by tests/e2e/test_call_turn_netem.py in the practitioner's namespace (see conftest.py). The
patient is the real page in chromium (fake camera and microphone) in its own namespace; the
practitioner is the desktop's `CallService` and aiortc engine; the server is real, and so is
coturn, configured as docs/deploy.md says. The figures are printed (run with `-s` to see them;
the outer test prints them too).
"""

from __future__ import annotations

import asyncio
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
from tests.helpers.network_call import DesktopMeter, Sampler, desktop_pair, page_stats, video_back

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


#: Seconds of each phase in `make test` (the bench runs longer ones through `bad_network_run`).
WARMUP, WINDOW, OUTAGE = 6.0, 12.0, 5.0


async def bad_network_run(
    topology: Topology, server: LiveServer, browser: Any, *, warmup: float = WARMUP, window: float = WINDOW
) -> dict[str, Any]:
    """One call through the impaired link, a 5 s outage, then a new patient address: the figures."""
    conversation_id, desktop, page = await parties(server, topology, browser)
    qualities: list[str] = []
    desktop.service.stats_updated.connect(lambda stats: qualities.append(str(stats.quality)))
    try:
        call = await desktop.service.start(conversation_id)
        await page.page.get_by_text("Votre praticien vous attend").wait_for()
        await page.join()
        await media_both_ways(desktop, page)
        meter = DesktopMeter()
        meter.attach(call)
        sampler = Sampler(call, page, meter)
        origin = time.monotonic()
        sampler.start()
        ended: list[object] = []
        desktop.service.call_ended.connect(ended.append)

        topology.impair()  # 500 kbit/s, 3 % loss, 150 ms RTT
        await asyncio.sleep(warmup)  # a measurement window, not a synchronisation
        qualities.clear()
        start = time.monotonic()
        await asyncio.sleep(window)
        end = time.monotonic()
        impaired = {"desktop": meter.window(start, end), "page": sampler.page_window(start, end)}
        figure("impaired", impaired)
        page_quality = await page.page.evaluate("() => window.teleconsultCall.quality")
        desktop_qualities = list(qualities)

        topology.outage()
        await asyncio.sleep(OUTAGE)
        returned = time.monotonic()
        topology.impair()  # the network comes back as it was: impaired
        after_outage = await video_back(meter, page, returned, 20, stalled=True)
        figure("video_back_after_outage_s (desktop, page)", [round(v, 2) for v in after_outage])

        await media_both_ways(desktop, page)
        moved = time.monotonic()
        topology.move_patient()
        after_move = await video_back(meter, page, moved, 25, stalled=False)
        await media_both_ways(desktop, page)
        await sampler.stop()
        assert ended == [] and desktop.service.active is call  # the call never ended by itself
        assert call.engine.state is CallState.CONNECTED
        timeline = sampler.timeline(origin)
        await desktop.service.hang_up()
        return {
            "impaired": impaired,
            "desktop_quality": desktop_qualities,
            "page_quality": page_quality,
            "video_back_after_outage_s": after_outage,
            "video_back_after_move_s": after_move,
            "timeline": timeline,
            "problems": page.problems,
        }
    finally:
        await page.close()
        await desktop.close()


async def test_bad_network_then_outage_then_new_address(
    topology: Topology, tmp_path: Path, patient_browser: Any
) -> None:
    with serve(topology, tmp_path) as server:
        result = await bad_network_run(topology, server, patient_browser)
    for line in result["timeline"]:
        print(line)
    for side in ("desktop", "page"):
        figure(f"impaired_{side}", {k: round(v, 3) for k, v in result["impaired"][side].items()})
    figure("desktop_quality", result["desktop_quality"])
    figure("page_quality", result["page_quality"])
    figure("video_back_after_outage_s", [round(v, 2) for v in result["video_back_after_outage_s"]])
    figure("video_back_after_move_s", [round(v, 2) for v in result["video_back_after_move_s"]])
    assert result["problems"] == []
