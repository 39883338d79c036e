"""A video jitter buffer that hands a frame over as soon as its last packet (RTP marker) is in.

aiortc's `JitterBuffer` knows a video frame is complete only when a packet of the *next* frame
arrives, so every received frame waits one frame interval (33 ms at 30 fps) before decoding: on
the first frame of a call, and on every frame after it (glass-to-glass delay). The RTP marker bit
is set on the last packet of each frame by every VP8 and H.264 sender (RFC 7741 §4.1, RFC 6184
§5.1; Chromium, Firefox, Safari and aiortc itself), so a contiguous run of packets of one
timestamp ending with the marker is a whole frame: it is released at once. Anything else (a gap,
no marker) falls back to aiortc's own rule, so losses are handled exactly as before.

aiortc builds the buffer in its receiver and exposes no knob: `install` replaces the private
attribute of each video receiver of a peer connection, before any packet arrives (aiortc is pinned
to 1.16.x; `tests/desktop/video/test_video_jitter.py` fails loudly if the attribute moves).
"""

from __future__ import annotations

import logging
from typing import Any

from aiortc import RTCPeerConnection
from aiortc.jitterbuffer import JitterBuffer, JitterFrame
from aiortc.rtcrtpreceiver import RTCRtpReceiver

log = logging.getLogger(__name__)

_ATTRIBUTE = "_RTCRtpReceiver__jitter_buffer"
VIDEO_CAPACITY = 512  # aiortc's own for video


class MarkerJitterBuffer(JitterBuffer):
    """aiortc's video jitter buffer, releasing a frame at its marker packet."""

    def __init__(self, capacity: int = VIDEO_CAPACITY) -> None:
        super().__init__(capacity=capacity, is_video=True)
        self.early_frames = 0  # released at their marker, before the next frame's first packet

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
        setattr(receiver, _ATTRIBUTE, MarkerJitterBuffer())
        replaced += 1
    return replaced
