"""SDP text helpers: bitrate hints for the browser, and browser ICE candidates for aiortc.

aiortc gives bandwidth feedback to the browser only through REMB (no transport-cc), so Chromium's
estimate ramps up slowly from its 300 kbit/s start: a 720p camera is sent as 640x360, and still
960x540 after 30 s (video-stack.md, pitfall 7). Chromium reads `x-google-start-bitrate` and
`x-google-max-bitrate` (kbit/s) from the fmtp line of a codec in the *remote* description, so the
practitioner's offer carries them and the patient's browser sends 720p from the first second.
"""

from __future__ import annotations

import re

from aiortc import RTCIceCandidate
from aiortc.sdp import candidate_from_sdp

from desktop.video.errors import SignalingError
from desktop.video.signaling import IceCandidateInit

START_BITRATE_KBPS = 1_500
MAX_BITRATE_KBPS = 2_500

_BITRATE_CODECS = ("vp8", "h264")
_RTPMAP = re.compile(r"^a=rtpmap:(\d+) ([A-Za-z0-9-]+)/", re.IGNORECASE)
_FMTP = re.compile(r"^a=fmtp:(\d+) ")


def add_bitrate_hints(
    sdp: str, start_kbps: int = START_BITRATE_KBPS, max_kbps: int = MAX_BITRATE_KBPS
) -> str:
    """Return `sdp` with the x-google bitrate hints on every VP8 and H.264 payload type.

    An existing fmtp line gets the parameters appended; a codec without one (VP8 in aiortc's
    offers) gets a new fmtp line right after its rtpmap. Other codecs (RTX, Opus) are untouched,
    and applying the function twice changes nothing more.
    """
    newline = "\r\n" if "\r\n" in sdp else "\n"
    lines = sdp.split(newline)
    hints = f"x-google-start-bitrate={start_kbps};x-google-max-bitrate={max_kbps}"

    targets: set[str] = set()
    with_fmtp: set[str] = set()
    for line in lines:
        if (match := _RTPMAP.match(line)) and match.group(2).lower() in _BITRATE_CODECS:
            targets.add(match.group(1))
        elif match := _FMTP.match(line):
            with_fmtp.add(match.group(1))

    out: list[str] = []
    for line in lines:
        fmtp = _FMTP.match(line)
        if fmtp and fmtp.group(1) in targets:
            out.append(line if "x-google-start-bitrate" in line else f"{line};{hints}")
            continue
        out.append(line)
        rtpmap = _RTPMAP.match(line)
        if rtpmap and rtpmap.group(1) in targets and rtpmap.group(1) not in with_fmtp:
            out.append(f"a=fmtp:{rtpmap.group(1)} {hints}")
    return newline.join(out)


def candidate_from_init(init: IceCandidateInit) -> RTCIceCandidate:
    """Convert a browser candidate (``"candidate:842163049 1 udp …"``) for `addIceCandidate`.

    Raises:
        SignalingError: the candidate text is not a valid ICE candidate attribute.
    """
    text = init.candidate.strip()
    if text.startswith("a="):
        text = text[2:]
    if text.startswith("candidate:"):
        text = text[len("candidate:") :]
    try:
        # aiortc's parser asserts on short input and int()s the numeric fields.
        if len(text.split()) < 8:
            raise ValueError("too short")
        candidate = candidate_from_sdp(text)
    except (ValueError, IndexError, AssertionError) as exc:
        raise SignalingError("Candidat ICE invalide.") from exc
    if not 0 <= candidate.port <= 65_535 or candidate.component not in (1, 2):
        raise SignalingError("Candidat ICE invalide.")
    candidate.sdpMid = init.sdp_mid
    candidate.sdpMLineIndex = init.sdp_mline_index
    return candidate


def negotiated_codec(sdp: str, kind: str = "video") -> str | None:
    """The first codec of the first `kind` section (what an answer settled on), e.g. ``"VP8"``."""
    in_section = False
    first_payload: str | None = None
    for line in sdp.splitlines():
        if line.startswith("m="):
            if in_section:
                break
            parts = line[2:].split()
            in_section = parts[0] == kind and len(parts) > 3
            first_payload = parts[3] if in_section else None
        elif in_section and (match := _RTPMAP.match(line)) and match.group(1) == first_payload:
            return match.group(2)
    return None
