"""`VideoSurface` paints only the newest frame of its sink, letterboxed, mirrored for the preview."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from desktop.ui.call.widgets.video_surface import VideoSurface, fitted
from desktop.video.sinks import LatestFrameSink
from desktop.video.sources import TestPatternSource


def test_a_burst_of_frames_is_painted_once_with_the_newest(qtbot: QtBot) -> None:
    surface = VideoSurface(placeholder="En attente du patient…")
    qtbot.addWidget(surface)
    surface.resize(640, 360)
    surface.show()
    qtbot.waitExposed(surface)
    sink = LatestFrameSink()
    surface.set_sink(sink)
    source = TestPatternSource(320, 240)
    for index in range(5):  # faster than the screen: nothing is processed in between
        sink.put(source.make_frame(index))
    image = surface.grab().toImage()  # one paint, now
    assert surface.frames_painted == 1
    assert sink.dropped == 4 and sink.frames == 5
    assert surface.frame_size == QSize(320, 240)
    surface.grab()  # nothing new: the same picture again, nothing converted
    assert surface.frames_painted == 1
    assert image.pixelColor(10, 180) == QColor("#111111")  # letterbox bar (4:3 in 16:9)
    assert image.pixelColor(320, 180) != QColor("#111111")
    sink.put(source.make_frame(6))
    qtbot.waitUntil(lambda: surface.frames_painted == 2)  # the sink's listener asked for a paint
    surface.set_sink(None)
    assert surface.frame_size is None


def test_fitted_keeps_the_aspect_ratio() -> None:
    assert fitted(QSize(640, 480), QRect(0, 0, 1280, 480)) == QRect(320, 0, 640, 480)
    assert fitted(QSize(1280, 720), QRect(0, 0, 640, 720)) == QRect(0, 180, 640, 360)
