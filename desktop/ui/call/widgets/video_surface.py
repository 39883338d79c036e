"""`VideoSurface`: paints the newest frame of a `LatestFrameSink`, and never a queue of them.

The engine puts each decoded frame into the sink on the asyncio loop, which under qasync is the
Qt thread; the sink's listener only asks for a repaint (`update()`, which Qt coalesces). The paint
handler takes the newest frame, converts that one frame to a 32-bit RGB image (the cheapest
format to draw, ~0.4 ms at 720p) and draws it scaled to fit, letterboxed on black. A frame that
arrives while a paint is late replaces the previous one: the picture is never behind.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget


def fitted(frame: QSize, area: QRect) -> QRect:
    """The largest rectangle of `frame`'s aspect ratio centred in `area`."""
    if frame.isEmpty() or area.isEmpty():
        return area
    scaled = frame.scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
    return QRect(
        area.x() + (area.width() - scaled.width()) // 2,
        area.y() + (area.height() - scaled.height()) // 2,
        scaled.width(),
        scaled.height(),
    )


class VideoSurface(QWidget):
    """A video picture fed by a `LatestFrameSink` (`set_sink`); `placeholder` shows when empty."""

    def __init__(
        self, parent: QWidget | None = None, *, mirrored: bool = False, placeholder: str = ""
    ) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 90)
        self._sink: Any = None
        self._image: QImage | None = None
        self._pixels: Any = None  # the numpy buffer the QImage points into
        self._mirrored = mirrored
        self._placeholder = placeholder
        self.frames_painted = 0
        self.frame_size: QSize | None = None

    def set_sink(self, sink: Any) -> None:
        """Paint frames from `sink` (a `LatestFrameSink`), or nothing when None."""
        if self._sink is not None:
            self._sink.set_listener(None)
        self._sink = sink
        if sink is not None:
            sink.set_listener(self.update)
        self.clear()

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        if self._image is None:
            self.update()

    def clear(self) -> None:
        """Forget the picture (the call ended, or the camera went off)."""
        self._image = self._pixels = None
        self.frame_size = None
        self.update()

    def _take(self) -> None:
        if self._sink is None:
            return
        frame = self._sink.take()
        if frame is None:
            return
        pixels = frame.to_ndarray(format="bgra")
        height, width = pixels.shape[:2]
        image = QImage(pixels.data, width, height, pixels.strides[0], QImage.Format.Format_RGB32)
        self._pixels, self._image = pixels, image
        self.frame_size = QSize(width, height)
        self.frames_painted += 1

    def paintEvent(self, event: QPaintEvent) -> None:
        self._take()
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#111111"))
        image = self._image
        if image is None:
            if self._placeholder:
                painter.setPen(QPen(QColor("#e0e0e0")))
                painter.drawText(
                    self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._placeholder
                )
            painter.end()
            return
        target = fitted(image.size(), self.rect())
        if self._mirrored:  # a preview of oneself reads like a mirror
            painter.translate(target.x() * 2 + target.width(), 0)
            painter.scale(-1, 1)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, target.size() != image.size())
        painter.drawImage(target, image)
        painter.end()
