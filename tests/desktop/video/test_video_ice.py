"""ICE configuration: never aiortc's Google default, entries validated, gathering bounded."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import pytest
from aiortc import RTCPeerConnection

from desktop.video.ice import bound_gathering, gather, gatherers, parse_ice_servers, rtc_configuration


def contacts_servers(pc: RTCPeerConnection) -> bool:
    """True if any gatherer of `pc` would contact a STUN or TURN server (aiortc's own settings)."""
    return any(
        g._connection.stun_server is not None or g._connection.turn_server is not None for g in gatherers(pc)
    )


def test_nothing_configured_means_host_candidates_only() -> None:
    for entries in (None, []):
        config = rtc_configuration(parse_ice_servers(entries))
        assert config.iceServers == []


def test_webrtc_style_entries_are_converted() -> None:
    servers = parse_ice_servers(
        [
            {"urls": "stun:stun.example.fr:3478"},
            {
                "urls": [
                    "turn:turn.example.fr:3478?transport=udp",
                    "turns:turn.example.fr:5349?transport=tcp",
                ],
                "username": "1700000000:prat",
                "credential": "c2VjcmV0",
            },
        ]
    )
    assert [s.urls for s in servers] == [
        ["stun:stun.example.fr:3478"],
        ["turn:turn.example.fr:3478?transport=udp", "turns:turn.example.fr:5349?transport=tcp"],
    ]
    assert servers[1].username == "1700000000:prat" and servers[1].credential == "c2VjcmV0"


@pytest.mark.parametrize(
    "entry",
    [
        "stun:stun.example.fr",
        {"urls": []},
        {"urls": 3},
        {"urls": "http://example.fr"},
        {"urls": "stuns:stun.example.fr"},  # aiortc cannot use it: better dropped than silently ignored
        {"urls": "turn:turn.example.fr"},  # TURN without credentials
        {"urls": "stun:stun.example.fr?transport=udp"},
    ],
)
def test_unusable_entries_are_dropped_not_replaced_by_a_default(entry: object) -> None:
    assert parse_ice_servers([entry]) == []  # type: ignore[list-item]


@pytest.mark.asyncio
async def test_an_empty_list_never_contacts_a_server() -> None:
    pc = RTCPeerConnection(rtc_configuration(parse_ice_servers([])))
    try:
        pc.addTransceiver("audio")
        pc.addTransceiver("video")
        assert not contacts_servers(pc)
    finally:
        await pc.close()


@pytest.fixture
def silent_udp_server() -> Iterator[int]:
    """A local UDP port that swallows every STUN/TURN request: an unreachable server, offline."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    yield sock.getsockname()[1]
    sock.close()


@pytest.mark.asyncio
async def test_gathering_with_an_unreachable_server_is_bounded(silent_udp_server: int) -> None:
    servers = parse_ice_servers(
        [
            {"urls": f"stun:127.0.0.1:{silent_udp_server}"},
            {"urls": f"turn:127.0.0.1:{silent_udp_server}", "username": "u", "credential": "p"},
        ]
    )
    pc = RTCPeerConnection(rtc_configuration(servers))
    try:
        pc.addTransceiver("audio")
        pc.addTransceiver("video")
        assert contacts_servers(pc)
        bound_gathering(pc, 0.3)
        started = time.monotonic()
        await gather(pc)
        elapsed = time.monotonic() - started
        offer = await pc.createOffer()
        await asyncio.wait_for(pc.setLocalDescription(offer), 0.5)  # already gathered: no new wait
    finally:
        await pc.close()
    assert 0.25 < elapsed < 0.8
    assert "typ host" in pc.localDescription.sdp
