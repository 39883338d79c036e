"""Per-second call statistics from aiortc-shaped reports, and the quality indicator."""

from __future__ import annotations

import datetime

from aiortc.stats import RTCInboundRtpStreamStats, RTCRemoteInboundRtpStreamStats, RTCTransportStats

from desktop.video.stats import CallQuality, CallStats, StatsSampler

NOW = datetime.datetime(2026, 11, 25, tzinfo=datetime.UTC)


def report(sent: int, received: int, packets: int, lost: int, rtt: float | None = None) -> dict[str, object]:
    items: dict[str, object] = {
        "transport_1": RTCTransportStats(
            timestamp=NOW,
            type="transport",
            id="transport_1",
            packetsSent=0,
            packetsReceived=packets,
            bytesSent=sent,
            bytesReceived=received,
            iceRole="controlling",
            dtlsState="connected",
        ),
        "inbound-rtp_1": RTCInboundRtpStreamStats(
            timestamp=NOW,
            type="inbound-rtp",
            id="inbound-rtp_1",
            ssrc=1,
            kind="video",
            transportId="t",
            packetsReceived=packets,
            packetsLost=lost,
            jitter=0,
        ),
    }
    if rtt is not None:
        items["remote-inbound-rtp_1"] = RTCRemoteInboundRtpStreamStats(
            timestamp=NOW,
            type="remote-inbound-rtp",
            id="remote-inbound-rtp_1",
            ssrc=2,
            kind="video",
            transportId="t",
            packetsReceived=100,
            packetsLost=2,
            jitter=0,
            roundTripTime=rtt,
            fractionLost=13,
        )
    return items


def sample(sampler: StatsSampler, at: float, rep: dict[str, object], sent: int, received: int) -> CallStats:
    return sampler.sample(
        rep,
        at=at,
        frames_sent=sent,
        frames_received=received,
        send_resolution=(1280, 720),
        receive_resolution=(640, 360),
        video_codec="VP8",
    )


def test_rates_are_per_interval_and_survive_a_counter_reset() -> None:
    sampler = StatsSampler()
    sampler.reset(0.0)
    first = sample(sampler, 1.0, report(125_000, 250_000, 1000, 0, rtt=0.042), 30, 29)
    assert (first.send_kbps, first.receive_kbps) == (1000.0, 2000.0)
    assert (first.send_fps, first.receive_fps) == (30.0, 29.0)
    assert first.round_trip_ms == 42.0
    assert first.send_loss == 13 / 256
    second = sample(sampler, 2.0, report(250_000, 500_000, 1900, 100), 60, 59)
    assert second.receive_loss == 0.1  # 100 lost of 1 000 expected in that second
    assert second.round_trip_ms is None and second.send_loss is None
    sampler.reset(2.0)  # a new peer connection: aiortc counts from zero again
    third = sample(sampler, 3.0, report(10_000, 10_000, 10, 0), 30, 30)
    assert third.send_kbps == 80.0 and third.receive_loss == 0.0


def test_quality_levels() -> None:
    base = CallStats(1.0, 40.0, 1000, 1000, 30, 30, 0.0, 0.0, (1280, 720), (1280, 720), "VP8")
    assert base.quality is CallQuality.GOOD
    assert CallStats(1.0, 400.0, 1000, 1000, 30, 30, 0.0, None, None, None, None).quality is CallQuality.FAIR
    assert CallStats(1.0, 40.0, 1000, 1000, 30, 30, 0.05, None, None, None, None).quality is CallQuality.FAIR
    assert CallStats(1.0, 40.0, 1000, 1000, 30, 8, 0.0, None, None, None, None).quality is CallQuality.POOR
    assert CallStats(1.0, 40.0, 1000, 1000, 30, 30, 0.0, 0.2, None, None, None).quality is CallQuality.POOR
