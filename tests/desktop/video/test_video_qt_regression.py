"""PySide6 + qasync regressions: the 6.12.0 `Signal.emit` refcount bug, and a 60 s call under Qt.

PySide6 6.12.0 on Python 3.11 drops a reference to `True` (and `None`) on every Python-side
`Signal.emit()`. qasync's `call_soon_threadsafe` is such an emit, and aiortc calls it ~60 times a
second during a call (decoder thread, encoder executor): the process aborted with
"Fatal Python error: bool_dealloc" after 39 s (video-stack.md §4). The pin to 6.11.3 fixes it;
these tests fail (or abort the run) if an upgrade brings it back. On Python >= 3.12 `True` and
`None` are immortal and the first test passes trivially.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from dataclasses import dataclass

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication
from video_loopback import make_side, media_flowing, wait_until

from desktop.domain.call_state import CallState
from desktop.video.engine import Role
from desktop.video.signaling import memory_pair

CALL_SECONDS = 60


class FrameNotifier(QObject):
    """What the call screen will do: a Python signal per decoded frame, painted by a slot."""

    frame_ready = Signal()


def test_python_signal_emit_does_not_leak_references_to_true(qapp: QApplication) -> None:
    notifier = FrameNotifier()
    received: list[None] = []
    notifier.frame_ready.connect(lambda: received.append(None))
    true_before, none_before = sys.getrefcount(True), sys.getrefcount(None)
    for _ in range(10_000):
        notifier.frame_ready.emit()
    assert len(received) == 10_000
    # Other code may take or drop a handful of references meanwhile; the bug drops 10 000.
    assert sys.getrefcount(True) >= true_before - 100
    assert sys.getrefcount(None) >= none_before - 100


@dataclass
class CallRun:
    true_drift: int
    offerer_frames: int
    answerer_frames: int
    offerer_audio: int
    painted: int


async def _call_for(seconds: float) -> CallRun:
    a, b = memory_pair()
    offerer, answerer = make_side(Role.OFFERER, a), make_side(Role.ANSWERER, b)
    notifier = FrameNotifier()
    painted: list[None] = []
    notifier.frame_ready.connect(lambda: painted.append(None))
    offerer.remote_video._on_frame = notifier.frame_ready.emit  # as the video widget will
    await asyncio.gather(offerer.engine.start(), answerer.engine.start())
    try:
        await wait_until(media_flowing(offerer, frames=1, audio=1), 10, "media")
        true_before = sys.getrefcount(True)
        frames_before = offerer.remote_video.frames, answerer.remote_video.frames
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            await asyncio.sleep(1)
            assert offerer.engine.state is CallState.CONNECTED
            assert answerer.engine.state is CallState.CONNECTED
        return CallRun(
            true_drift=sys.getrefcount(True) - true_before,
            offerer_frames=offerer.remote_video.frames - frames_before[0],
            answerer_frames=answerer.remote_video.frames - frames_before[1],
            offerer_audio=offerer.remote_audio.frames,
            painted=len(painted),
        )
    finally:
        await asyncio.gather(offerer.engine.close(), answerer.engine.close())


@pytest.mark.slow
def test_sixty_second_call_under_qasync_does_not_abort(qapp: QApplication) -> None:
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        result = loop.run_until_complete(_call_for(CALL_SECONDS))
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    # Media kept flowing the whole minute (throughput itself is measured by `make bench`, on an
    # idle machine; here another process may hold both cores: a third of 30 fps is the floor).
    expected = CALL_SECONDS * 30
    assert result.offerer_frames >= expected / 3
    assert result.answerer_frames >= expected / 3
    assert result.painted >= expected / 3
    assert result.offerer_audio >= CALL_SECONDS * 50 / 3
    assert abs(result.true_drift) < 500  # 6.12.0 drops ~60 a second: -3 600 here, then aborts
