"""Resolution adaptation: step the sent video down when encoding cannot keep up, back up later.

At 30 fps a frame has 33 ms; aiortc encodes in a worker thread, so a sender that needs more than
~25 ms per frame falls behind, delays audio/video and starves the Qt thread (anchor P4: "if encode
time exceeds 25 ms/frame for 2 s, step resolution down"). The controller is pure: it is fed the
measured per-frame encode time and a clock, and answers the height to send. The outgoing video
track scales frames to it.

Rules:
- down one step when the mean over the last `window` seconds exceeds `budget_ms` (the window must
  be full: at least `window` seconds of samples since the last change, so the keyframe and encoder
  re-creation after a change do not trigger a second step at once);
- up one step when the cost *predicted* at the next step up (mean x pixel ratio) stays below
  `headroom` x budget for `recover` seconds; the prediction is what keeps it from oscillating
  between two steps.
"""

from __future__ import annotations

import logging
from collections import deque

log = logging.getLogger(__name__)

#: Heights tried from the top; widths follow the source's aspect ratio (16:9 gives 1280x720,
#: 960x540, 640x360, 480x270, 320x180).
LADDER = (720, 540, 360, 270, 180)
BUDGET_MS = 25.0
WINDOW_S = 2.0
RECOVER_S = 10.0
HEADROOM = 0.7


def scaled_size(width: int, height: int, target_height: int) -> tuple[int, int]:
    """The source size scaled to `target_height` (never up), both sides even for yuv420p."""
    if target_height >= height:
        return width - width % 2, height - height % 2
    scaled_width = round(width * target_height / height)
    return scaled_width - scaled_width % 2, target_height - target_height % 2


class ResolutionController:
    """Chooses the height to send from measured encode times (see the module docstring)."""

    def __init__(
        self,
        *,
        ladder: tuple[int, ...] = LADDER,
        budget_ms: float = BUDGET_MS,
        window: float = WINDOW_S,
        recover: float = RECOVER_S,
        headroom: float = HEADROOM,
    ) -> None:
        if not ladder or list(ladder) != sorted(ladder, reverse=True):
            raise ValueError("ladder must be non-empty, highest first")
        self._ladder = ladder
        self._levels: list[int] = list(ladder)
        self._budget = budget_ms
        self._window = window
        self._recover = recover
        self._headroom = headroom
        self._index = 0
        self._samples: deque[tuple[float, float]] = deque()
        self._total = 0.0
        self._since: float | None = None  # time of the first sample at the current level
        self._good_since: float | None = None
        self.changes = 0

    @property
    def levels(self) -> list[int]:
        """Heights this controller may choose, highest first, for the current source."""
        return list(self._levels)

    @property
    def target_height(self) -> int:
        return self._levels[self._index]

    def set_source_height(self, height: int) -> None:
        """Fit the ladder under the source: a 480-line camera starts at 480, never upscaled."""
        top = min(height, self._ladder[0])
        levels = [top] + [h for h in self._ladder if h < top]
        if levels != self._levels:
            current = self.target_height
            self._levels = levels
            self._index = next((i for i, h in enumerate(levels) if h <= current), len(levels) - 1)
            self._reset()

    def observe(self, encode_ms: float, now: float) -> int:
        """Record one frame's encode time (ms) at time `now` (s); return the height to send."""
        if self._since is None:
            self._since = now
        self._samples.append((now, encode_ms))
        self._total += encode_ms
        while self._samples and self._samples[0][0] < now - self._window:
            self._total -= self._samples.popleft()[1]
        mean = self._total / len(self._samples)

        if now - self._since >= self._window and mean > self._budget:
            if self._index < len(self._levels) - 1:
                self._step(+1, mean)
            return self.target_height

        if self._index > 0:
            upper, current = self._levels[self._index - 1], self._levels[self._index]
            predicted = mean * (upper / current) ** 2
            if predicted < self._budget * self._headroom:
                if self._good_since is None:
                    self._good_since = now
                elif now - self._good_since >= self._recover:
                    self._step(-1, mean)
            else:
                self._good_since = None
        return self.target_height

    def _step(self, direction: int, mean: float) -> None:
        before = self.target_height
        self._index += direction
        self.changes += 1
        log.info("video: sending %dp instead of %dp (encode %.1f ms/frame)", self.target_height, before, mean)
        self._reset()

    def _reset(self) -> None:
        self._samples.clear()
        self._total = 0.0
        self._since = None
        self._good_since = None
