"""End to end, inside a loopback-only network namespace: the patient's page in headless Firefox ESR
(fake camera and microphone, WebDriver BiDi) ↔ the desktop's call service and engine, through the
real server. The same checks as the Chromium tests (call_e2e.py): video and sound both ways, hang-up
from either side, a reload rejoins, the pre-call check reaches the practitioner; and the codec both
sides decode (Firefox offers no H264 here: VP8).

Started by tests/e2e/test_call_netns.py (its INNER list), one Firefox at a time.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from contracts.wire.calls import CurrentCallPublic
from desktop.domain.call_state import CallState, EndReason
from tests.helpers.call_browser import DesktopSide, session_user, until
from tests.helpers.factories import make_conversation, make_patient, make_practitioner
from tests.helpers.firefox_bidi import Firefox, FirefoxTab, open_patient_tab
from tests.helpers.live_server import LiveServer

# One Firefox for the module (its start is most of a test's time), a fresh tab per test.
pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.browser]

FRAMES = 60  # two seconds at 30 fps
ENDED = "L'appel est terminé."


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def firefox() -> AsyncIterator[Firefox]:
    browser = await Firefox.launch()
    try:
        yield browser
    finally:
        await browser.close()


class FirefoxPatient:
    """The patient's conversation page in a Firefox tab, signed in through its session storage."""

    def __init__(self, tab: FirefoxTab) -> None:
        self.tab = tab

    @classmethod
    async def open(
        cls, firefox: Firefox, base_url: str, conversation_id: str, token: str, user: dict[str, str]
    ) -> FirefoxPatient:
        tab = await open_patient_tab(firefox, base_url, conversation_id, token, user)
        return cls(tab)

    async def join(self) -> None:
        await self.tab.click("Appel vidéo")

    async def stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = await self.tab.evaluate("window.teleconsultCall.stats()")
        return stats

    async def sent(self, kind: str) -> list[dict[str, Any]]:
        frames: list[dict[str, Any]] = await self.tab.evaluate("window.__sent")
        return [frame for frame in frames if frame.get("type") == kind]

    async def wait_media(self, frames: int, timeout: float = 30) -> dict[str, Any]:
        check = (
            f"window.teleconsultCall.stats().then((s) => ((s.video.framesDecoded || 0) >= {frames}"
            f" && (s.audio.packetsReceived || 0) >= {frames}) ? s : null)"
        )
        stats: dict[str, Any] = await self.tab.wait_for(check, timeout, "media on the Firefox page")
        return stats

    async def answer_codec(self) -> str:
        sdp: str = await self.tab.evaluate("window.teleconsultCall.peer.pc.localDescription.sdp")
        video = sdp[sdp.index("m=video") :]
        first = video.split()[3]  # m=video <port> <proto> <first payload type>
        match = re.search(rf"a=rtpmap:{first} ([\w-]+)/", video)
        assert match is not None, video
        return match.group(1)


async def _parties(server: LiveServer, firefox: Firefox) -> tuple[str, DesktopSide, FirefoxPatient]:
    doctor, patient = make_practitioner(server), make_patient(server)
    conversation_id = make_conversation(server, doctor, patient)
    desktop = await DesktopSide.connect(server.url, doctor.token)
    user = session_user(patient)
    page = await FirefoxPatient.open(firefox, server.url, conversation_id, patient.token, user)
    return conversation_id, desktop, page


async def _media_both_ways(desktop: DesktopSide, page: FirefoxPatient) -> dict[str, Any]:
    call = desktop.service.active
    assert call is not None
    base_video, base_audio = call.remote_video.frames, call.speaker.frames
    await until(
        lambda: (
            call.remote_video.frames >= base_video + FRAMES and call.speaker.frames >= base_audio + FRAMES
        ),
        30,
        "media from the Firefox page on the desktop",
    )
    stats = await page.wait_media(FRAMES)
    assert call.remote_video.size == (640, 480)  # Firefox's fake camera at the page's 480p request
    assert call.engine.state is CallState.CONNECTED
    # A codec both sides decode: VP8 (Firefox offers no H264 here; our offer puts VP8 first).
    assert call.engine.session is not None and call.engine.session.video_codec == "VP8"
    assert await page.answer_codec() == "VP8"
    return stats


async def test_firefox_call_both_ways_then_the_practitioner_hangs_up_and_calls_again(
    call_server: LiveServer, firefox: Firefox
) -> None:
    conversation_id, desktop, page = await _parties(call_server, firefox)
    tab = page.tab
    try:
        call = await desktop.service.start(conversation_id)
        await tab.wait_text("Votre praticien vous attend")
        await tab.click("Rejoindre l'appel vidéo")
        stats = await _media_both_ways(desktop, page)
        assert (stats["video"]["frameWidth"], stats["video"]["frameHeight"]) in {
            (640, 480),
            (480, 360),
            (320, 240),
        }
        assert stats["sent"]["framesEncoded"] >= FRAMES
        precheck = desktop.service.prechecks[conversation_id]
        assert (precheck.camera, precheck.microphone, precheck.server, precheck.network) == ("ok",) * 4
        assert precheck.relay == "none" and precheck.browser.startswith("Firefox")
        assert await tab.evaluate("document.querySelector('.call-status').textContent") == (
            "En appel avec votre praticien."
        )
        # Firefox ends its candidates with "" then null: one end-of-candidates per session.
        candidates = await page.sent("call.candidate")
        assert len([c for c in candidates if c["candidate"] is None]) == 1, candidates
        assert len(await page.sent("call.ready")) == 1
        await desktop.service.hang_up()
        assert call.engine.end_reason is EndReason.LOCAL_HANGUP
        await tab.wait_text("Votre praticien a raccroché. L'appel est terminé.")
        assert (await page.stats())["state"] == "none"
        path = f"/conversations/{conversation_id}/calls/current"
        assert await desktop.api._model(CurrentCallPublic, "GET", path) == CurrentCallPublic(call=None)
        # The next call's invitation replaces the old « L'appel est terminé » panel.
        await desktop.service.start(conversation_id)
        await tab.wait_text("Votre praticien vous attend")
        assert not await tab.text_visible(ENDED)
        await desktop.service.hang_up()
        assert tab.problems == []
    finally:
        await tab.close()
        await desktop.close()


async def test_firefox_patient_waits_first_then_hangs_up(call_server: LiveServer, firefox: Firefox) -> None:
    conversation_id, desktop, page = await _parties(call_server, firefox)
    tab = page.tab
    try:
        await page.join()
        await tab.wait_text("Vous êtes en salle d'attente")
        await until(lambda: conversation_id in desktop.service.waiting, 10, "the waiting-room presence")
        call = await desktop.service.start(conversation_id)
        await _media_both_ways(desktop, page)
        # The call's start (event) and the practitioner's own `call.ready` both reach the page:
        # it says `call.ready` once.
        assert len(await page.sent("call.ready")) == 1, await page.sent("call.ready")
        await tab.click("Raccrocher")
        await until(lambda: desktop.service.active is None, 10, "the end of the call on the desktop")
        assert call.engine.end_reason is EndReason.REMOTE_HANGUP
        await tab.wait_text("Vous avez raccroché. L'appel est terminé.")
        assert tab.problems == []
    finally:
        await tab.close()
        await desktop.close()


async def test_firefox_reload_rejoins_the_call(call_server: LiveServer, firefox: Firefox) -> None:
    conversation_id, desktop, page = await _parties(call_server, firefox)
    tab = page.tab
    try:
        call = await desktop.service.start(conversation_id)
        await tab.wait_text("Votre praticien vous attend")
        await page.join()
        await _media_both_ways(desktop, page)
        first = call.engine.session
        await tab.reload()
        await tab.wait_for("window.teleconsultCall !== undefined")
        # The page rejoins on its own (one `call.ready`); the desktop offers again; media both ways.
        await _media_both_ways(desktop, page)
        assert call.engine.session is not None and call.engine.session is not first
        assert desktop.service.active is call
        assert len(await page.sent("call.ready")) == 1, await page.sent("call.ready")
        await desktop.service.hang_up()
        await tab.wait_text("Votre praticien a raccroché. L'appel est terminé.")
        assert tab.problems == []
    finally:
        await tab.close()
        await desktop.close()


async def test_firefox_waiting_patient_says_ready_itself_when_the_practitioners_is_lost(
    call_server: LiveServer, firefox: Firefox
) -> None:
    conversation_id, desktop, page = await _parties(call_server, firefox)
    tab = page.tab
    try:
        await page.join()
        await tab.wait_text("Vous êtes en salle d'attente")
        await until(lambda: conversation_id in desktop.service.waiting, 10, "the waiting-room presence")
        # The practitioner's `call.ready` never reaches the page (as when the call's start event is
        # replayed after a reconnection): the page must say `call.ready` on its own, once.
        await tab.evaluate("window.teleconsultCall.realtime.frameHandlers.set('call.ready', () => {}) || 1")
        await desktop.service.start(conversation_id)
        await _media_both_ways(desktop, page)
        assert len(await page.sent("call.ready")) == 1, await page.sent("call.ready")
        await desktop.service.hang_up()
        assert tab.problems == []
    finally:
        await tab.close()
        await desktop.close()
