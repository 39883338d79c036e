"""End to end, inside a loopback-only network namespace: the patient's page in headless chromium
(fake camera and microphone) ↔ the desktop's call service and engine, through the real server.

Media is checked on both sides: decoded frames and their size and received audio from the
engine's sinks, and from the page's `getStats()` and `requestVideoFrameCallback` count.
"""

from __future__ import annotations

from typing import Any

import pytest

from contracts.wire.calls import CurrentCallPublic
from desktop.domain.call_state import CallState, EndReason
from desktop.video.adaptation import LADDER, scaled_size
from tests.helpers.call_browser import DesktopSide, PatientPage, screenshot_dir, session_user, until
from tests.helpers.factories import Account, make_conversation, make_patient, make_practitioner
from tests.helpers.live_server import LiveServer

pytestmark = [pytest.mark.asyncio, pytest.mark.browser]

FRAMES = 60  # two seconds at 30 fps


async def _parties(server: LiveServer, browser: Any) -> tuple[Account, str, DesktopSide, PatientPage]:
    doctor, patient = make_practitioner(server), make_patient(server)
    conversation_id = make_conversation(server, doctor, patient)
    desktop = await DesktopSide.connect(server.url, doctor.token)
    user = session_user(patient)
    page = await PatientPage.open(browser, server.url, conversation_id, patient.token, user)
    return patient, conversation_id, desktop, page


async def _media_both_ways(desktop: DesktopSide, page: PatientPage) -> dict[str, Any]:
    call = desktop.service.active
    assert call is not None
    base_video, base_audio = call.remote_video.frames, call.speaker.frames
    await until(
        lambda: (
            call.remote_video.frames >= base_video + FRAMES and call.speaker.frames >= base_audio + FRAMES
        ),
        30,
        "media from the page on the desktop",
    )
    stats = await page.wait_media(FRAMES, timeout=30)
    assert call.remote_video.size == (640, 480)  # the fake camera at the page's 480p request
    assert call.engine.state is CallState.CONNECTED
    return stats


async def test_call_both_ways_then_the_practitioner_hangs_up(call_server: LiveServer, browser: Any) -> None:
    _patient, conversation_id, desktop, page = await _parties(call_server, browser)
    try:
        call = await desktop.service.start(conversation_id)
        assert call.state is CallState.WAITING
        invite = page.page.get_by_text("Votre praticien vous attend")
        await invite.wait_for()
        await page.page.get_by_role("button", name="Rejoindre l'appel vidéo").click()
        stats = await _media_both_ways(desktop, page)
        # The page decodes the desktop's 640x480 test pattern (or a step down, when encoding on a
        # loaded machine cannot keep up: the adaptation is the product at work) and plays its tone.
        sent = (stats["video"]["frameWidth"], stats["video"]["frameHeight"])
        assert sent in {scaled_size(640, 480, h) for h in (480, *LADDER)}, sent
        assert stats["audio"]["totalSamplesReceived"] >= 48_000 or stats["audio"]["packetsReceived"] >= FRAMES
        assert (await page.timeline())["painted"] >= 30
        assert stats["sent"]["framesEncoded"] >= FRAMES
        # The pre-call check reached the practitioner before the call.
        precheck = desktop.service.prechecks[conversation_id]
        assert (precheck.camera, precheck.microphone, precheck.server, precheck.network) == ("ok",) * 4
        assert precheck.relay == "none" and precheck.browser.startswith("Chrome")
        assert await page.status_text() == "En appel avec votre praticien."
        if (folder := screenshot_dir()) is not None:
            painted = (await page.timeline())["painted"]
            fresh = "(n) => window.teleconsultCall.peer && window.teleconsultCall.peer.framesPainted > n"
            await page.page.wait_for_function(fresh, arg=painted + 10)  # a few fresh frames on screen
            await page.page.screenshot(path=str(folder / "call-patient.png"))
        await desktop.service.hang_up()
        assert call.engine.end_reason is EndReason.LOCAL_HANGUP
        await page.page.get_by_text("Votre praticien a raccroché. L'appel est terminé.").wait_for()
        assert (await page.stats())["state"] == "none"
        path = f"/conversations/{conversation_id}/calls/current"
        assert await desktop.api._model(CurrentCallPublic, "GET", path) == CurrentCallPublic(call=None)
        assert page.problems == []
    finally:
        await page.close()
        await desktop.close()


async def test_patient_waits_first_then_the_call_connects_and_the_patient_hangs_up(
    call_server: LiveServer, browser: Any
) -> None:
    _patient, conversation_id, desktop, page = await _parties(call_server, browser)
    try:
        await page.join()  # the camera button, before the practitioner is there
        await page.page.get_by_text("Vous êtes en salle d'attente").wait_for()
        await until(lambda: conversation_id in desktop.service.waiting, 10, "the waiting-room presence")
        assert desktop.notified == [
            ("Patient en salle d'attente", "Un patient vous attend pour la téléconsultation.")
        ]
        call = await desktop.service.start(conversation_id)
        await _media_both_ways(desktop, page)
        # The connection gathered while the patient waited answered the offer (no gathering then).
        assert "pooled" in await page.timeline()
        await page.page.get_by_role("button", name="Raccrocher").click()
        await until(lambda: desktop.service.active is None, 10, "the end of the call on the desktop")
        assert call.engine.end_reason is EndReason.REMOTE_HANGUP
        await page.page.get_by_text("Vous avez raccroché. L'appel est terminé.").wait_for()
        assert page.problems == []
    finally:
        await page.close()
        await desktop.close()


async def test_patient_reload_recovers_the_call(call_server: LiveServer, browser: Any) -> None:
    _patient, conversation_id, desktop, page = await _parties(call_server, browser)
    try:
        call = await desktop.service.start(conversation_id)
        await page.page.get_by_text("Votre praticien vous attend").wait_for()
        await page.join()
        await _media_both_ways(desktop, page)
        sessions = call.engine.timeline.get("offer_sent")
        await page.page.reload()
        await page.page.wait_for_function("() => window.teleconsultCall !== undefined")
        # The page rejoins on its own; the desktop offers again and media flows both ways.
        await _media_both_ways(desktop, page)
        assert call.engine.session is not None and not call.engine.session.id.endswith("-1")
        assert sessions is not None and desktop.service.active is call
        await desktop.service.hang_up()
        assert page.problems == []
    finally:
        await page.close()
        await desktop.close()
