"""Call statistics, sampled every second from aiortc's `getStats()` and the engine's frame counts.

aiortc's report has less than a browser's: transport byte counters, RTP packet counts and loss,
and the round-trip time from RTCP receiver reports (`remote-inbound-rtp`), but no frame counts or
sizes. Those come from the engine itself (frames handed to the sender, frames decoded from the
remote), which are also what the practitioner actually sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class CallQuality(StrEnum):
    """What the call screen's quality indicator shows."""

    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"


#: (fair, poor) thresholds. Loss above ~3 % is visible as artefacts in VP8; above 10 % video
#: freezes. An RTT above 300 ms makes turn-taking awkward (ITU-T G.114's 150–400 ms band).
LOSS_LIMITS = (0.03, 0.10)
RTT_LIMITS_MS = (300.0, 600.0)
FPS_LIMITS = (20.0, 10.0)


@dataclass(frozen=True, slots=True)
class CallStats:
    """One second of a call. Rates are over the interval since the previous sample."""

    interval: float
    round_trip_ms: float | None
    send_kbps: float
    receive_kbps: float
    send_fps: float
    receive_fps: float
    receive_loss: float  # fraction of the remote's RTP packets lost on the way here
    send_loss: float | None  # fraction of ours the remote reported lost (None until reported)
    send_resolution: tuple[int, int] | None
    receive_resolution: tuple[int, int] | None
    video_codec: str | None

    @property
    def quality(self) -> CallQuality:
        loss = max(self.receive_loss, self.send_loss or 0.0)
        rtt = self.round_trip_ms or 0.0
        if loss > LOSS_LIMITS[1] or rtt > RTT_LIMITS_MS[1] or self.receive_fps < FPS_LIMITS[1]:
            return CallQuality.POOR
        if loss > LOSS_LIMITS[0] or rtt > RTT_LIMITS_MS[0] or self.receive_fps < FPS_LIMITS[0]:
            return CallQuality.FAIR
        return CallQuality.GOOD


@dataclass(slots=True)
class Counters:
    """Cumulative figures at one instant, from the report plus the engine's frame counts."""

    at: float
    bytes_sent: int = 0
    bytes_received: int = 0
    packets_received: int = 0
    packets_lost: int = 0
    frames_sent: int = 0
    frames_received: int = 0


def _fields(stats: object) -> dict[str, Any]:
    return {k: getattr(stats, k) for k in getattr(stats, "__dataclass_fields__", {})}


class StatsSampler:
    """Turns successive cumulative snapshots into per-second `CallStats`."""

    def __init__(self) -> None:
        self._previous: Counters | None = None

    def reset(self, at: float) -> None:
        """Start over (a new peer connection: aiortc's counters restart at zero)."""
        self._previous = Counters(at=at)

    def sample(
        self,
        report: dict[str, Any],
        *,
        at: float,
        frames_sent: int,
        frames_received: int,
        send_resolution: tuple[int, int] | None,
        receive_resolution: tuple[int, int] | None,
        video_codec: str | None,
    ) -> CallStats:
        now = Counters(at=at, frames_sent=frames_sent, frames_received=frames_received)
        rtts: list[float] = []
        fractions: list[float] = []
        seen_transports: set[str] = set()
        for key, item in report.items():
            fields = _fields(item)
            kind = fields.get("type")
            if kind == "transport" and key not in seen_transports:
                seen_transports.add(key)
                now.bytes_sent += int(fields.get("bytesSent") or 0)
                now.bytes_received += int(fields.get("bytesReceived") or 0)
            elif kind == "inbound-rtp":
                now.packets_received += int(fields.get("packetsReceived") or 0)
                now.packets_lost += max(0, int(fields.get("packetsLost") or 0))
            elif kind == "remote-inbound-rtp":
                if fields.get("roundTripTime") is not None:
                    rtts.append(float(fields["roundTripTime"]) * 1000.0)
                if fields.get("fractionLost") is not None:
                    # RTCP carries it as 8-bit fixed point (RFC 3550 §6.4.1).
                    fractions.append(min(1.0, float(fields["fractionLost"]) / 256.0))

        before = self._previous or Counters(at=at)
        self._previous = now
        interval = max(at - before.at, 1e-6)
        received = max(0, now.packets_received - before.packets_received)
        lost = max(0, now.packets_lost - before.packets_lost)
        return CallStats(
            interval=interval,
            round_trip_ms=max(rtts) if rtts else None,
            send_kbps=max(0, now.bytes_sent - before.bytes_sent) * 8 / 1000 / interval,
            receive_kbps=max(0, now.bytes_received - before.bytes_received) * 8 / 1000 / interval,
            send_fps=max(0, now.frames_sent - before.frames_sent) / interval,
            receive_fps=max(0, now.frames_received - before.frames_received) / interval,
            receive_loss=lost / (lost + received) if lost + received else 0.0,
            send_loss=max(fractions) if fractions else None,
            send_resolution=send_resolution,
            receive_resolution=receive_resolution,
            video_codec=video_codec,
        )
