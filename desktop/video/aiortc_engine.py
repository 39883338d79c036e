"""`AiortcCallEngine`: one teleconsultation call over aiortc, driven by signaling frames.

The practitioner's engine is the *offerer*; the patient's browser (or, in tests and benchmarks,
another engine) is the *answerer*. Both start by sending ``call.ready``; the offerer offers when
it learns the answerer's peer id, and offers again whenever that id changes (the patient reloaded
the page) or the recovery policy asks for it. The answerer answers every new session and asks for
one with ``call.renegotiate`` when its media stalls. See signaling.py for the frames.

Everything the engine does runs in tasks of its own `TaskRunner`: a reader of the signaling
channel, a 0.5 s monitor (recovery policy, statistics), and one *actor* that applies signals and
decisions one at a time, so the current peer connection is never touched by two coroutines at once.
A spare peer connection is created and its candidates gathered ahead of need (while waiting for
the patient, and once connected), so a first offer or a renegotiation does not wait for ICE
gathering, and an unreachable STUN/TURN server costs nothing on the critical path.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from desktop.domain.call_state import CallState, EndReason
from desktop.kernel.tasks import TaskRunner
from desktop.video import ice
from desktop.video.adaptation import ResolutionController
from desktop.video.engine import CallOptions, Role
from desktop.video.errors import DeviceError, SignalingError
from desktop.video.peer import PeerSession
from desktop.video.recovery import Decision, RecoveryPolicy
from desktop.video.signaling import (
    Answer,
    Candidate,
    Hangup,
    Offer,
    Ready,
    Renegotiate,
    Signal,
    SignalingChannel,
    parse_frame,
    to_frame,
)
from desktop.video.sinks import AudioSink, ForwardingAudioSink, FrameSink, LatestFrameSink, NullAudioSink
from desktop.video.sources import AudioSource, VideoSource
from desktop.video.stats import CallStats, StatsSampler
from desktop.video.tracks import LocalMedia

log = logging.getLogger(__name__)

FLOWING = 1.0  # s: remote media this recent means the current connection works
STALE_REQUEST = 3.0  # s of media flowing after a request for a new connection: it was stale
SOCKET_BACK = "socket-back"  # the page's reason when it asks because its socket was replaced


class AiortcCallEngine:
    """A call with aiortc. Construct, `await start()`, and `await close()` (idempotent) at the end.

    Callbacks run on the asyncio loop and must not block: `on_state(state)` on every change,
    `on_stats(stats)` every second while a connection exists, `on_error(error)` when a camera or
    microphone fails (its `.message` is French; the call goes on with black video or silence).
    """

    def __init__(
        self,
        *,
        call_id: str,
        role: Role,
        signaling: SignalingChannel,
        ice_servers: Iterable[Mapping[str, Any]] | None,
        video: VideoSource,
        audio: AudioSource,
        remote_video: FrameSink | None = None,
        local_video: FrameSink | None = None,
        remote_audio: AudioSink | None = None,
        on_state: Callable[[CallState], None] | None = None,
        on_stats: Callable[[CallStats], None] | None = None,
        on_error: Callable[[DeviceError], None] | None = None,
        options: CallOptions | None = None,
        controller: ResolutionController | None = None,
    ) -> None:
        self.call_id, self.role = call_id, role
        self.peer_id = secrets.token_hex(8)
        self.options = options or CallOptions()
        self.remote_video = remote_video or LatestFrameSink()
        self.remote_audio = remote_audio or NullAudioSink()
        self.media = LocalMedia(video, audio, preview=local_video, controller=controller, on_error=on_error)
        self._signaling = signaling
        self._ice_servers = ice.parse_ice_servers(ice_servers)
        self._on_state, self._on_stats = on_state, on_stats
        self._tasks = TaskRunner(owner=f"call {call_id}")
        self._inbox: asyncio.Queue[Signal | Decision | None] = asyncio.Queue()
        self._policy = RecoveryPolicy(self.options.recovery)
        self._sampler = StatsSampler()
        self._session: PeerSession | None = None
        self._spare: PeerSession | None = None
        self._spare_task: asyncio.Task[None] | None = None
        self._remote_peer: str | None = None
        self._generation = 0
        # When the patient asked for a new connection that we have not made yet (too soon after
        # our last offer, or while its media still reached us: see `_flowing`).
        self._renegotiate_asked: float | None = None
        self._frames_base = 0
        self._state = CallState.IDLE
        self._closing = False
        self._released = asyncio.Event()
        self.end_reason: EndReason | None = None
        self.timeline: dict[str, float] = {}  # first time of each milestone (time.monotonic())

    # ------------------------------------------------------------------ public API

    @property
    def state(self) -> CallState:
        return self._state

    @property
    def session(self) -> PeerSession | None:
        """The current peer connection (diagnostics and tests)."""
        return self._session

    async def start(self) -> None:
        """Open the devices, start listening, prepare a connection and say we are ready."""
        if self._state is not CallState.IDLE:
            return
        self._mark("start")
        await self.media.open()
        if self._closing:  # hung up while the devices were opening
            return
        self._set_state(CallState.WAITING)
        self._tasks.run(self._read_signaling(), name="signaling")
        self._tasks.run(self._act(), name="actor")
        self._tasks.run(self._monitor(), name="monitor")
        self._prepare_spare()
        await self._send(Ready(self.call_id, self.peer_id))

    async def hang_up(self) -> None:
        """End the call for both sides."""
        await self.close()

    async def close(self) -> None:
        """Tell the other side (if the call is live), release everything; idempotent."""
        if self._closing:
            await self._released.wait()
            return
        self._closing = True
        if self._state not in (CallState.IDLE, CallState.ENDED):
            self.end_reason = EndReason.LOCAL_HANGUP
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await self._send(Hangup(self.call_id, "hangup"))
        await self._release()

    async def set_camera(self, on: bool) -> None:
        await self.media.set_camera(on)

    def set_microphone(self, on: bool) -> None:
        self.media.set_microphone(on)

    async def replace_video_source(self, source: VideoSource) -> None:
        """Switch cameras mid-call: the senders keep their tracks, nothing is renegotiated.

        Raises:
            DeviceError: the new camera cannot be opened (French message); the old one stays.
        """
        await self.media.replace_video(source)

    async def replace_audio_source(self, source: AudioSource) -> None:
        """Switch microphones mid-call (same contract as `replace_video_source`)."""
        await self.media.replace_audio(source)

    def replace_audio_sink(self, sink: AudioSink) -> AudioSink:
        """Play the remote audio on `sink` from the next frame on; returns the previous sink."""
        old, self.remote_audio = self.remote_audio, sink
        return old

    def set_ice_servers(self, servers: Iterable[Mapping[str, Any]]) -> None:
        """New STUN/TURN list (fresh TURN credentials); used by the next peer connection."""
        self._ice_servers = ice.parse_ice_servers(servers)

    def signaling_reconnected(self) -> None:
        """The signaling socket is back after an outage: frames sent meanwhile were lost, so a
        call that is not connected tries again now instead of at its next retry."""
        if not self._closing and self._state in (CallState.CONNECTING, CallState.RECONNECTING):
            self._inbox.put_nowait(Decision.RENEGOTIATE)

    async def wait_ended(self) -> None:
        await self._released.wait()

    # ------------------------------------------------------------------ internals

    def _mark(self, name: str) -> None:
        self.timeline.setdefault(name, time.monotonic())

    def _set_state(self, state: CallState) -> None:
        if state is self._state:
            return
        log.info("call %s: %s -> %s", self.call_id, self._state, state)
        self._state = state
        if self._on_state is not None:
            self._on_state(state)

    async def _send(self, signal: Signal) -> None:
        try:
            await self._signaling.send(to_frame(signal))
        except SignalingError:
            log.warning("call %s: could not send %s", self.call_id, type(signal).__name__)

    async def _read_signaling(self) -> None:
        while True:
            frame = await self._signaling.receive()
            if frame is None:
                self._inbox.put_nowait(None)
                return
            try:
                signal = parse_frame(frame)
            except SignalingError:
                log.warning("call %s: invalid signaling frame ignored", self.call_id)
                continue
            if signal.call_id == self.call_id:
                self._inbox.put_nowait(signal)

    async def _monitor(self) -> None:
        next_stats = time.monotonic() + self.options.stats_interval
        while True:
            await asyncio.sleep(self.options.monitor_interval)
            session = self._session
            if session is None or self._closing:
                continue
            now = time.monotonic()
            decision = self._policy.decide(
                now,
                connected=session.connected_at is not None,
                failed=session.state in ("failed", "closed"),
                last_media=session.last_media_at or session.connected_at,
            )
            asked = self._renegotiate_asked
            if decision is Decision.NOTHING and asked is not None:
                if not self._flowing(session, now):
                    if self._policy.may_start(now):
                        decision = Decision.RENEGOTIATE
                elif now - asked >= STALE_REQUEST:
                    self._renegotiate_asked = None  # the media kept flowing: the request was stale
            if decision is not Decision.NOTHING:
                self._inbox.put_nowait(decision)
            if now >= next_stats:
                next_stats = now + self.options.stats_interval
                await self._sample_stats(session, now)

    async def _sample_stats(self, session: PeerSession, now: float) -> None:
        if self._on_stats is None or session.closed:
            return
        report = await session.report()
        stats = self._sampler.sample(
            report,
            at=now,
            frames_sent=self.media.frames_sent - self._frames_base,
            frames_received=session.frames_received,
            send_resolution=self.media.sent_size,
            receive_resolution=session.received_size,
            video_codec=session.video_codec,
        )
        self._on_stats(stats)

    async def _act(self) -> None:
        while True:
            item = await self._inbox.get()
            if item is None:
                self.end_reason = self.end_reason or EndReason.SIGNALING_CLOSED
                await self._release()
                return
            if isinstance(item, Decision):
                try:
                    await self._apply(item)
                except Exception:
                    log.exception("call %s: recovery step failed", self.call_id)
                continue
            if isinstance(item, Hangup):
                self.end_reason = EndReason.REMOTE_HANGUP
                await self._release()
                return
            try:
                await self._handle(item)
            except SignalingError:
                log.warning("call %s: %s rejected", self.call_id, type(item).__name__)
            except Exception:
                # One failed step (a socket that cannot bind, an aiortc state error) must not
                # end the call: the recovery policy will start a new attempt.
                log.exception("call %s: %s failed", self.call_id, type(item).__name__)

    async def _handle(self, signal: Signal) -> None:
        match signal:
            case Ready(_, peer):
                self._mark("remote_ready")
                if self.role is Role.ANSWERER:
                    self._remote_peer = peer
                    await self._send(Ready(self.call_id, self.peer_id))
                elif peer != self._remote_peer or self._session is None:
                    self._remote_peer = peer
                    await self._offer()
            case Offer(_, session_id, sdp) if self.role is Role.ANSWERER:
                await self._answer(session_id, sdp)
            case Answer(_, session_id, sdp) if self.role is Role.OFFERER:
                if self._session is not None and self._session.id == session_id:
                    self._mark("answer_received")
                    await self._session.accept_answer(sdp)
            case Candidate(_, session_id, candidate):
                if self._session is not None and self._session.id == session_id:
                    await self._session.add_candidate(candidate)
            case Renegotiate(_, reason) if self.role is Role.OFFERER:
                now = time.monotonic()
                session = self._session
                # The page asks on principle when its socket comes back (`socket-back`: its
                # network may have changed). If the patient's media still reaches us, the
                # network came back as it was and the connection with it: a new one would only
                # interrupt the call. Other reasons (its ICE is down) are its own view: obeyed.
                speculative = reason == SOCKET_BACK and session is not None and self._flowing(session, now)
                if session is not None and not speculative and self._policy.may_start(now):
                    await self._offer()
                else:
                    # Too soon after our last offer, which the patient may never have received
                    # (its socket was dead: a new network): offer once the spacing allows. Or
                    # speculative: the monitor offers if the media stops, and forgets the request
                    # if it keeps flowing.
                    self._renegotiate_asked = now
            case _:
                log.info("call %s: %s ignored by the %s", self.call_id, type(signal).__name__, self.role)

    async def _apply(self, decision: Decision) -> None:
        if decision is Decision.STALLED:
            self._set_state(CallState.RECONNECTING)
        elif decision is Decision.RESUMED:
            self._set_state(CallState.CONNECTED)
            if self._session is not None:
                # What we sent during the outage was lost: without a key frame now, the other
                # side first asks for every missing packet again (NACK) and only then for a
                # key frame, seconds later (2.9 s measured with Chromium behind a 500 kbit/s link).
                self._session.send_keyframe()
        elif self.role is Role.OFFERER:
            await self._offer()
        else:
            await self._send(Renegotiate(self.call_id, "media-stalled"))

    def _flowing(self, session: PeerSession, now: float) -> bool:
        """The current connection is up and the remote media reached us just now."""
        last = session.last_media_at
        return session.connected_at is not None and last is not None and now - last < FLOWING

    async def _offer(self) -> None:
        self._renegotiate_asked = None
        self._generation += 1
        session = await self._new_session(f"{self.peer_id}-{self._generation}")
        sdp = await session.create_offer()
        self._policy.attempt_started(time.monotonic())
        await self._send(Offer(self.call_id, session.id, sdp))
        self._mark("offer_sent")

    async def _answer(self, session_id: str, sdp: str) -> None:
        if self._session is not None and self._session.id == session_id:
            return  # a duplicate
        self._mark("offer_received")
        session = await self._new_session(session_id)
        self._policy.attempt_started(time.monotonic())
        answer = await session.accept_offer(sdp)
        await self._send(Answer(self.call_id, session_id, answer))
        self._mark("answer_sent")

    async def _new_session(self, session_id: str) -> PeerSession:
        """Close the current connection and promote the spare (prepared) one under `session_id`."""
        if self._session is not None:
            old, self._session = self._session, None
            await old.close()
        spare, task = self._spare, self._spare_task
        self._spare, self._spare_task = None, None
        if task is not None and not task.done():
            if spare is None:
                task.cancel()  # still in its delay: creating one now is quicker
            # A gathering in progress is awaited, never cancelled: aiortc cannot resume it.
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.shield(task)
        usable = (
            spare is not None
            and task is not None
            and not task.cancelled()
            and task.exception() is None
            and spare.ice_servers is self._ice_servers
            and time.monotonic() - spare.created_at <= self.options.spare_max_age
        )
        if not usable:
            if spare is not None:
                await spare.close()
            spare = self._make_session()
            await spare.prepare()
        assert spare is not None
        spare.id = session_id
        self._session = spare
        self._frames_base = self.media.frames_sent
        self._sampler.reset(time.monotonic())
        if self._state is not CallState.CONNECTED:
            self._set_state(CallState.RECONNECTING if "connected" in self.timeline else CallState.CONNECTING)
        return spare

    def _make_session(self) -> PeerSession:
        return PeerSession(
            "spare",
            on_first_media=self._on_first_media,
            ice_servers=self._ice_servers,
            media=self.media,
            remote_video=self.remote_video,
            # Through the engine, so a speaker switched mid-call applies to this session too.
            remote_audio=ForwardingAudioSink(lambda: self.remote_audio),
            tasks=self._tasks,
            on_state=self._on_peer_state,
            gather_timeout=self.options.gather_timeout,
            allow_h264=self.options.allow_h264,
        )

    def _prepare_spare(self, delay: float = 0.0) -> None:
        """Create and gather the next peer connection in the background, after `delay` s."""
        if self._spare_task is None and not self._closing:
            self._spare_task = self._tasks.run(self._make_spare(delay), name="prepare spare")

    async def _make_spare(self, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        self._spare = self._make_session()
        await self._spare.prepare()

    def _on_first_media(self, kind: str) -> None:
        self._mark(f"first_{kind}")

    def _on_peer_state(self, session: PeerSession) -> None:
        if session is not self._session or self._closing:
            return
        if session.state == "connected":
            self._mark("connected")
            self._policy.connected()
            self._set_state(CallState.CONNECTED)
            # Not at once: the first frames are being encoded right now.
            self._prepare_spare(delay=2.0)

    async def _release(self) -> None:
        """Stop everything (also from the actor itself, on a remote hang-up) and say ENDED."""
        self._closing = True
        await self._tasks.close()
        for session in (self._session, self._spare):
            if session is not None:
                await session.close()
        self._session = self._spare = self._spare_task = None
        await self.media.close()
        await asyncio.sleep(0)  # let aiortc's own fire-and-forget callbacks run to their end
        if isinstance(self.remote_video, LatestFrameSink):
            self.remote_video.clear()
        self._set_state(CallState.ENDED)
        self._released.set()
