"""One wait shared by the loops that sleep until woken or until a deadline.

The playout of the remote picture, the remote sound's lip sync and the realtime client's
reconnection back-off all "clear an event, then wait for it to be set again or for a time":
written with `asyncio.timeout`, which keeps a cancellation that races the wake-up (Python 3.11's
`asyncio.wait_for` loses it; ruff bans it, see pyproject.toml).
"""

from __future__ import annotations

import asyncio
import contextlib


async def wake_or_timeout(event: asyncio.Event, seconds: float | None) -> None:
    """Clear `event`, then return when it is set again or after `seconds` (None: no limit)."""
    event.clear()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()
