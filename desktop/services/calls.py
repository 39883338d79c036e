"""Video calls of the practitioner: start one, feed its signaling, follow the patient's presence.

`CallService` sits between the call screen and the call engine (`desktop.video`, loaded when the
first call starts). Starting a call asks the server to open it (the patient's page then shows
« Votre praticien vous attend »), fetches the ICE servers (fresh TURN credentials, refreshed
during long calls), and starts an `AiortcCallEngine` whose signaling rides on the realtime socket:
every `call.*` frame of the call goes into its `QueueSignaling`. After a socket reconnection the
engine retries at once (`signaling_reconnected`) and a waiting engine says `call.ready` again.

The patient's waiting-room presence (`call.presence`) and pre-call check (`call.precheck`) arrive
for any conversation, call or not: they are kept by conversation and announced (`presence_changed`,
`precheck_received`); entering the waiting room also raises a desktop notification, which names
the patient only if the practitioner allowed names in notifications.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from contracts.wire.calls import CallPublic, IceServerPublic
from desktop.api.realtime import Frame
from desktop.domain.call_precheck import Precheck
from desktop.domain.call_state import CallState
from desktop.domain.connection_status import ConnectionStatus
from desktop.domain.errors import UserFacingError
from desktop.kernel.events import Event
from desktop.kernel.messages import Messages
from desktop.kernel.tasks import TaskRunner
from desktop.services.call_media import CallMedia, ChoiceFactory, DevicePreferences, MediaFactory
from desktop.services.ports import Notifier, RealtimeLink

if TYPE_CHECKING:
    from desktop.video.aiortc_engine import AiortcCallEngine
    from desktop.video.errors import DeviceError
    from desktop.video.signaling import QueueSignaling
    from desktop.video.sinks import LatestFrameSink
    from desktop.video.stats import CallStats

log = logging.getLogger(__name__)

ENGINE_FRAMES = (
    "call.ready",
    "call.offer",
    "call.answer",
    "call.candidate",
    "call.renegotiate",
    "call.hangup",
)
ICE_REFRESH_SECONDS = 20 * 60  # TURN credentials live one hour at most
ICE_REFRESH_MIN_SECONDS = 10.0


class CallServer(Protocol):
    """The call routes of the server (`desktop.api.calls.CallApiClient`)."""

    async def start_call(self, conversation_id: str) -> CallPublic: ...
    async def end_call(self, call_id: str) -> None: ...
    async def ice_servers(self) -> list[IceServerPublic]: ...


@dataclass
class ActiveCall:
    """The call in progress: its engine and what the call screen paints."""

    call_id: str
    conversation_id: str
    engine: AiortcCallEngine
    signaling: QueueSignaling
    remote_video: LatestFrameSink
    local_video: LatestFrameSink
    speaker: Any
    state: CallState = CallState.IDLE
    stats: CallStats | None = None
    microphone_on: bool = True
    camera_on: bool = True
    camera_available: bool = True  # False once the camera failed (unplugged) until another is chosen
    devices: DevicePreferences = field(default_factory=DevicePreferences)  # chosen during the call
    errors: list[str] = field(default_factory=list)
    # Set once the call is released and the server told (what "hung up" means to the caller).
    finished: asyncio.Event = field(default_factory=asyncio.Event)


def _webrtc(servers: list[IceServerPublic]) -> list[dict[str, object]]:
    """The servers as WebRTC `iceServers` entries, what the engine is configured with."""
    return [server.model_dump(exclude_none=True) for server in servers]


def refresh_delay(servers: list[IceServerPublic], now: float) -> float:
    """Seconds until the ICE servers are fetched again during a call.

    Half-way to the earliest TURN expiry (coturn's REST username « <expiry>:<user id> »), between
    `ICE_REFRESH_MIN_SECONDS` and `ICE_REFRESH_SECONDS`: a server configured with short-lived
    credentials (`turn_ttl_seconds` down to 60 s) must not leave a renegotiation mid-call with
    expired ones (coturn would refuse the new allocation).
    """
    delay = float(ICE_REFRESH_SECONDS)
    for server in servers:
        expiry, separator, _user = (server.username or "").partition(":")
        if separator and expiry.isdigit():
            delay = min(delay, max(ICE_REFRESH_MIN_SECONDS, (int(expiry) - now) / 2))
    return delay


def _freeze_heap() -> None:
    """Collect now, then keep the app's long-lived objects out of the collector's scans.

    A full (generation 2) collection walks every tracked object of the process; with Qt, aiortc
    and the conversation cache that was measured at 135 ms, long enough to stall the video or
    the call's setup when it falls at the wrong moment. Collecting while the practitioner waits
    for the patient, then freezing what survives (`gc.freeze`, undone when the call ends), leaves
    the collections during the call only the call's own new objects to walk.
    """
    gc.collect()
    gc.freeze()


class CallService:
    """One call at a time; presence and pre-call checks for every conversation."""

    def __init__(
        self,
        server: CallServer,
        realtime: RealtimeLink,
        runner: TaskRunner,
        messages: Messages,
        notifier: Notifier,
        media: MediaFactory,
        *,
        patient_name: Callable[[str], str | None] = lambda _conversation_id: None,
        show_names: Callable[[], bool] = lambda: False,
        devices: ChoiceFactory | None = None,
    ) -> None:
        self._server = server
        self._realtime = realtime
        self._runner = runner
        self._messages = messages
        self._notifier = notifier
        self._media = media
        self._patient_name = patient_name
        self._show_names = show_names
        self._devices = devices
        self.active: ActiveCall | None = None
        self.waiting: set[str] = set()
        self.prechecks: dict[str, Precheck] = {}
        self.call_started: Event[ActiveCall] = Event()
        self.call_ended: Event[ActiveCall] = Event()
        self.state_changed: Event[CallState] = Event()
        self.stats_updated: Event[CallStats] = Event()
        self.presence_changed: Event[tuple[str, bool]] = Event()  # (conversation id, waiting)
        self.precheck_received: Event[tuple[str, Precheck]] = Event()
        self.device_failed: Event[str] = Event()  # French message
        self.camera_availability_changed: Event[bool] = Event()
        self.devices_switched: Event[DevicePreferences] = Event()  # a device changed mid-call
        for kind in ENGINE_FRAMES:
            realtime.add_frame_handler(kind, self._on_engine_frame)
        realtime.add_frame_handler("call.presence", self._on_presence)
        realtime.add_frame_handler("call.precheck", self._on_precheck)

    # ---------------------------------------------------------------- starting and ending
    async def start(self, conversation_id: str) -> ActiveCall:
        """Open the conversation's call and start the engine (the practitioner waits for the patient).

        Raises:
            UserFacingError: another call is in progress, or the server refused (French message).
        """
        active = self.active
        if active is not None:
            if active.conversation_id == conversation_id:
                return active
            raise UserFacingError("Un appel est déjà en cours : raccrochez-le avant d'en démarrer un autre.")
        info = await self._server.start_call(conversation_id)
        fetched = await self._server.ice_servers()
        ice_servers = _webrtc(fetched)
        from desktop.video.aiortc_engine import AiortcCallEngine
        from desktop.video.engine import Role
        from desktop.video.signaling import QueueSignaling
        from desktop.video.sinks import LatestFrameSink

        if self.active is not None:  # started meanwhile (a double click)
            return self.active
        media: CallMedia = self._media()
        signaling = QueueSignaling(self._send)
        remote, local = LatestFrameSink(), LatestFrameSink()
        engine = AiortcCallEngine(
            call_id=info.id,
            role=Role.OFFERER,
            signaling=signaling,
            ice_servers=ice_servers,
            video=media.video,
            audio=media.audio,
            remote_video=remote,
            local_video=local,
            remote_audio=media.speaker,
            on_state=self._on_engine_state,
            on_stats=self._on_engine_stats,
            on_error=self._on_engine_device_error,
        )
        call = ActiveCall(info.id, conversation_id, engine, signaling, remote, local, media.speaker)
        self.active = call
        _freeze_heap()
        self._open_speaker(media)  # a failure is kept in `call.errors` for the call screen
        self.call_started.emit(call)
        try:
            await engine.start()
        except Exception:
            await self._finish(call)
            raise
        self._runner.run(self._watch(call, fetched), name="call-watch", report=False)
        return call

    def _open_speaker(self, media: CallMedia) -> None:
        from desktop.video.errors import DeviceError

        try:
            media.speaker.open()
        except DeviceError as exc:
            self._device_error(exc.message)

    async def hang_up(self) -> None:
        """End the call for both sides (the patient's page shows that it ended)."""
        call = self.active
        if call is None:
            return
        await call.engine.hang_up()
        await call.engine.wait_ended()
        await call.finished.wait()  # released and ended on the server too, by `_watch`

    async def _watch(self, call: ActiveCall, servers: list[IceServerPublic]) -> None:
        """Until the call ends: refresh TURN credentials before they expire; then release everything."""
        while True:
            try:
                async with asyncio.timeout(refresh_delay(servers, time.time())):
                    await call.engine.wait_ended()
                break
            except TimeoutError:
                with contextlib.suppress(UserFacingError):
                    servers = await self._server.ice_servers()
                    call.engine.set_ice_servers(_webrtc(servers))
        await self._finish(call)

    async def _finish(self, call: ActiveCall) -> None:
        if self.active is not call:
            return
        self.active = None
        gc.unfreeze()
        try:
            await call.engine.close()
            call.signaling.close()
            call.speaker.close()
            try:
                await self._server.end_call(call.call_id)  # the socket may have missed the hang-up
            except UserFacingError as exc:
                log.info("call end not acknowledged: %s", type(exc).__name__)
        finally:
            call.state = CallState.ENDED
            call.finished.set()  # whatever happened, `hang_up()` must not wait forever
        self.call_ended.emit(call)

    async def close(self) -> None:
        """The workspace closes (sign-out, quit): hang up whatever is in progress."""
        call = self.active
        if call is not None:
            await call.engine.close()
            await self._finish(call)

    # ---------------------------------------------------------------- controls
    def set_microphone(self, on: bool) -> None:
        if self.active is not None:
            self.active.microphone_on = on
            self.active.engine.set_microphone(on)

    async def set_camera(self, on: bool) -> None:
        call = self.active
        if call is not None:
            call.camera_on = on
            await call.engine.set_camera(on)
            if on and not call.camera_available and call.engine.media.camera_working:
                call.camera_available = True  # plugged back in, then « Caméra » switched on again
                self.camera_availability_changed.emit(True)

    # ---------------------------------------------------------------- devices during the call
    async def switch_camera(self, target: str, label: str = "") -> bool:
        """Send another camera from now on ("" = the system's default); the call goes on.

        Returns False (and shows the French reason) when it cannot be opened: the current
        camera stays in use.
        """
        call, media = self._choice(camera=target, camera_label=label or target)
        if call is None or media is None:
            return False
        if not await self._replaced(call.engine.replace_video_source(media.video), media.video.close):
            return False
        return self._switched(call, camera=target, camera_label=label or target)

    async def switch_microphone(self, name: str) -> bool:
        """Send another microphone from now on (mute kept); False with a message if it fails."""
        call, media = self._choice(microphone=name)
        if call is None or media is None:
            return False
        if not await self._replaced(call.engine.replace_audio_source(media.audio), media.audio.close):
            return False
        return self._switched(call, microphone=name)

    def switch_speaker(self, name: str) -> bool:
        """Play the patient on another output from the next frame; False with a message if it fails."""
        call, media = self._choice(speaker=name)
        if call is None or media is None:
            return False
        from desktop.video.errors import DeviceError

        try:
            media.speaker.open()
        except DeviceError as exc:
            self._messages.warning(exc.message)
            return False
        old, call.speaker = call.speaker, media.speaker
        call.engine.replace_audio_sink(media.speaker)
        old.close()
        return self._switched(call, speaker=name)

    async def _replaced(self, replacing: Awaitable[None], close: Callable[[], Awaitable[None]]) -> bool:
        """Await the engine taking a newly opened device; if it cannot, close that device and say why."""
        from desktop.video.errors import DeviceError

        try:
            await replacing
        except DeviceError as exc:
            await close()
            self._messages.warning(exc.message)
            return False
        return True

    def _choice(self, **changes: str) -> tuple[ActiveCall | None, CallMedia | None]:
        call = self.active
        if call is None:
            return None, None
        if self._devices is None:
            self._messages.warning("Le changement d'appareil n'est pas disponible pendant cet appel.")
            return call, None
        return call, self._devices(replace(call.devices, **changes))

    def _switched(self, call: ActiveCall, **changes: str) -> bool:
        call.devices = replace(call.devices, **changes)
        if "camera" in changes and not call.camera_available:
            call.camera_available = True
            self.camera_availability_changed.emit(True)
        self.devices_switched.emit(call.devices)
        return True

    def connection_changed(self, status: ConnectionStatus) -> None:
        """The socket came back: frames sent meanwhile were lost; let the call catch up."""
        call = self.active
        if call is None or status is not ConnectionStatus.ONLINE:
            return
        call.engine.signaling_reconnected()
        if call.state is CallState.WAITING:
            frame = {"type": "call.ready", "call_id": call.call_id, "peer": call.engine.peer_id}
            self._runner.run(self._realtime.send(frame), name="call-ready-again", report=False)

    # ---------------------------------------------------------------- socket and engine callbacks
    async def _send(self, frame: Frame) -> None:
        if not await self._realtime.send(frame):
            from desktop.video.errors import SignalingError

            raise SignalingError("La connexion au serveur est coupée.")

    async def _on_engine_frame(self, frame: Frame) -> None:
        call = self.active
        if call is not None and frame.get("call_id") == call.call_id:
            call.signaling.deliver(frame)

    async def _on_presence(self, frame: Frame) -> None:
        conversation_id = frame.get("conversation_id")
        if not isinstance(conversation_id, str):
            return
        waiting = frame.get("state") == "waiting"
        was_waiting = conversation_id in self.waiting
        if waiting:
            self.waiting.add(conversation_id)
        else:
            self.waiting.discard(conversation_id)
        if waiting != was_waiting:
            self.presence_changed.emit((conversation_id, waiting))
        if waiting and not was_waiting and not self._in_call_with(conversation_id):
            self._notify_waiting(conversation_id)

    def _in_call_with(self, conversation_id: str) -> bool:
        return self.active is not None and self.active.conversation_id == conversation_id

    def _notify_waiting(self, conversation_id: str) -> None:
        name = self._patient_name(conversation_id)
        who = name if name and self._show_names() else "Un patient"
        try:
            self._notifier.notify(
                "Patient en salle d'attente", f"{who} vous attend pour la téléconsultation."
            )
        except Exception:  # a notification must never break the app
            log.info("notification failed", exc_info=True)
        self._messages.info(f"Patient en salle d'attente : {name or 'un patient'}.")

    async def _on_precheck(self, frame: Frame) -> None:
        conversation_id = frame.get("conversation_id")
        if isinstance(conversation_id, str):
            precheck = Precheck.read(frame.get("result"))
            self.prechecks[conversation_id] = precheck
            self.precheck_received.emit((conversation_id, precheck))

    def _on_engine_state(self, state: CallState) -> None:
        call = self.active
        if call is not None:
            call.state = state
        self.state_changed.emit(state)

    def _on_engine_stats(self, stats: CallStats) -> None:
        if self.active is not None:
            self.active.stats = stats
        self.stats_updated.emit(stats)

    def _on_engine_device_error(self, error: DeviceError) -> None:
        from desktop.video.errors import CAMERA

        call = self.active
        if error.kind == CAMERA and call is not None and call.camera_available:
            call.camera_available = False  # black frames go out instead; the sound goes on
            self.camera_availability_changed.emit(False)
        self._device_error(error.message)

    def _device_error(self, message: str) -> None:
        if self.active is not None:
            self.active.errors.append(message)
        self._messages.warning(message)
        self.device_failed.emit(message)
