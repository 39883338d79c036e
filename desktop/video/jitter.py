"""A video jitter buffer that hands a frame over as soon as its last packet (RTP marker) is in.

aiortc's `JitterBuffer` knows a video frame is complete only when a packet of the *next* frame
arrives, so every received frame waits one frame interval (33 ms at 30 fps) before decoding: on
the first frame of a call, and on every frame after it (glass-to-glass delay). The RTP marker bit
is set on the last packet of each frame by every VP8 and H.264 sender (RFC 7741 §4.1, RFC 6184
§5.1; Chromium, Firefox, Safari and aiortc itself), so a contiguous run of packets of one
timestamp ending with the marker is a whole frame: it is released at once. Anything else (a gap,
no marker) falls back to aiortc's own rule, so losses are handled exactly as before.

A packet that never comes back is given up on. aiortc waits for the missing packet until the
buffer overflows (512 packets: 6 to 11 s at 500 kbit/s), and its NACKs forget a packet 128
packets later, so one retransmission lost twice, or the packets lost in an outage, froze the
practitioner's picture for that long (measured: 8 s at 0 frames/s under 3 % loss, then 10 s at
60 frames/s catching up). Now packets held back by a missing one for `HOLE_LIMIT` (at once when
more are missing than NACKs can bring back, as after an outage) are released: the gap is
skipped, a key frame is asked for (PLI, again every `PLI_EVERY` s until one comes) and frames
that depend on what was lost are dropped until it arrives. A short freeze, never a picture
built on missing data.

aiortc builds the buffer in its receiver and exposes no knob: `install` replaces the private
attribute of each video receiver of a peer connection, before any packet arrives (aiortc is pinned
to 1.16.x; `tests/desktop/video/test_video_jitter.py` fails loudly if the attribute moves).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from aiortc import RTCPeerConnection
from aiortc.jitterbuffer import JitterBuffer, JitterFrame
from aiortc.rtcrtpreceiver import RTCRtpReceiver

log = logging.getLogger(__name__)

_ATTRIBUTE = "_RTCRtpReceiver__jitter_buffer"
VIDEO_CAPACITY = 512  # aiortc's own for video
# s a missing packet is waited for before giving up on it (then a key frame costs ~1.5 s at
# 500 kbit/s): long enough for a retransmission asked for twice at 150 ms round trip.
HOLE_LIMIT = 1.0
NACK_MEMORY = 128  # packets: aiortc stops asking for a missing one this many packets later
NACK_EVERY = 0.2  # s between two requests for the same missing packets (aiortc asks only once)
PLI_EVERY = 0.5  # s between key frame requests while waiting for one (a PLI can be lost too)


class MarkerJitterBuffer(JitterBuffer):
    """aiortc's video jitter buffer, releasing a frame at its marker packet."""

    def __init__(self, capacity: int = VIDEO_CAPACITY, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(capacity=capacity, is_video=True)
        self.early_frames = 0  # released at their marker, before the next frame's first packet
        self.holes_skipped = 0
        self.frames_dropped = 0  # complete, but waiting for a key frame after a skipped hole
        self._clock = clock
        self._stuck_since: float | None = None  # since when packets wait behind a missing one
        self._newest: int | None = None  # the highest sequence number received (mod 2^16)
        self._keyframe_wanted_at: float | None = None  # last PLI while waiting for a key frame
        self._nacked_at: float | None = None
        self.renacks = 0
        # Sends a NACK (media SSRC, missing sequence numbers); set by `install`.
        self.send_nack: Callable[[int, list[int]], None] | None = None

    def add(self, packet: Any) -> tuple[bool, JitterFrame | None]:
        pli, frame = super().add(packet)
        now = self._clock()
        seq = packet.sequence_number
        if self._newest is None or 0 < (seq - self._newest) % 65536 < 32768:
            self._newest = seq
        if frame is not None or self._origin is None:
            self._stuck_since = None
        else:
            # Nothing released: a packet missing in front of those received holds them back.
            _start, missing = self._gap()
            if missing == 0:
                self._stuck_since = None
            else:
                if self._stuck_since is None:
                    self._stuck_since = now
                    self._nacked_at = now  # aiortc's NACK generator has just asked
                elif self._nacked_at is not None and now - self._nacked_at >= NACK_EVERY:
                    self._ask_again(packet.ssrc, now)
                # Waited long enough; or more missing than aiortc's NACKs remember (an outage).
                if (now - self._stuck_since >= HOLE_LIMIT or missing > NACK_MEMORY) and self._skip_gap():
                    self.holes_skipped += 1
                    self._stuck_since = None
                    self._keyframe_wanted_at = now - PLI_EVERY  # ask at once, below
                    frame = self._remove_frame(packet.sequence_number)
        if pli and self._keyframe_wanted_at is None:
            self._keyframe_wanted_at = now - PLI_EVERY  # aiortc's own reset: a key frame is needed
        if self._keyframe_wanted_at is not None:
            # Every frame held until the key frame is useless: all of them go now, not one per
            # packet received (the key frame would otherwise come out behind them, seconds late).
            while frame is not None and not is_keyframe(frame.data):
                self.frames_dropped += 1
                frame = self._remove_frame(packet.sequence_number)
            if frame is not None:
                self._keyframe_wanted_at = None
            else:
                if now - self._keyframe_wanted_at >= PLI_EVERY:
                    self._keyframe_wanted_at = now
                    pli = True
        return pli, frame

    def _remove_frame(self, sequence_number: int) -> JitterFrame | None:
        origin = self._origin
        if origin is not None:
            packets: list[Any] = []
            timestamp = None
            for count in range(self._capacity):
                packet = self._packets[(origin + count) % self._capacity]
                if packet is None or (timestamp is not None and packet.timestamp != timestamp):
                    break
                timestamp = packet.timestamp
                packets.append(packet)
                if packet.marker:
                    self.remove(count + 1)
                    self.early_frames += 1
                    return JitterFrame(data=b"".join(p._data for p in packets), timestamp=packet.timestamp)
        frame: JitterFrame | None = super()._remove_frame(sequence_number)
        return frame

    def _ask_again(self, ssrc: int, now: float) -> None:
        """Ask again for the packets missing in front of the buffer: aiortc asks once, when it
        first sees them missing, so a request or a retransmission lost too (3 % loss: one in
        ~30) left a gap that only a key frame could close."""
        self._nacked_at = now
        if self.send_nack is None or self._origin is None:
            return
        start, length = self._gap()  # the gap holding frames back, not packets still to come
        missing = [(self._origin + start + i) % 65536 for i in range(length)][-NACK_MEMORY:]
        if missing:
            self.renacks += 1
            self.send_nack(ssrc, missing)

    def _gap(self) -> tuple[int, int]:
        """(where the first missing packet is, how many are missing there), counted from the
        head of the buffer; (0, 0) when nothing is missing before the newest packet received."""
        assert self._origin is not None
        if self._newest is None:
            return 0, 0
        # Only up to the newest packet: on every packet of a frame, not the whole buffer (512).
        ahead = (self._newest - self._origin) % 65536
        if ahead >= 32768:  # the head is past the newest packet: nothing received is waiting
            return 0, 0
        span = min(self._capacity, ahead + 1)
        start = None
        for count in range(span):
            present = self._packets[(self._origin + count) % self._capacity] is not None
            if not present and start is None:
                start = count
            elif present and start is not None:
                return start, count - start
        return 0, 0  # nothing received after it: not a gap, just the next packets not here yet

    def _skip_gap(self) -> bool:
        """Start again at the first packet after the first gap; True when there was one.

        What comes before it is dropped (the frame the gap cut into); the packet it starts at may
        be in the middle of a frame, and the frames after it may refer to what was lost:
        everything until a key frame is dropped too (`add`).
        """
        start, missing = self._gap()
        if missing == 0:
            return False
        self.remove(start + missing)
        return True


def is_keyframe(data: bytes) -> bool:
    """Whether a depacketized VP8 or H.264 frame can be decoded alone."""
    if data[:3] == b"\x00\x00\x01" or data[:4] == b"\x00\x00\x00\x01":
        # H.264 in Annex B, as aiortc depacketizes it: an IDR slice (5) or a sequence set (7).
        parts = data.replace(b"\x00\x00\x00\x01", b"\x00\x00\x01").split(b"\x00\x00\x01")
        return any(part and part[0] & 0x1F in (5, 7) for part in parts)
    # VP8 (RFC 6386 §9.1): the frame tag's first bit is 0 and the start code follows.
    return len(data) >= 6 and data[0] & 0x01 == 0 and data[3:6] == b"\x9d\x01\x2a"


def install(pc: RTCPeerConnection) -> int:
    """Give every video receiver of `pc` a `MarkerJitterBuffer`; returns how many were replaced."""
    replaced = 0
    for transceiver in pc.getTransceivers():
        receiver: RTCRtpReceiver = transceiver.receiver
        if transceiver.kind != "video":
            continue
        if not isinstance(getattr(receiver, _ATTRIBUTE, None), JitterBuffer):
            log.warning("aiortc's receiver has no jitter buffer attribute: marker release disabled")
            continue
        buffer = MarkerJitterBuffer()
        buffer.send_nack = _nack_sender(receiver)
        setattr(receiver, _ATTRIBUTE, buffer)
        replaced += 1
    return replaced


def _nack_sender(receiver: RTCRtpReceiver) -> Callable[[int, list[int]], None]:
    tasks: set[asyncio.Task[None]] = set()

    def send(ssrc: int, missing: list[int]) -> None:
        task = asyncio.get_running_loop().create_task(receiver._send_rtcp_nack(ssrc, missing))
        tasks.add(task)  # held until sent
        task.add_done_callback(_forget)

    def _forget(task: asyncio.Task[None]) -> None:
        tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.debug("NACK not sent: %s", type(task.exception()).__name__)  # the transport closed

    return send
