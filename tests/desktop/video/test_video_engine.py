"""Loopback calls between two real aiortc engines in one process."""

from __future__ import annotations

import pytest
from video_loopback import MakeCall, media_flowing, wait_until

from desktop.video.engine import CallState


@pytest.mark.asyncio
async def test_frames_and_audio_flow_both_ways(make_call: MakeCall) -> None:
    call = await make_call()
    for side in (call.offerer, call.answerer):
        await wait_until(media_flowing(side, frames=30, audio=50), 10, "media")
    for side in (call.offerer, call.answerer):
        assert side.remote_video.size == (640, 480)
        assert side.engine.state is CallState.CONNECTED
    print(call.offerer.engine.timeline, call.answerer.engine.timeline)
