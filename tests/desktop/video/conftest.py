"""Fixtures of the call engine tests: aioice on 127.0.0.1, and a factory of loopback calls.

aioice leaves 127.0.0.1 out of its host candidates, so two peers inside a loopback-only network
namespace (or on a machine whose other interfaces must not be used by tests) would find no
candidate pair; the patch below makes 127.0.0.1 the only host address (video-stack.md §2).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aioice.ice
import pytest
import pytest_asyncio
from video_loopback import CallPair, MakeCall, Network, TrickleSignaling, make_side

from desktop.video.engine import Role
from desktop.video.signaling import MemorySignaling, memory_pair


@pytest.fixture(autouse=True)
def loopback_ice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"] if use_ipv4 else []
    )


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> Network:
    net = Network()
    send_stun, send_data = aioice.ice.StunProtocol.send_stun, aioice.ice.StunProtocol.send_data

    def stun(self: aioice.ice.StunProtocol, message: Any, addr: tuple[str, int]) -> None:
        if net.down:
            net.dropped += 1
            return
        send_stun(self, message, addr)

    async def data(self: aioice.ice.StunProtocol, payload: bytes, addr: tuple[str, int]) -> None:
        if net.down:
            net.dropped += 1
            return
        await send_data(self, payload, addr)

    monkeypatch.setattr(aioice.ice.StunProtocol, "send_stun", stun)
    monkeypatch.setattr(aioice.ice.StunProtocol, "send_data", data)
    return net


@pytest_asyncio.fixture
async def make_call() -> AsyncIterator[MakeCall]:
    """Build (and at the end close) an offerer/answerer pair joined by in-memory signaling."""
    pairs: list[CallPair] = []

    async def factory(
        *,
        trickle: bool = False,
        start: bool = True,
        offerer: dict[str, Any] | None = None,
        answerer: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> CallPair:
        a: MemorySignaling
        if trickle:
            a, b = MemorySignaling(), TrickleSignaling()
            a.peer, b.peer = b, a
        else:
            a, b = memory_pair()
        pair = CallPair(
            make_side(Role.OFFERER, a, **kwargs, **(offerer or {})),
            make_side(Role.ANSWERER, b, **kwargs, **(answerer or {})),
        )
        pairs.append(pair)
        if start:
            await pair.start()
        return pair

    yield factory
    for pair in pairs:
        await pair.close()
