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
from video_loopback import CallPair, MakeCall, TrickleSignaling, make_side

from desktop.video.engine import Role
from desktop.video.signaling import MemorySignaling, memory_pair


@pytest.fixture(autouse=True)
def loopback_ice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"] if use_ipv4 else []
    )


@pytest_asyncio.fixture
async def make_call() -> AsyncIterator[MakeCall]:
    """Build (and at the end close) an offerer/answerer pair joined by in-memory signaling."""
    pairs: list[CallPair] = []

    async def factory(*, trickle: bool = False, start: bool = True, **kwargs: Any) -> CallPair:
        a: MemorySignaling
        if trickle:
            a, b = MemorySignaling(), TrickleSignaling()
            a.peer, b.peer = b, a
        else:
            a, b = memory_pair()
        pair = CallPair(make_side(Role.OFFERER, a, **kwargs), make_side(Role.ANSWERER, b, **kwargs))
        pairs.append(pair)
        if start:
            await pair.start()
        return pair

    yield factory
    for pair in pairs:
        await pair.close()
