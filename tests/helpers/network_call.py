"""A call through the namespace topology (tests/helpers/netns_topology.py), measured on both sides.

Shared by tests/e2e/turn/turn_e2e.py (the bounded test of `make test`) and bench/video_network.py
(the longer runs of `make bench`):

- `page_stats(page)`: the patient page's own `RTCPeerConnection.getStats()`: received video (fps,
  size, decoded frames, freezes and their total duration), received audio (samples and concealed
  samples) and the selected candidate pair (types, so « relay » proves TURN carried the call);
- `DesktopMeter`: what the practitioner's engine received, frame by frame (the remote video sink's
  listener, the speaker's writes): fps, height, freezes by WebRTC's definition (an inter-frame
  delay above max(3 × mean, mean + 150 ms)), audio duration, and how far the sound is from the
  lips (`sound_lag`: from the frames' RTP timestamps, against a clean-link period of the call);
- `Sampler`: both every 0.5 s, for the figures over time that the test and the bench print.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from contracts.clock import system_clock
from desktop.domain.call_state import CallState
from tests.conftest import base_settings
from tests.helpers.call_browser import CHROMIUM, CHROMIUM_ARGS, DesktopSide, PatientPage, session_user, until
from tests.helpers.clock import TestClock
from tests.helpers.factories import make_conversation, make_patient, make_practitioner
from tests.helpers.live_server import LiveServer
from tests.helpers.netns_topology import Topology

FRAMES = 30

PAGE_STATS = """async () => {
  const peer = window.teleconsultCall && window.teleconsultCall.peer;
  if (!peer || !peer.pc) return null;
  const report = await peer.pc.getStats();
  const out = {session: peer.session, state: peer.pc.connectionState, video: null, audio: null, pair: null,
               quality: window.teleconsultCall.quality || null};
  let pairId = null;
  report.forEach((s) => {
    if (s.type === "inbound-rtp" && s.kind === "video") {
      out.video = {fps: s.framesPerSecond || 0, width: s.frameWidth || 0, height: s.frameHeight || 0,
                   decoded: s.framesDecoded || 0, freezes: s.freezeCount || 0,
                   freezeSeconds: s.totalFreezesDuration || 0, lost: s.packetsLost || 0,
                   packets: s.packetsReceived || 0};
    } else if (s.type === "inbound-rtp" && s.kind === "audio") {
      out.audio = {samples: s.totalSamplesReceived || 0, concealed: s.concealedSamples || 0,
                   silent: s.silentConcealedSamples || 0};
    } else if (s.type === "local-candidate") {
      out.candidates = (out.candidates || []).concat([s.candidateType]);
    } else if (s.type === "transport" && s.selectedCandidatePairId) {
      pairId = s.selectedCandidatePairId;
    }
  });
  const pair = pairId && report.get(pairId);
  if (pair) {
    const local = report.get(pair.localCandidateId), remote = report.get(pair.remoteCandidateId);
    out.pair = {local: local && local.candidateType, remote: remote && remote.candidateType,
                localAddress: local && local.address, remoteAddress: remote && remote.address,
                rtt: pair.currentRoundTripTime || 0};
  }
  return out;
}"""


async def page_stats(page: PatientPage) -> dict[str, Any] | None:
    stats: dict[str, Any] | None = await page.page.evaluate(PAGE_STATS)
    return stats


def desktop_pair(call: Any) -> tuple[str, str] | None:
    """(local, remote) candidate types of the pair aioice nominated for the engine's connection."""
    session = call.engine.session
    if session is None:
        return None
    transport = session.pc.getTransceivers()[0].sender.transport
    connection = transport.transport._connection  # aioice.Connection behind RTCIceTransport
    nominated = getattr(connection, "_nominated", {})
    pair = nominated.get(1)
    if pair is None:
        return None
    return (pair.local_candidate.type, pair.remote_candidate.type)


RTP_WRAP = 2**32


@dataclass
class DesktopMeter:
    """Remote video frames and audio received by the practitioner's engine, with their times."""

    frames: list[tuple[float, int]] = field(default_factory=list)  # (monotonic, height)
    audio: list[float] = field(default_factory=list)  # monotonic of each 20 ms frame of sound written
    # (monotonic, capture time in s) of each frame shown and each frame of sound written, from their
    # RTP timestamps (each stream's own clock and origin: only differences over time mean anything)
    shown: list[tuple[float, float]] = field(default_factory=list)
    heard: list[tuple[float, float]] = field(default_factory=list)
    _origins: dict[str, int] = field(default_factory=dict)

    def attach(self, call: Any) -> None:
        sink = call.remote_video

        def on_frame() -> None:
            now = time.monotonic()
            frame = sink.latest
            self.frames.append((now, frame.height if frame is not None else 0))
            media = self._capture("video", frame)
            if media is not None:
                self.shown.append((now, media))

        sink.set_listener(on_frame)
        speaker = call.speaker
        write = speaker.write

        def on_audio(frame: Any) -> None:
            media = self._capture("audio", frame)  # before the speaker, which clears the timestamp
            if media is not None:  # the silence the lip sync inserts has none: not sound received
                now = time.monotonic()
                self.audio.append(now)
                self.heard.append((now, media))
            write(frame)

        speaker.write = on_audio

    def _capture(self, kind: str, frame: Any) -> float | None:
        if frame is None or frame.pts is None or frame.time_base is None:
            return None
        origin = self._origins.setdefault(kind, frame.pts)
        ticks = (frame.pts - origin + RTP_WRAP // 2) % RTP_WRAP - RTP_WRAP // 2  # across a wrap
        return float(ticks * frame.time_base)

    def sound_lag(self, clean: tuple[float, float], start: float, end: float) -> float | None:
        """How much later (s) the sound is heard than the picture of the same instant is shown,
        between `start` and `end`, compared with the `clean` period (same connection, clean link):
        positive, the sound lags the lips; negative, it runs ahead. Each stream's median of (time
        written or shown − capture time); the constant between the two RTP clocks, aiortc's audio
        prefetch (80 ms) and the speaker's buffer are in both periods and cancel out. None when a
        period has too few frames (or a new connection restarted the timestamps)."""

        def median(samples: list[tuple[float, float]], a: float, b: float) -> float | None:
            ages = sorted(at - media for at, media in samples if a <= at <= b)
            return ages[len(ages) // 2] if len(ages) >= 10 else None

        ages = [
            median(self.heard, start, end),
            median(self.shown, start, end),
            median(self.heard, *clean),
            median(self.shown, *clean),
        ]
        if any(age is None for age in ages):
            return None
        heard, shown, heard_clean, shown_clean = (age or 0.0 for age in ages)
        return (heard - shown) - (heard_clean - shown_clean)

    def last_frame_at(self) -> float:
        return self.frames[-1][0] if self.frames else 0.0

    def window(self, start: float, end: float) -> dict[str, float]:
        """fps, minimum and median height, freeze time (s and fraction), audio continuity."""
        times = [t for t, _ in self.frames if start <= t <= end]
        heights = sorted(h for t, h in self.frames if start <= t <= end)
        span = end - start
        freeze = _freeze_seconds([start, *times, end])
        audio = sum(1 for t in self.audio if start <= t <= end) * 0.020
        return {
            "fps": len(times) / span if span > 0 else 0.0,
            "height_min": float(heights[0]) if heights else 0.0,
            "height_median": float(heights[len(heights) // 2]) if heights else 0.0,
            "freeze_s": freeze,
            "freeze_fraction": freeze / span if span > 0 else 1.0,
            "audio_fraction": min(1.0, audio / span) if span > 0 else 0.0,
        }


def _freeze_seconds(times: list[float]) -> float:
    """Total time of freezes: inter-frame delays above max(3 × mean, mean + 150 ms) (as WebRTC)."""
    recent: deque[float] = deque(maxlen=30)
    frozen = 0.0
    for before, after in itertools.pairwise(times):
        delay = after - before
        mean = sum(recent) / len(recent) if recent else 1 / 30
        if delay > max(3 * mean, mean + 0.150):
            frozen += delay
        else:
            recent.append(delay)
    return frozen


@dataclass
class Sample:
    at: float
    desktop_frames: int
    desktop_height: int
    page: dict[str, Any] | None


class Sampler:
    """Both sides every `period` seconds while the call runs (a task of the test's loop)."""

    def __init__(self, call: Any, page: PatientPage, meter: DesktopMeter, period: float = 0.5) -> None:
        self.call, self.page, self.meter, self.period = call, page, meter, period
        self.samples: list[Sample] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        while True:
            stats = await page_stats(self.page)
            frames = self.meter.frames
            self.samples.append(Sample(time.monotonic(), len(frames), frames[-1][1] if frames else 0, stats))
            await asyncio.sleep(self.period)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def page_window(self, start: float, end: float) -> dict[str, float]:
        """The page's received video and audio between two instants (one peer connection)."""
        inside = [s for s in self.samples if start <= s.at <= end and s.page and s.page.get("video")]
        if len(inside) < 2:
            return {"fps": 0.0, "height_min": 0.0, "freeze_fraction": 1.0, "concealed_fraction": 1.0}
        first, last = inside[0].page, inside[-1].page
        assert first is not None and last is not None
        span = inside[-1].at - inside[0].at
        v0, v1 = first["video"], last["video"]
        a0, a1 = first.get("audio") or {}, last.get("audio") or {}
        samples = a1.get("samples", 0) - a0.get("samples", 0)
        concealed = a1.get("concealed", 0) - a0.get("concealed", 0)
        heights = [s.page["video"]["height"] for s in inside if s.page]
        return {
            "fps": (v1["decoded"] - v0["decoded"]) / span,
            "height_min": float(min(heights)),
            "height_median": float(sorted(heights)[len(heights) // 2]),
            "freeze_s": v1["freezeSeconds"] - v0["freezeSeconds"],
            "freeze_fraction": (v1["freezeSeconds"] - v0["freezeSeconds"]) / span,
            "concealed_fraction": concealed / samples if samples > 0 else 1.0,
        }

    def timeline(self, origin: float, every: float = 1.0) -> list[str]:
        """One line per `every` seconds: received fps and height on both sides."""
        lines = ["  t (s) | praticien reçoit : i/s, hauteur | patient reçoit : i/s, hauteur, gels"]
        previous: Sample | None = None
        for sample in self.samples:
            if previous is not None and sample.at - previous.at < every - 1e-3:
                continue
            if previous is not None:
                fps = (sample.desktop_frames - previous.desktop_frames) / (sample.at - previous.at)
                video = (sample.page or {}).get("video") or {}
                lines.append(
                    f"  {sample.at - origin:5.1f} | {fps:5.1f} i/s, {sample.desktop_height:4d} px"
                    f" | {video.get('fps', 0):5.1f} i/s, {video.get('height', 0):4d} px,"
                    f" {video.get('freezes', 0)} gels"
                )
            previous = sample
        return lines


GAP = 0.4  # seconds without a new frame: the picture froze


def _desktop_back(meter: DesktopMeter, since: float, stalled: bool) -> float | None:
    """The third frame after the first gap (≥ GAP) that ends after `since`, or None yet."""
    times = [t for t, _ in meter.frames]
    before = [t for t in times if t <= since]
    previous = since - GAP if stalled else (before[-1] if before else since - GAP)
    after = [t for t in times if t > since]
    for index, at in enumerate(after):
        if at - previous >= GAP and len(after) >= index + 3:
            return after[index + 2]
        previous = at
    return None


async def video_back(
    meter: DesktopMeter, page: PatientPage, since: float, timeout: float, *, stalled: bool
) -> tuple[float, float]:
    """Seconds after `since` until video comes back on the desktop and on the page.

    `stalled`: the video is already interrupted at `since` (the network returns after an outage);
    otherwise (an address change at `since`) frames still in flight arrive first, then the
    interruption, then the video back: what counts is the end of that interruption.
    """
    desktop_at: float | None = None
    page_at: float | None = None
    deadline = since + timeout
    first = await page_stats(page)
    session = (first or {}).get("session")
    decoded = ((first or {}).get("video") or {}).get("decoded", 0)
    changed_at = since - GAP if stalled else time.monotonic()  # when `decoded` last moved
    gap = stalled
    while desktop_at is None or page_at is None:
        now = time.monotonic()
        if now > deadline:
            raise AssertionError(
                f"video not back within {timeout} s (desktop: {desktop_at}, page: {page_at})"
            )
        if desktop_at is None:
            desktop_at = _desktop_back(meter, since, stalled)
        if page_at is None:
            stats = await page_stats(page)
            now = time.monotonic()
            count = ((stats or {}).get("video") or {}).get("decoded", 0)
            if stats is not None and stats.get("session") != session:
                session, decoded, gap = stats.get("session"), 0, True  # a new connection
            if count > decoded:
                if gap and count >= decoded + 3:
                    page_at = now
                elif not gap:
                    decoded, changed_at = count, now
            elif now - changed_at >= GAP:
                gap = True
        await asyncio.sleep(0.05)
    return desktop_at - since, page_at - since


@contextmanager
def serve(topology: Topology, folder: Path, credentials_last: float | None = None) -> Iterator[LiveServer]:
    """The server on the practitioner's address, handing out coturn credentials.

    `credentials_last`: seconds the TURN credentials stay valid for coturn (the server's clock is
    set back so that its 60 s minimum lifetime ends that soon), to prove they are refreshed.
    """
    clock: Any = system_clock
    ttl = 3600
    if credentials_last is not None:
        ttl = 60
        clock = TestClock(datetime.now(UTC) - timedelta(seconds=ttl - credentials_last))
    settings = base_settings(
        folder,
        port=topology.server_port,
        turn_urls=topology.turn_url,
        turn_secret=topology.secret,
        turn_ttl_seconds=ttl,
    )
    with LiveServer(settings, clock=clock, host="0.0.0.0") as server:
        yield server


@asynccontextmanager
async def patient_chromium(topology: Topology) -> AsyncIterator[Any]:
    """Chromium in the patient's namespace (the page reaches the server through the NAT)."""
    from playwright.async_api import async_playwright

    wrapper = topology.chromium_wrapper(CHROMIUM)
    args = [*CHROMIUM_ARGS, f"--unsafely-treat-insecure-origin-as-secure={topology.server_url}"]
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(wrapper), headless=True, args=args)
        try:
            yield chromium
        finally:
            await chromium.close()


async def parties(
    server: LiveServer, topology: Topology, browser: Any
) -> tuple[str, DesktopSide, PatientPage]:
    doctor, patient = make_practitioner(server), make_patient(server)
    conversation_id = make_conversation(server, doctor, patient)
    desktop = await DesktopSide.connect(server.url, doctor.token)
    user = session_user(patient)
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
        meter = DesktopMeter()
        meter.attach(call)
        attached = time.monotonic()
        await media_both_ways(desktop, page)  # on the clean link: the reference of `sound_lag`
        sampler = Sampler(call, page, meter)
        origin = time.monotonic()
        sampler.start()
        ended: list[object] = []
        desktop.service.call_ended.connect(ended.append)

        clean = (attached, time.monotonic())
        topology.impair()  # 500 kbit/s, 3 % loss, 150 ms RTT
        await asyncio.sleep(warmup)  # a measurement window, not a synchronisation
        qualities.clear()
        start = time.monotonic()
        await asyncio.sleep(window)
        end = time.monotonic()
        impaired = {"desktop": meter.window(start, end), "page": sampler.page_window(start, end)}
        sound_lag = meter.sound_lag(clean, start, end)
        session = call.engine.session
        sync = session.audio_sync if session is not None else None
        lip_sync = {
            "sound_lag_ms": None if sound_lag is None else round(sound_lag * 1000),
            "video_delay_ms": round(session.playout.delay_now() * 1000) if session and session.playout else 0,
            "sound_delay_ms": round(sync.delay * 1000) if sync else 0,
            "sound_own_lateness_ms": round(sync.lateness * 1000) if sync else 0,
            "silences_inserted": sync.inserts if sync else 0,
            "drops": sync.drops if sync else 0,
        }
        page_quality = [
            str(s.page.get("quality")) for s in sampler.samples if s.page and start <= s.at <= end
        ]
        desktop_qualities = list(qualities)
        quality_text = (
            await page.page.get_by_role("status").filter(has_text="Qualité de la liaison").inner_text()
        )

        qualities.clear()
        before_outage = call.engine.session
        cut = time.monotonic()
        topology.outage()
        await asyncio.sleep(OUTAGE)
        returned = time.monotonic()
        outage_quality = {
            "desktop": list(qualities),
            "page": [
                str(s.page.get("quality")) for s in sampler.samples if s.page and cut <= s.at <= returned
            ],
        }
        topology.impair()  # the network comes back as it was: impaired
        after_outage = await video_back(meter, page, returned, 20, stalled=True)
        same_connection = call.engine.session is before_outage

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
            "lip_sync": lip_sync,
            "desktop_quality": desktop_qualities,
            "page_quality": page_quality,
            "page_quality_text": quality_text,
            "outage_quality": outage_quality,
            "video_back_after_outage_s": after_outage,
            "outage_same_connection": same_connection,
            "video_back_after_move_s": after_move,
            "timeline": timeline,
            "problems": page.problems,
        }
    finally:
        await page.close()
        await desktop.close()


async def setup_time(server: LiveServer, topology: Topology, browser: Any) -> dict[str, Any]:
    """One call: ms from the practitioner's engine learning the patient is ready to video both ways.

    The patient joins first (waiting room), then the practitioner starts: the same instant as
    bench/video.py's t0. The page's first decoded frame (epoch ms) and the engine's (monotonic)
    are put on one clock. Returns the figure and the selected pair's candidate types.
    """
    conversation_id, desktop, page = await parties(server, topology, browser)
    try:
        await page.join()
        await page.page.get_by_text("Vous êtes en salle d'attente").wait_for()
        await until(lambda: conversation_id in desktop.service.waiting, 10, "the waiting room")
        call = await desktop.service.start(conversation_id)
        await media_both_ways(desktop, page)
        to_epoch = time.time() - time.monotonic()
        timeline = call.engine.timeline
        page_first = float((await page.timeline())["first_frame"]) / 1000
        ready = timeline["remote_ready"] + to_epoch
        desktop_first = timeline["first_video"] + to_epoch
        stats = await page_stats(page)
        pair = (stats or {}).get("pair") or {}
        await desktop.service.hang_up()
        return {
            "ms": (max(page_first, desktop_first) - ready) * 1000,
            "pair": (pair.get("local"), pair.get("remote")),
        }
    finally:
        await page.close()
        await desktop.close()
