"""ICE configuration: the server-given STUN/TURN list, never aiortc's default, gathering bounded.

Two aiortc/aioice behaviours shape this module:

- `RTCConfiguration()` without `iceServers` makes aiortc query Google's public STUN server
  (`RTCIceGatherer.getDefaultIceServers`): it leaks the practitioner's address to a third party
  and stalls when unreachable. `rtc_configuration` always passes an explicit list, empty when the
  server configured nothing, which means host candidates only.
- aiortc does not trickle: `setLocalDescription` waits for every candidate, and aioice waits up
  to 5 s for a server-reflexive or relayed one (`Connection.get_component_candidates(timeout=5)`).
  One unreachable STUN/TURN server thus adds 5 s per side. `bound_gathering` lowers that wait
  per connection (`CallOptions.gather_timeout`, 0.6 s); gathering still returns as soon as all
  servers answered, so a reachable server costs nothing extra, and an unreachable one costs at
  most the bound, with host (and any already obtained) candidates kept.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection
from aiortc.rtcicetransport import RTCIceGatherer, parse_stun_turn_uri

log = logging.getLogger(__name__)


_SCHEMES = ("stun", "turn", "turns")


def parse_ice_servers(entries: Iterable[Mapping[str, Any]] | None) -> list[RTCIceServer]:
    """Convert WebRTC-style ``iceServers`` dicts (urls, username, credential) for aiortc.

    Unusable entries are dropped with a warning rather than failing the call: a practitioner is
    better served by a call on host candidates than by no call. None and [] both mean "no
    server": host candidates only, never a default server.
    """
    servers: list[RTCIceServer] = []
    for position, entry in enumerate(entries or ()):
        server = _parse_entry(position, entry)
        if server is not None:
            servers.append(server)
    return servers


def _parse_entry(position: int, entry: object) -> RTCIceServer | None:
    if not isinstance(entry, Mapping):
        log.warning("ICE server #%d ignored: not an object", position)
        return None
    raw = entry.get("urls", entry.get("url"))
    urls = [raw] if isinstance(raw, str) else raw
    if not isinstance(urls, list) or not urls or not all(isinstance(u, str) for u in urls):
        log.warning("ICE server #%d ignored: no urls", position)
        return None
    username, credential = entry.get("username"), entry.get("credential")
    kept: list[str] = []
    for url in urls:
        try:
            scheme = parse_stun_turn_uri(url)["scheme"]
        except ValueError:
            log.warning("ICE server #%d: malformed url ignored", position)
            continue
        if scheme not in _SCHEMES:  # aiortc cannot use stuns:
            log.warning("ICE server #%d: unsupported scheme %s ignored", position, scheme)
            continue
        if scheme.startswith("turn") and not (isinstance(username, str) and isinstance(credential, str)):
            log.warning("ICE server #%d: TURN url without credentials ignored", position)
            continue
        kept.append(url)
    if not kept:
        return None
    return RTCIceServer(
        urls=kept,
        username=username if isinstance(username, str) else None,
        credential=credential if isinstance(credential, str) else None,
    )


def rtc_configuration(servers: list[RTCIceServer]) -> RTCConfiguration:
    """An explicit configuration: aiortc's Google default can never slip in."""
    return RTCConfiguration(iceServers=list(servers))


def gatherers(pc: RTCPeerConnection) -> list[RTCIceGatherer]:
    """The ICE gatherers of a peer connection's transceivers (one each until BUNDLE applies)."""
    found: list[RTCIceGatherer] = []
    for transceiver in pc.getTransceivers():
        gatherer = transceiver.sender.transport.transport.iceGatherer
        if gatherer not in found:
            found.append(gatherer)
    return found


def bound_gathering(pc: RTCPeerConnection, timeout: float) -> None:
    """Bound how long each gatherer of `pc` waits for STUN/TURN candidates.

    Call after the transceivers exist and before any gathering. aiortc builds aioice's
    `Connection` itself and exposes no knob, so the per-connection method gets its documented
    `timeout` argument bound here (instance attribute: no global monkeypatching).
    """
    for gatherer in gatherers(pc):
        connection = gatherer._connection
        original = type(connection).get_component_candidates.__get__(connection)
        connection.get_component_candidates = functools.partial(original, timeout=timeout)  # type: ignore[method-assign]


async def gather(pc: RTCPeerConnection) -> None:
    """Gather every transceiver's candidates now, so the offer or answer does not wait for it."""
    await asyncio.gather(*(g.gather() for g in gatherers(pc)))
