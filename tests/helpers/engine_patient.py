"""The patient's side of a call without a browser: a socket of their own (through the real server)
and, once they join, an aiortc answerer engine, as the patient's page would answer."""

from __future__ import annotations

import asyncio
from typing import Any

from desktop.api.realtime import RealtimeClient
from desktop.services.calls import ENGINE_FRAMES
from desktop.video.aiortc_engine import AiortcCallEngine
from desktop.video.engine import Role
from desktop.video.signaling import QueueSignaling
from desktop.video.sinks import LatestFrameSink, NullAudioSink
from desktop.video.sources import TestPatternSource, ToneSource
from tests.helpers.live_server import LiveServer


class EnginePatient:
    """`video`: the size of the test pattern the patient sends (width, height)."""

    def __init__(self, server: LiveServer, token: str, video: tuple[int, int] = (320, 240)) -> None:
        self.frames: QueueSignaling | None = None
        self.engine: AiortcCallEngine | None = None
        self.remote = LatestFrameSink()
        self._video = video

        async def last_seq() -> int:
            return 0

        async def on_event(seq: int, name: str, data: dict[str, Any]) -> None:
            return None

        self.realtime = RealtimeClient(server.ws_url, lambda: token, last_seq, on_event, lambda s: None)
        for kind in ENGINE_FRAMES:
            self.realtime.add_frame_handler(kind, self._deliver)
        self.task = asyncio.get_running_loop().create_task(self.realtime.run())

    async def _deliver(self, frame: dict[str, Any]) -> None:
        if self.frames is not None:
            self.frames.deliver(frame)

    async def send(self, frame: dict[str, Any]) -> None:
        assert await self.realtime.send(frame)

    async def join(self, call_id: str) -> AiortcCallEngine:
        self.frames = QueueSignaling(self.send)
        self.engine = AiortcCallEngine(
            call_id=call_id,
            role=Role.ANSWERER,
            signaling=self.frames,
            ice_servers=[],
            video=TestPatternSource(*self._video),
            audio=ToneSource(),
            remote_video=self.remote,
            remote_audio=NullAudioSink(),
        )
        await self.engine.start()
        return self.engine

    async def close(self) -> None:
        if self.engine is not None:
            await self.engine.close()
        await self.realtime.stop()
        self.task.cancel()
