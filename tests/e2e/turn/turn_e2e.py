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
from tests.helpers.call_browser import until
from tests.helpers.netns_topology import Topology
from tests.helpers.network_call import (
    bad_network_run,
    desktop_pair,
    media_both_ways,
    page_stats,
    parties,
    serve,
)

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]


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
            call = await desktop.service.start(conversation_id)
            await media_both_ways(desktop, page)
            timeline = call.engine.timeline
            ready_to_video = timeline["first_video"] - timeline["remote_ready"]
            figure("turn_ready_to_desktop_video_ms", round(ready_to_video * 1000))
            stats = await page_stats(page)
            assert stats is not None and stats["pair"] is not None, stats
            # coturn carried the call: a relay candidate (the page's or the desktop's) on each end.
            pair = (stats["pair"]["local"], stats["pair"]["remote"])
            assert "relay" in pair, pair
            assert "relay" in (desktop_pair(call) or ()), desktop_pair(call)
            # The page's connection got a relay of its own: fresh credentials, not the expired ones
            # (the connection it prepared in the waiting room, with the old ones, was not used).
            assert "relay" in stats["candidates"], stats["candidates"]
            assert "pooled" not in await page.timeline()
            figure("turn_pair_page", pair)
            assert topology.dropped_direct_packets() > 0  # direct checks were tried, and dropped
            assert call.engine.state is CallState.CONNECTED
            await desktop.service.hang_up()
            assert page.problems == []
        finally:
            await page.close()
            await desktop.close()


async def test_bad_network_then_outage_then_new_address(
    topology: Topology, tmp_path: Path, patient_browser: Any
) -> None:
    """500 kbit/s, 3 % loss, 150 ms RTT; a 5 s outage; a new patient address: the call goes on.

    Goals (docs/video.md, « Réseaux réels »): ≥ 15 fps at ≥ 320 px with freezes ≤ 2 % under the
    impaired link, video back ≤ 3 s after the network returns. What is asserted here is what
    holds on the shared 2-core CI machine (the figures are printed, `make bench` measures longer).
    """
    with serve(topology, tmp_path) as server:
        result = await bad_network_run(topology, server, patient_browser)
    for line in result["timeline"]:
        print(line)
    for side in ("desktop", "page"):
        figure(f"impaired_{side}", {k: round(v, 3) for k, v in result["impaired"][side].items()})
    figure("desktop_lip_sync", result["lip_sync"])
    figure("desktop_quality", result["desktop_quality"])
    figure("page_quality", result["page_quality"])
    outage, move = result["video_back_after_outage_s"], result["video_back_after_move_s"]
    figure("video_back_after_outage_s (desktop, page)", [round(v, 2) for v in outage])
    figure("video_back_after_move_s (desktop, page)", [round(v, 2) for v in move])
    for side in ("desktop", "page"):  # 17–27 fps measured; the goal's 15 is too close under CI load
        assert result["impaired"][side]["fps"] >= 10, result["impaired"]
    # Each side shows the link as it receives it: degraded under the impaired link (3 % loss sits
    # on the « fair » limit, so it may flicker), « poor » on both sides when nothing gets through.
    figure("outage_quality", result["outage_quality"])
    assert set(result["desktop_quality"]) & {"fair", "poor"}, result["desktop_quality"]
    assert "poor" in result["outage_quality"]["desktop"], result["outage_quality"]
    assert "poor" in result["outage_quality"]["page"], result["outage_quality"]
    assert result["page_quality_text"].startswith("Qualité de la liaison avec votre praticien : ")
    assert max(outage) <= 8, outage
    # The connection came back with the network: nothing renegotiated (it was: 3.5 s, now ~1 s).
    assert result["outage_same_connection"], "a new connection was made after a 5 s outage"
    assert max(move) <= 20, move  # before the page replaced its silent socket: never (> 25 s)
    assert result["problems"] == []
