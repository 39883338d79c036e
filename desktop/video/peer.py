"""One peer connection of a call ("session"): transceivers, codecs, offer/answer, candidates.

A call replaces its peer connection when it renegotiates (aiortc has no `restartIce`), so the
connection's whole lifecycle is kept here and the engine only decides *when* to start a new one.

- Audio and video are both sendrecv, audio first, as browsers order them.
- Video codecs: VP8 first (half the CPU of libx264 at 720p, no licensing question), H.264 kept as
  a fallback for a browser without VP8, and RTX for retransmissions.
- The local description is munged with the x-google bitrate hints before it leaves (see sdp.py).
- Remote candidates that arrive before the remote description are held, then added.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

import av
from aiortc import RTCIceServer, RTCPeerConnection, RTCRtpSender, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from desktop.kernel.tasks import TaskRunner
from desktop.video import ice, jitter
from desktop.video.audio_sync import AudioSync
from desktop.video.errors import SignalingError
from desktop.video.playout import PlayoutQueue
from desktop.video.sdp import add_bitrate_hints, candidate_from_init, negotiated_codec
from desktop.video.signaling import IceCandidateInit
from desktop.video.sinks import AudioSink, FrameSink
from desktop.video.tracks import LocalMedia, OutgoingAudioTrack, OutgoingVideoTrack

log = logging.getLogger(__name__)


def video_codec_preferences(allow_h264: bool = True) -> list[Any]:
    """aiortc's video codec capabilities in our order: VP8, then H.264, then RTX."""
    codecs = RTCRtpSender.getCapabilities("video").codecs
    by_name: dict[str, list[Any]] = {}
    for codec in codecs:
        by_name.setdefault(codec.mimeType.lower(), []).append(codec)
    preferred = by_name.get("video/vp8", [])
    if allow_h264:
        preferred += by_name.get("video/h264", [])
    return preferred + by_name.get("video/rtx", [])


class PeerSession:
    """An `RTCPeerConnection` with our media, codecs and ICE policy, for one session id."""

    def __init__(
        self,
        session_id: str,
        *,
        ice_servers: list[RTCIceServer],
        media: LocalMedia,
        remote_video: FrameSink,
        remote_audio: AudioSink,
        tasks: TaskRunner,
        on_state: Callable[[PeerSession], None],
        on_first_media: Callable[[str], None] | None = None,
        gather_timeout: float,
        allow_h264: bool = True,
    ) -> None:
        self.id = session_id
        self.created_at = time.monotonic()
        self.ice_servers = ice_servers  # identity tells the engine whether the list changed since
        self.pc = RTCPeerConnection(ice.rtc_configuration(ice_servers))
        self.pc.addTransceiver(OutgoingAudioTrack(media), direction="sendrecv")
        video = self.pc.addTransceiver(OutgoingVideoTrack(media), direction="sendrecv")
        video.setCodecPreferences(video_codec_preferences(allow_h264))
        jitter.install(self.pc)  # a frame is decoded at its last packet, not one frame later
        ice.bound_gathering(self.pc, gather_timeout)
        self._remote_video, self._remote_audio = remote_video, remote_audio
        self._tasks = tasks
        self._on_state = on_state
        self._on_first_media = on_first_media
        self._pending: list[IceCandidateInit | None] = []
        self._has_remote = False
        self._closed = False
        self.frames_received = 0
        self.playout: PlayoutQueue | None = None  # the remote video's, once its track arrives
        self.audio_sync: AudioSync | None = None  # the remote audio's, once its track arrives
        self.received_size: tuple[int, int] | None = None
        self.first_video_at: float | None = None
        self.first_audio_at: float | None = None
        self.last_media_at: float | None = None
        self.connected_at: float | None = None
        self.video_codec: str | None = None
        self.pc.on("track", self._on_track)
        self.pc.on("connectionstatechange", self._on_connection_state)

    @property
    def state(self) -> str:
        """aiortc's connectionState: new, connecting, connected, failed or closed."""
        return str(self.pc.connectionState)

    @property
    def closed(self) -> bool:
        return self._closed

    async def prepare(self) -> None:
        """Gather candidates ahead of the offer/answer (bounded; see ice.py)."""
        await ice.gather(self.pc)

    async def create_offer(self) -> str:
        offer = await self.pc.createOffer()
        await self.pc.setLocalDescription(offer)
        return add_bitrate_hints(self.pc.localDescription.sdp)

    async def accept_answer(self, sdp: str) -> None:
        await self._set_remote(RTCSessionDescription(sdp=sdp, type="answer"))

    async def accept_offer(self, sdp: str) -> str:
        """Apply a remote offer; return our answer (with every candidate, no trickle)."""
        await self._set_remote(RTCSessionDescription(sdp=sdp, type="offer"))
        answer = await self.pc.createAnswer()
        await self.pc.setLocalDescription(answer)
        return add_bitrate_hints(self.pc.localDescription.sdp)

    async def _set_remote(self, description: RTCSessionDescription) -> None:
        try:
            await self.pc.setRemoteDescription(description)
        except (ValueError, KeyError, IndexError, AttributeError, TypeError, AssertionError) as exc:
            # aiortc's SDP parser raises whatever it trips on; the remote text is not trusted.
            raise SignalingError("Description de session invalide.") from exc
        self._has_remote = True
        self.video_codec = negotiated_codec(description.sdp)
        pending, self._pending = self._pending, []
        for candidate in pending:
            await self.add_candidate(candidate)

    async def add_candidate(self, init: IceCandidateInit | None) -> None:
        """Add a trickled remote candidate; None signals end-of-candidates (fast ICE failure)."""
        if self._closed:
            return
        if not self._has_remote:
            self._pending.append(init)
            return
        await self.pc.addIceCandidate(None if init is None else candidate_from_init(init))

    def send_keyframe(self) -> None:
        """Make the next video frame sent a key frame (the other side can decode from it alone)."""
        for sender in self.pc.getSenders():
            if sender.track is not None and sender.track.kind == "video":
                sender._send_keyframe()  # what aiortc does on a PLI; no public API for it

    async def report(self) -> dict[str, Any]:
        return dict(await self.pc.getStats())

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "video":
            self._tasks.run(self._consume_video(track), name=f"session {self.id}: remote video")
        else:
            self._tasks.run(self._consume_audio(track), name=f"session {self.id}: remote audio")

    def _on_connection_state(self) -> None:
        if self.pc.connectionState == "connected" and self.connected_at is None:
            self.connected_at = time.monotonic()
        self._on_state(self)

    async def _consume_video(self, track: MediaStreamTrack) -> None:
        # Shown at the pace they were filmed, a little late when the network makes them late
        # (desktop/video/playout.py): the frames reach the sink from the playout queue's own task.
        playout = PlayoutQueue(self._remote_video)
        self.playout = playout
        await self._played(playout.run(), "remote video playout", self._receive_video(track, playout))

    async def _receive_video(self, track: MediaStreamTrack, playout: PlayoutQueue) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            assert isinstance(frame, av.VideoFrame)
            now = time.monotonic()
            self.last_media_at = now
            if self.first_video_at is None:
                self.first_video_at = now
                self._first("video")
            self.frames_received += 1
            self.received_size = (frame.width, frame.height)
            playout.put(frame)

    async def _consume_audio(self, track: MediaStreamTrack) -> None:
        # Played as late as the picture is shown, so that the voice stays on the lips
        # (desktop/video/audio_sync.py): on arrival while the video adds no delay.
        sync = AudioSync(self._remote_audio, self._video_delay, name=f"session {self.id}")
        self.audio_sync = sync
        await self._played(sync.run(), "remote audio playout", self._receive_audio(track, sync))

    async def _played(
        self, player: Coroutine[Any, Any, None], name: str, receive: Coroutine[Any, Any, None]
    ) -> None:
        """Receive a track while its player task hands the frames over; the player ends with it."""
        task = self._tasks.run(player, name=f"session {self.id}: {name}")
        try:
            await receive
        finally:
            task.cancel()

    def _video_delay(self) -> float:
        """The remote picture's playout delay now; 0 without a remote video track."""
        return 0.0 if self.playout is None else self.playout.delay_now()

    async def _receive_audio(self, track: MediaStreamTrack, sync: AudioSync) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            assert isinstance(frame, av.AudioFrame)
            now = time.monotonic()
            self.last_media_at = now
            if self.first_audio_at is None:
                self.first_audio_at = now
                self._first("audio")
            sync.put(frame)

    def _first(self, kind: str) -> None:
        if self._on_first_media is not None:
            self._on_first_media(kind)

    async def close(self) -> None:
        """Close the peer connection; idempotent. The consumers end with their tracks."""
        if self._closed:
            return
        self._closed = True
        self.pc.remove_all_listeners()
        await self.pc.close()
