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


KEY = b"\x10\x02\x00\x9d\x01\x2a" + b"k" * 4  # a VP8 key frame's first bytes (RFC 6386 §9.1)
DELTA = b"\x11" + b"d" * 9  # an inter frame: frame tag bit 0 set


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _frame_packets(seq: int, timestamp: int, data: bytes, count: int = 2) -> list[RtpPacket]:
    size = len(data) // count
    chunks = [data[i * size : (i + 1) * size if i < count - 1 else len(data)] for i in range(count)]
    return [_packet(seq + i, timestamp, i == count - 1, chunk) for i, chunk in enumerate(chunks)]


def test_key_frames_are_recognised() -> None:
    assert jitter.is_keyframe(KEY) and not jitter.is_keyframe(DELTA)
    assert jitter.is_keyframe(b"\x00\x00\x00\x01\x67sps\x00\x00\x00\x01\x65idr")  # H.264 SPS + IDR
    assert not jitter.is_keyframe(b"\x00\x00\x00\x01\x41slice")  # H.264 non-IDR slice


def test_a_packet_that_never_comes_back_is_given_up_on_and_a_key_frame_asked_for() -> None:
    """aiortc waited for it until 512 packets had piled up behind (seconds of frozen picture)."""
    clock = Clock()
    buffer = MarkerJitterBuffer(clock=clock)
    seq, ts, released = 1000, 0, []
    for _ in range(3):  # a clean start
        for packet in _frame_packets(seq, ts, KEY if ts == 0 else DELTA):
            pli, frame = buffer.add(packet)
            assert not pli
            released += [frame] if frame else []
        seq, ts = seq + 2, ts + 3000
    assert len(released) == 3
    seq += 1  # the first packet of the next frame is lost for good
    plis, after = 0, []
    for i in range(60):  # 60 frames at 30 fps: 2 s
        clock.now += 1 / 30
        packets = _frame_packets(seq, ts, DELTA)
        if i == 0:
            packets = packets[1:]
        for packet in packets:
            pli, frame = buffer.add(packet)
            plis += pli
            after += [frame] if frame else []
        seq, ts = seq + 2, ts + 3000
    # Nothing decoded on top of the missing data; key frames asked for every PLI_EVERY s.
    assert after == [] and buffer.holes_skipped == 1
    assert 2 <= plis <= 3, plis
    assert buffer.frames_dropped > 0
    for packet in _frame_packets(seq, ts, KEY):  # the key frame asked for
        pli, frame = buffer.add(packet)
    assert frame is not None and frame.data == KEY and not pli
    clock.now += 1 / 30
    for packet in _frame_packets(seq + 2, ts + 3000, DELTA):
        _pli, frame = buffer.add(packet)
    assert frame is not None and frame.data == DELTA  # and the picture goes on


def test_a_retransmission_within_the_limit_is_still_waited_for() -> None:
    clock = Clock()
    buffer = MarkerJitterBuffer(clock=clock)
    for packet in _frame_packets(1, 0, KEY):
        buffer.add(packet)
    late = _frame_packets(3, 3000, DELTA)
    buffer.add(late[1])  # its first packet is missing
    clock.now += jitter.HOLE_LIMIT * 0.8
    assert buffer.add(_packet(5, 6000, True, DELTA)) == (False, None)
    pli, frame = buffer.add(late[0])  # retransmitted in time (NACK)
    assert not pli and frame is not None and frame.data == DELTA
    assert buffer.holes_skipped == 0 and buffer.frames_dropped == 0


def test_a_frame_cut_in_its_middle_does_not_hold_the_next_ones_back() -> None:
    """The head of the buffer is there but the frame's middle packet never comes: the frames
    behind it were held until the buffer overflowed (10 s of frozen picture after an outage)."""
    clock = Clock()
    buffer = MarkerJitterBuffer(clock=clock)
    for packet in _frame_packets(1, 0, KEY):
        buffer.add(packet)
    cut = _frame_packets(3, 3000, DELTA, count=3)
    buffer.add(cut[0])
    buffer.add(cut[2])  # cut[1] is lost for good
    seq, ts, released = 6, 6000, []
    for _ in range(45):
        clock.now += 1 / 30
        for packet in _frame_packets(seq, ts, DELTA):
            released += [f for f in [buffer.add(packet)[1]] if f]
        seq, ts = seq + 2, ts + 3000
    assert buffer.holes_skipped == 1 and released == []  # given up on; waiting for a key frame
    for packet in _frame_packets(seq, ts, KEY):
        _pli, frame = buffer.add(packet)
    assert frame is not None and frame.data == KEY


def test_a_missing_packet_is_asked_for_again_until_given_up_on() -> None:
    """aiortc's NACK asks once; a lost request or retransmission used to leave the gap for good."""
    clock = Clock()
    buffer = MarkerJitterBuffer(clock=clock)
    asked: list[tuple[int, list[int]]] = []
    buffer.send_nack = lambda ssrc, missing: asked.append((ssrc, missing))
    for packet in _frame_packets(1, 0, KEY):
        buffer.add(packet)
    seq, ts = 4, 3000  # packet 3 (the first of this frame) is lost
    for _ in range(20):  # 0.67 s: within HOLE_LIMIT
        clock.now += 1 / 30
        for packet in _frame_packets(seq, ts, DELTA):
            packet.ssrc = 1234
            buffer.add(packet)
        seq, ts = seq + 2, ts + 3000
    assert len(asked) >= 2 and all(request == (1234, [3]) for request in asked), asked
    assert buffer.renacks == len(asked)
    assert buffer.holes_skipped == 0
    _pli, frame = buffer.add(_packet(3, 3000, False, b"\x11d"))  # the retransmission, at last
    assert frame is not None and buffer.holes_skipped == 0
