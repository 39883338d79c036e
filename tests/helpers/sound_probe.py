"""Listening to a call's sound in tests: what the desktop received, and what the patient's page plays.

- `RecordingSpeaker`: the desktop's speaker seam (`call_media.Speaker`), keeping each decoded frame
  with the wall-clock time it arrived (`time.time()`, the clock `Date.now()` reads in the page);
- `dominant_frequency` (windowed FFT), `rms_dbfs` and `bursts` (the fake microphone's beeps) on samples;
- `PageSoundProbe`: a Web Audio `AnalyserNode` on the page's remote stream, sampled every 10 ms
  (level, dominant frequency and the time), installed through `page.evaluate`;
- `UnpluggableCamera`: the camera seam, a test pattern whose capture raises as an unplugged camera
  does (`device_lost`), on demand.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import av
import numpy as np
from numpy.typing import NDArray

from desktop.video.errors import CAMERA, device_lost
from desktop.video.sources import AUDIO_RATE, TestPatternSource

WINDOW = AUDIO_RATE // 100  # 10 ms


def rms_dbfs(samples: NDArray[np.float64]) -> float:
    """RMS level in dBFS (a full-scale sine is -3 dBFS)."""
    rms = float(np.sqrt(np.mean(np.square(samples)))) if samples.size else 0.0
    return 20 * math.log10(max(rms, 1e-9))


def dominant_frequency(samples: NDArray[np.float64], rate: int = AUDIO_RATE) -> float:
    """The strongest frequency (Hann window, parabolic interpolation between FFT bins)."""
    n = samples.size
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(n)))
    spectrum[0] = 0.0
    i = int(np.argmax(spectrum))
    if 0 < i < spectrum.size - 1:
        a, b, c = (math.log(max(float(v), 1e-12)) for v in spectrum[i - 1 : i + 2])
        i_exact = i + 0.5 * (a - c) / (a - 2 * b + c) if a - 2 * b + c else float(i)
    else:
        i_exact = float(i)
    return i_exact * rate / n


class RecordingSpeaker:
    """A speaker that keeps what it is given: (arrival time, position, mono samples in [-1, 1]).

    Positions count samples since the first frame: the sender's own clock, which a starved test
    machine cannot stretch. `stream_position(at)` maps a wall-clock time onto it with the smallest
    delay seen in the second before (what would be arriving at `at`, were nothing late).
    """

    def __init__(self) -> None:
        self.frames = 0
        self.samples = 0
        self.chunks: list[tuple[float, int, NDArray[np.float64]]] = []
        self.opened = self.closed = False

    def open(self) -> None:
        self.opened = True

    def write(self, frame: av.AudioFrame) -> None:
        data = frame.to_ndarray().astype(np.float64).reshape(-1) / 32768.0
        if frame.layout.name == "stereo" and not frame.format.is_planar:
            data = data[0::2]  # packed s16: left, right, left, …
        self.chunks.append((time.time(), self.samples, data))
        self.frames += 1
        self.samples += data.size

    def close(self) -> None:
        self.closed = True

    def stream_position(self, at: float) -> int:
        """The sample that arrives at wall-clock `at` with the least delay of the second before."""
        recent = [(t, pos) for t, pos, _ in self.chunks if at - 1.0 <= t <= at] or [
            (t, pos) for t, pos, _ in self.chunks[-50:]
        ]
        offset = min(t - pos / AUDIO_RATE for t, pos in recent)
        return round((at - offset) * AUDIO_RATE)

    def windows(self, since: int = 0) -> list[tuple[int, NDArray[np.float64]]]:
        """10 ms windows of the stream from sample `since` on, each with its position."""
        out: list[tuple[int, NDArray[np.float64]]] = []
        for _at, position, data in self.chunks:
            for i in range(0, data.size - WINDOW + 1, WINDOW):
                if position + i >= since:
                    out.append((position + i, data[i : i + WINDOW]))
        return out


@dataclass(frozen=True)
class Burst:
    """A beep heard by the desktop: its loudest 10 ms (stream position, RMS level), its frequency."""

    at: int
    level_dbfs: float
    frequency: float


def bursts(speaker: RecordingSpeaker, since: int = 0, threshold_dbfs: float = -30.0) -> list[Burst]:
    """The beeps of chromium's fake microphone as the desktop heard them.

    A beep starts where a 10 ms window rises above `threshold_dbfs`; its frequency is read on the
    100 ms from just before that (the beep and its decay: 10 Hz resolution, DC removed).
    """
    windows = speaker.windows(since)
    levels = [rms_dbfs(data) for _at, data in windows]
    found: list[Burst] = []
    i = 1
    while i < len(windows):
        if levels[i] < threshold_dbfs or levels[i - 1] >= threshold_dbfs:
            i += 1
            continue
        span = range(i - 1, min(len(windows), i + 9))
        audio = np.concatenate([windows[j][1] for j in span])
        loudest = max(span, key=lambda j: levels[j])
        found.append(Burst(windows[loudest][0], levels[loudest], dominant_frequency(audio - audio.mean())))
        i += 10
    return found


PROBE_JS = """
() => {
  const call = window.teleconsultCall;
  if (window.__soundProbe) return true;
  if (!call || !call.peer || !call.peer.remoteStream.getAudioTracks().length) return false;
  const ctx = new AudioContext({ sampleRate: 48000 });
  const source = ctx.createMediaStreamSource(call.peer.remoteStream);
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 2048;
  analyser.smoothingTimeConstant = 0;
  source.connect(analyser);
  const wave = new Float32Array(1024);  // the last 21 ms: a short window answers fast
  const spectrum = new Float32Array(analyser.frequencyBinCount);
  const samples = [];
  window.__soundProbe = { ctx, samples };
  ctx.resume();
  setInterval(() => {
    analyser.getFloatTimeDomainData(wave);
    let sum = 0;
    for (const v of wave) sum += v * v;
    const db = 10 * Math.log10(sum / wave.length || 1e-18);
    analyser.getFloatFrequencyData(spectrum);
    let best = 1;
    for (let i = 2; i < spectrum.length - 1; i++) if (spectrum[i] > spectrum[best]) best = i;
    const [a, b, c] = [spectrum[best - 1], spectrum[best], spectrum[best + 1]];
    const shift = a - 2 * b + c ? (0.5 * (a - c)) / (a - 2 * b + c) : 0;
    const hz = ((best + shift) * ctx.sampleRate) / analyser.fftSize;
    samples.push({ t: Date.now(), db, hz });
    if (samples.length > 6000) samples.splice(0, 1000);
  }, 10);
  return true;
}
"""


class PageSoundProbe:
    """What the patient's page hears from the desktop, measured by a Web Audio analyser."""

    def __init__(self, page: Any) -> None:
        self.page = page

    async def install(self) -> None:
        await self.page.wait_for_function(PROBE_JS)

    async def samples(self, since_ms: float = 0.0) -> list[dict[str, float]]:
        """Each 10 ms: `t` (Date.now()), `db` (RMS dBFS of the last 21 ms), `hz` (dominant)."""
        found: list[dict[str, float]] = await self.page.evaluate(
            "(since) => window.__soundProbe.samples.filter((s) => s.t >= since)", since_ms
        )
        return found

    async def wait_steady_tone(
        self, frequency: float, timeout: float = 20.0, since_ms: float = 0.0, run: int = 20
    ) -> list[dict[str, float]]:
        """`run` samples in a row (200 ms) where `frequency` (±10 Hz) sounds above -25 dBFS."""
        condition = """([since, f, run]) => {
          let streak = 0;
          for (const s of window.__soundProbe.samples) {
            if (s.t < since) continue;
            streak = s.db > -25 && Math.abs(s.hz - f) < 10 ? streak + 1 : 0;
            if (streak >= run) return true;
          }
          return false;
        }"""
        await self.page.wait_for_function(condition, arg=[since_ms, frequency, run], timeout=timeout * 1000)
        samples = await self.samples(since_ms)
        streak: list[dict[str, float]] = []
        for sample in samples:
            ok = sample["db"] > -25 and abs(sample["hz"] - frequency) < 10
            streak = [*streak, sample] if ok else []
            if len(streak) >= run:
                return streak
        raise AssertionError("the steady tone vanished from the page's samples")


class UnpluggableCamera(TestPatternSource):
    """The test pattern as a camera that can be unplugged: the next read raises like PyAV's capture."""

    def __init__(self, width: int = 640, height: int = 480) -> None:
        super().__init__(width, height)
        self.unplugged = False
        self.closed = False

    def unplug(self) -> None:
        self.unplugged = True

    def replug(self) -> None:
        self.unplugged = False

    async def read(self) -> av.VideoFrame:
        if self.unplugged:
            raise device_lost(CAMERA)
        return await super().read()

    async def close(self) -> None:
        self.closed = True
