"""Video bench with chromium, run by bench/video.py inside a loopback-only network namespace.

Through one real server process (relay and patient pages), with Debian chromium's fake camera and
microphone (VP8, 640x480 asked):

- desktop ↔ chromium: the desktop's `CallService` and engine in this process, the patient's real
  page in chromium;
- chromium ↔ chromium, the browser-native baseline: the same patient page answering, and a second
  browser context offering with the same page code (`call_peer.js`, `realtime.js`) over the same
  relay, with the practitioner's account;
- desktop ↔ Firefox ESR (WebDriver BiDi, tests/helpers/firefox_bidi.py): the same desktop side,
  the patient's page in Firefox (VP8: Firefox has no H264 here), interleaved with the two above;
- CPU of this process (the desktop side: capture stand-in, VP8 encode and decode, Opus, RTP) per
  second of call with chromium at 480p and 720p.

Time to first frame follows baseline-chromium-webrtc.md: t0 = the offerer learning that the patient
is ready (it offers at once), then the first decoded frame on each side (the engine's first
`recv()`; in a page, rVFC's receiveTime + processingDuration), "both" = the later one. The offerer
is there first (0.5 s), as the practitioner is. Prints one JSON object per line.

Run: `unshare -n sh -c 'ip link set lo up && exec python -m bench._video_browser'`.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench._server import ServerProcess, percentile
from desktop.services.call_media import synthetic_media
from server.accounts.service import NewPatient, NewPractitioner
from tests.helpers.call_browser import DesktopSide, PatientPage, launch_chromium, loopback_ice, until
from tests.helpers.factories import PASSWORD, rpps_number, unique_email
from tests.helpers.firefox_bidi import FIREFOX, Firefox, open_patient_tab

RUNS = int(os.environ.get("TELECONSULT_BENCH_RUNS", "10"))
CPU_WARMUP_S = 2.0
CPU_WINDOW_S = 10.0

OFFERER_SETUP = """async ({ userId, width, height }) => {
  const { Realtime } = await import("/static/js/realtime.js");
  const { CallPeer } = await import("/static/js/call_peer.js");
  const video = document.createElement("video");
  video.autoplay = true; video.playsInline = true; video.muted = true;
  document.body.append(video);
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: true, video: { width: { ideal: width }, height: { ideal: height }, frameRate: { ideal: 30 } } });
  const bench = { peer: null, t0: null, peers: new Set() };
  // No event history wanted (startSeq past the end): the server's `reset` must not reload the page.
  const realtime = new Realtime({
    userId, startSeq: 1e12, onEvent: () => {}, onStatus: () => {}, onReset: () => {} });
  const connected = new Promise((resolve) => { realtime.onStatus = (s) => s === "connected" && resolve(); });
  bench.setCall = (callId) => {
    bench.peer = new CallPeer({ callId, iceServers: [], send: (f) => realtime.send(f), remoteVideo: video });
    bench.peer.setLocalStream(stream);
  };
  realtime.onFrame("call.ready", (frame) => {
    if (!bench.peer || bench.peers.has(frame.peer)) return;
    bench.peers.add(frame.peer);
    if (bench.t0 === null) bench.t0 = performance.timeOrigin + performance.now();
    bench.peer.offer();
  });
  realtime.onFrame("call.answer", (f) => bench.peer && bench.peer.acceptAnswer(f.session, f.sdp));
  realtime.onFrame("call.candidate", (f) => bench.peer && bench.peer.addCandidate(f.session, f.candidate));
  window.bench = bench;
  realtime.start();
  await connected;
}"""


def epoch(monotonic_at: float) -> float:
    """A `time.monotonic()` instant as Unix time (seconds), to compare with the pages' clocks."""
    return time.time() - (time.monotonic() - monotonic_at)


async def _prepare(server: ServerProcess) -> dict[str, Any]:
    async def setup(runtime: Any) -> dict[str, Any]:
        accounts = runtime.services.accounts
        doctor = await accounts.create_practitioner(
            NewPractitioner(
                email=unique_email("bench"),
                password=PASSWORD,
                first_name="Claire",
                last_name="Martin",
                profession="medecin_generaliste",
                rpps=rpps_number(5150),
                plan="PRO+",
            )
        )
        patient = await accounts.create_patient(
            NewPatient(first_name="Hélène", last_name="Dupont", password=PASSWORD, email=unique_email("p"))
        )
        async with runtime.core.transaction() as tx:
            conv, _ = await runtime.services.conversations.ensure_conversation(tx, doctor.id, patient.id)
        return {
            "conversation_id": conv.id,
            "doctor": {"id": doctor.id, "token": await accounts.open_session(doctor.id)},
            "patient": {"id": patient.id, "token": await accounts.open_session(patient.id)},
        }

    parties: dict[str, Any] = await asyncio.to_thread(server.prepare, setup)
    return parties


def _user(user_id: str, role: str) -> dict[str, str]:
    return {"id": user_id, "role": role, "first_name": "Hélène", "last_name": "Dupont"}


async def _patient_page(
    browser: Any, server: ServerProcess, parties: dict[str, Any], video: int
) -> PatientPage:
    patient = parties["patient"]
    return await PatientPage.open(
        browser,
        server.url,
        parties["conversation_id"],
        patient["token"],
        _user(patient["id"], "patient"),
        video,
    )


async def _first_frame(page: PatientPage) -> float:
    await page.page.wait_for_function("() => window.teleconsultCall.timeline.first_frame !== undefined")
    return float((await page.timeline())["first_frame"]) / 1000


async def desktop_run(
    browser: Any, server: ServerProcess, parties: dict[str, Any], desktop: DesktopSide
) -> dict[str, float]:
    call = await desktop.service.start(parties["conversation_id"])
    await asyncio.sleep(0.5)  # the practitioner is there first
    page = await _patient_page(browser, server, parties, 480)
    try:
        await page.page.get_by_role("button", name="Rejoindre l'appel vidéo").click()
        patient_first = await _first_frame(page)
        await until(lambda: "first_video" in call.engine.timeline, 15, "the desktop's first frame")
        t0 = epoch(call.engine.timeline["remote_ready"])
        first = epoch(call.engine.timeline["first_video"])
        return {"practitioner": first - t0, "patient": patient_first - t0}
    finally:
        await desktop.service.hang_up()
        await page.close()


async def _desktop_call(browser: Any, server: ServerProcess, parties: dict[str, Any]) -> dict[str, float]:
    desktop = await DesktopSide.connect(server.url, parties["doctor"]["token"])
    try:
        return await desktop_run(browser, server, parties, desktop)
    finally:
        await desktop.close()


async def firefox_run(firefox: Firefox, server: ServerProcess, parties: dict[str, Any]) -> dict[str, float]:
    """Desktop engine (practitioner) ↔ the patient's page in Firefox."""
    desktop = await DesktopSide.connect(server.url, parties["doctor"]["token"])
    try:
        call = await desktop.service.start(parties["conversation_id"])
        await asyncio.sleep(0.5)  # the practitioner is there first
        patient = parties["patient"]
        user = _user(patient["id"], "patient")
        tab = await open_patient_tab(
            firefox, server.url, parties["conversation_id"], patient["token"], user, 480
        )
        try:
            await tab.click("Rejoindre l'appel vidéo")
            first = await tab.wait_for(
                "window.teleconsultCall.timeline.first_frame", 15, "Firefox's first frame"
            )
            await until(lambda: "first_video" in call.engine.timeline, 15, "the desktop's first frame")
            t0 = epoch(call.engine.timeline["remote_ready"])
            return {
                "practitioner": epoch(call.engine.timeline["first_video"]) - t0,
                "patient": float(first) / 1000 - t0,
            }
        finally:
            await desktop.service.hang_up()
            await tab.close()
    finally:
        await desktop.close()


async def browser_run(
    browser: Any, server: ServerProcess, parties: dict[str, Any], http: httpx.Client
) -> dict[str, float]:
    doctor = parties["doctor"]
    context = await browser.new_context(locale="fr-FR")
    session = json.dumps({"token": doctor["token"], "user": _user(doctor["id"], "practitioner")})
    await context.add_init_script(f"sessionStorage.setItem('teleconsult.session', {json.dumps(session)});")
    offerer = await context.new_page()
    await offerer.goto(f"{server.url}/aide")
    await offerer.evaluate(OFFERER_SETUP, {"userId": doctor["id"], "width": 640, "height": 480})
    headers = {"Authorization": f"Bearer {doctor['token']}"}
    call = (
        await asyncio.to_thread(
            http.post, f"/conversations/{parties['conversation_id']}/calls", headers=headers
        )
    ).json()
    await offerer.evaluate("(id) => window.bench.setCall(id)", call["id"])
    await asyncio.sleep(0.5)
    page = await _patient_page(browser, server, parties, 480)
    try:
        await page.page.get_by_role("button", name="Rejoindre l'appel vidéo").click()
        patient_first = await _first_frame(page)
        await offerer.wait_for_function("() => window.bench.peer.timeline.first_frame !== undefined")
        marks = await offerer.evaluate(
            "() => ({t0: window.bench.t0, first: window.bench.peer.timeline.first_frame})"
        )
        t0 = marks["t0"] / 1000
        return {"practitioner": marks["first"] / 1000 - t0, "patient": patient_first - t0}
    finally:
        await asyncio.to_thread(http.post, f"/calls/{call['id']}/end", headers=headers)
        await page.close()
        await context.close()


async def cpu_run(
    browser: Any, server: ServerProcess, parties: dict[str, Any], desktop: DesktopSide, label: str
) -> dict[str, Any]:
    call = await desktop.service.start(parties["conversation_id"])
    page = await _patient_page(browser, server, parties, 720 if label == "720p" else 480)
    try:
        await page.page.get_by_role("button", name="Rejoindre l'appel vidéo").click()
        await until(lambda: call.remote_video.frames > 0, 20, "media")
        await asyncio.sleep(CPU_WARMUP_S)
        frames, before, wall = call.remote_video.frames, os.times(), time.monotonic()
        await asyncio.sleep(CPU_WINDOW_S)
        after, elapsed = os.times(), time.monotonic() - wall
        stats = await page.stats()
        return {
            "cpu": 100 * (after.user + after.system - before.user - before.system) / elapsed,
            "fps": (call.remote_video.frames - frames) / elapsed,
            "received": call.remote_video.size,
            "sent": call.engine.media.sent_size,
            "page_decoded": f"{stats['video'].get('frameWidth')}x{stats['video'].get('frameHeight')}",
        }
    finally:
        await desktop.service.hang_up()
        await page.close()


def _ratio_rows(
    metric: str, runs: list[dict[str, float]], baseline: list[dict[str, float]]
) -> list[dict[str, object]]:
    """p50 and p95 of ready → video both ways, against the browser ↔ browser baseline of the run."""
    rows: list[dict[str, object]] = []
    for q in (50, 95):
        mine = percentile([1000 * max(r.values()) for r in runs], q)
        peer = percentile([1000 * max(r.values()) for r in baseline], q)
        rows.append(
            {
                "bench": "video",
                "metric": f"{metric}_p{q}_vs_chromium",
                "value": round(mine, 1),
                "unit": "ms",
                "peer": round(peer, 1),
                "ratio": round(mine / peer, 2) if peer else None,
                "goal": "ratio ≤ 1.0" + (", ≤ 300 ms" if q == 95 else ""),
                "n": len(runs),
            }
        )
    return rows


def _ttff_rows(name: str, runs: list[dict[str, float]], note: str) -> list[dict[str, Any]]:
    rows = []
    for side in ("practitioner", "patient", "both"):
        values = [1000 * (max(r["practitioner"], r["patient"]) if side == "both" else r[side]) for r in runs]
        for q in (50, 95):
            rows.append(
                {
                    "bench": "video",
                    "metric": f"{name}_ready_to_first_frame_{side}_p{q}",
                    "value": round(percentile(values, q), 1),
                    "unit": "ms",
                    "goal": 300 if q == 95 and name.startswith("desktop_") else None,
                    "n": len(values),
                    "note": note,
                }
            )
    rows[-1]["runs_ms"] = [round(1000 * max(r.values())) for r in runs]
    return rows


async def main() -> list[dict[str, Any]]:
    from playwright.async_api import async_playwright

    loopback_ice()
    server = ServerProcess()
    parties = await _prepare(server)
    server.start()
    rows: list[dict[str, Any]] = []
    desktop_size = {"480p": (640, 480), "720p": (1280, 720)}
    try:
        async with async_playwright() as playwright:
            browser = await launch_chromium(playwright)
            # Firefox's clock at full precision, so its first-frame instant compares with ours.
            firefox = (
                await Firefox.launch(prefs={"privacy.reduceTimerPrecision": False})
                if Path(FIREFOX).is_file()
                else None
            )
            try:
                with httpx.Client(base_url=f"{server.url}/api/v1", timeout=30) as http:
                    ours, baseline, with_firefox = [], [], []
                    # The first call of each kind pays one-time costs (codec libraries, chromium's
                    # first capture): measured and reported apart from the runs.
                    first_ours = await _desktop_call(browser, server, parties)
                    first_baseline = await browser_run(browser, server, parties, http)
                    first_firefox = await firefox_run(firefox, server, parties) if firefox else None
                    for _ in range(RUNS):  # interleaved, so all see the same machine
                        ours.append(await _desktop_call(browser, server, parties))
                        baseline.append(await browser_run(browser, server, parties, http))
                        if firefox is not None:
                            with_firefox.append(await firefox_run(firefox, server, parties))
            finally:
                if firefox is not None:
                    await firefox.close()
            firsts = [("desktop_chromium", first_ours), ("chromium_chromium", first_baseline)]
            if first_firefox is not None:
                firsts.append(("desktop_firefox", first_firefox))
            for name, first in firsts:
                rows.append(
                    {
                        "bench": "video",
                        "metric": f"{name}_first_call_ready_to_video_both_ways",
                        "value": round(1000 * max(first.values()), 1),
                        "unit": "ms",
                        "note": "first call of the process / browser (one-time costs), not in the runs",
                    }
                )
            rows += _ttff_rows(
                "desktop_chromium", ours, "desktop engine (practitioner) ↔ chromium (patient page)"
            )
            rows += _ttff_rows(
                "chromium_chromium", baseline, "baseline: chromium ↔ chromium, same page code and relay"
            )
            if with_firefox:
                rows += _ttff_rows(
                    "desktop_firefox",
                    with_firefox,
                    "desktop engine (practitioner) ↔ Firefox ESR (patient page)",
                )
                rows += _ratio_rows("firefox_ready_to_video_both_ways", with_firefox, baseline)
            else:
                rows.append(
                    {"bench": "video", "metric": "desktop_firefox", "error": f"{FIREFOX} introuvable"}
                )
            rows += _ratio_rows("ready_to_video_both_ways", ours, baseline)
            for label, goal in (("480p", 30), ("720p", 60)):
                size = desktop_size[label]
                desktop = await DesktopSide.connect(
                    server.url,
                    parties["doctor"]["token"],
                    media=lambda s=size: synthetic_media(*s, speaker=False),
                )
                try:
                    r = await cpu_run(browser, server, parties, desktop, label)
                finally:
                    await desktop.close()
                rows.append(
                    {
                        "bench": "video",
                        "metric": f"cpu_{label}_vp8_with_chromium",
                        "value": round(r["cpu"], 1),
                        "unit": "% of one core",
                        "goal": goal,
                        "received_fps": round(r["fps"], 1),
                        "sent": "x".join(map(str, r["sent"])) if r["sent"] else None,
                        "received": "x".join(map(str, r["received"])) if r["received"] else None,
                        "page_decoded": r["page_decoded"],
                        "note": "desktop process (engine + synthetic source, VP8 both ways, Opus) ↔ chromium",
                    }
                )
            await browser.close()
    finally:
        server.stop()
    return rows


if __name__ == "__main__":
    for row in asyncio.run(main()):
        print(json.dumps(row, ensure_ascii=False), flush=True)
    sys.exit(0)
