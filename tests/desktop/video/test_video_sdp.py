"""SDP munging (bitrate hints) and browser candidate conversion."""

from __future__ import annotations

import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription
from video_loopback import split_candidates

from desktop.video.errors import SignalingError
from desktop.video.ice import rtc_configuration
from desktop.video.peer import video_codec_preferences
from desktop.video.sdp import add_bitrate_hints, candidate_from_init, negotiated_codec
from desktop.video.signaling import IceCandidateInit

OFFER = "\r\n".join(
    [
        "v=0",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111",
        "a=rtpmap:111 opus/48000/2",
        "a=fmtp:111 minptime=10;useinbandfec=1",
        "m=video 9 UDP/TLS/RTP/SAVPF 97 98 99 100",
        "a=mid:1",
        "a=rtpmap:97 VP8/90000",
        "a=rtpmap:98 rtx/90000",
        "a=fmtp:98 apt=97",
        "a=rtpmap:99 H264/90000",
        "a=fmtp:99 packetization-mode=1;level-asymmetry-allowed=1;profile-level-id=42001f",
        "a=rtpmap:100 rtx/90000",
        "a=fmtp:100 apt=99",
        "",
    ]
)
HINTS = "x-google-start-bitrate=1500;x-google-max-bitrate=2500"


def test_bitrate_hints_go_on_vp8_and_h264_only() -> None:
    munged = add_bitrate_hints(OFFER)
    lines = munged.split("\r\n")
    assert lines[lines.index("a=rtpmap:97 VP8/90000") + 1] == f"a=fmtp:97 {HINTS}"
    assert (
        f"a=fmtp:99 packetization-mode=1;level-asymmetry-allowed=1;profile-level-id=42001f;{HINTS}" in lines
    )
    assert "a=fmtp:98 apt=97" in lines and "a=fmtp:100 apt=99" in lines
    assert "a=fmtp:111 minptime=10;useinbandfec=1" in lines
    assert munged.count("x-google-start-bitrate") == 2
    assert add_bitrate_hints(munged) == munged  # idempotent
    assert munged.endswith("\r\n")


@pytest.mark.asyncio
async def test_bitrate_hints_on_a_real_aiortc_offer_keep_it_parseable() -> None:
    pc = RTCPeerConnection(rtc_configuration([]))
    try:
        pc.addTransceiver("audio")
        video = pc.addTransceiver("video")
        video.setCodecPreferences(video_codec_preferences())
        offer = await pc.createOffer()
        munged = add_bitrate_hints(offer.sdp)
        assert negotiated_codec(munged) == "VP8"
        vp8 = [line for line in munged.split("\r\n") if "VP8/90000" in line]
        payload = vp8[0].split(":")[1].split()[0]
        assert f"a=fmtp:{payload} {HINTS}" in munged
        other = RTCPeerConnection(rtc_configuration([]))
        try:
            await other.setRemoteDescription(RTCSessionDescription(sdp=munged, type="offer"))
        finally:
            await other.close()
    finally:
        await pc.close()


def test_browser_candidate_is_converted_with_its_mid() -> None:
    init = IceCandidateInit(
        "candidate:842163049 1 udp 1677729535 192.0.2.7 50012 typ srflx raddr 10.0.0.2 rport 50012 "
        "generation 0 ufrag EsAw network-cost 999",
        "0",
        0,
    )
    candidate = candidate_from_init(init)
    assert (candidate.ip, candidate.port, candidate.type, candidate.protocol) == (
        "192.0.2.7",
        50012,
        "srflx",
        "udp",
    )
    assert (candidate.relatedAddress, candidate.relatedPort) == ("10.0.0.2", 50012)
    assert (candidate.sdpMid, candidate.sdpMLineIndex) == ("0", 0)


def test_mdns_candidate_is_accepted() -> None:
    init = IceCandidateInit("candidate:1 1 udp 2122260223 9b36-4f.local 54321 typ host generation 0", None, 1)
    assert candidate_from_init(init).ip == "9b36-4f.local"


@pytest.mark.parametrize(
    "text",
    [
        "candidate:",
        "candidate:1 1 udp",
        "candidate:1 x udp 1 1.2.3.4 5 typ host",
        "candidate:1 1 udp 1 1.2.3.4 99999 typ host",
    ],
)
def test_bad_candidates_raise_signaling_error(text: str) -> None:
    with pytest.raises(SignalingError):
        candidate_from_init(IceCandidateInit(text, "0", 0))


def test_split_candidates_mimics_a_browser_description() -> None:
    sdp = "\r\n".join(
        [
            "v=0",
            "m=audio 9 X 0",
            "a=mid:0",
            "a=candidate:1 1 udp 1 127.0.0.1 5000 typ host",
            "a=end-of-candidates",
            "",
        ]
    )
    kept, found = split_candidates(sdp)
    assert "a=candidate" not in kept and "end-of-candidates" not in kept
    assert found == [IceCandidateInit("candidate:1 1 udp 1 127.0.0.1 5000 typ host", "0", 0)]
