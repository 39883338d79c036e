"""The marker-release jitter buffer: a video frame leaves at its last packet, losses as before."""

from __future__ import annotations

import pytest
from aiortc import RTCPeerConnection
from aiortc.rtp import RtpPacket

from desktop.video import jitter
from desktop.video.jitter import MarkerJitterBuffer


def _packet(seq: int, timestamp: int, marker: bool, data: bytes) -> RtpPacket:
    packet = RtpPacket(sequence_number=seq, timestamp=timestamp, marker=int(marker))
    packet._data = data  # type: ignore[attr-defined]  # set by aiortc's receiver after depayloading
    return packet


def test_a_frame_is_released_at_its_marker_packet() -> None:
    buffer = MarkerJitterBuffer()
    assert buffer.add(_packet(100, 3000, False, b"a"))[1] is None
    assert buffer.add(_packet(101, 3000, False, b"b"))[1] is None
    frame = buffer.add(_packet(102, 3000, True, b"c"))[1]
    assert frame is not None and frame.data == b"abc" and frame.timestamp == 3000  # not one frame later
    frame = buffer.add(_packet(103, 6000, True, b"d"))[1]
    assert frame is not None and frame.data == b"d" and buffer.early_frames == 2


def test_a_gap_waits_as_aiortc_does() -> None:
    buffer = MarkerJitterBuffer()
    buffer.add(_packet(10, 90, False, b"a"))
    assert buffer.add(_packet(12, 90, True, b"c"))[1] is None  # packet 11 is missing
    frame = buffer.add(_packet(11, 90, False, b"b"))[1]  # retransmitted: the frame is whole
    assert frame is not None and frame.data == b"abc"


def test_without_markers_the_next_frame_still_completes_it() -> None:
    buffer = MarkerJitterBuffer()
    buffer.add(_packet(1, 90, False, b"a"))
    frame = buffer.add(_packet(2, 180, False, b"b"))[1]
    assert frame is not None and frame.data == b"a" and buffer.early_frames == 0


@pytest.mark.asyncio
async def test_installed_on_video_receivers_only() -> None:
    pc = RTCPeerConnection()
    pc.addTransceiver("audio")
    video = pc.addTransceiver("video")
    try:
        assert jitter.install(pc) == 1
        # aiortc's private attribute, named here on purpose: this fails if aiortc moves it.
        assert isinstance(video.receiver._RTCRtpReceiver__jitter_buffer, MarkerJitterBuffer)
    finally:
        await pc.close()
