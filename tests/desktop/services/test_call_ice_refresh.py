"""TURN credentials are fetched again during a call before they expire (docs/video.md, « Réseaux réels »)."""

from __future__ import annotations

from contracts.wire.calls import IceServerPublic
from desktop.services.calls import ICE_REFRESH_MIN_SECONDS, ICE_REFRESH_SECONDS, refresh_delay

NOW = 1_800_000_000.0


def turn(expires_in: float) -> IceServerPublic:
    return IceServerPublic(
        urls=["turn:turn.cabinet.fr:3478"], username=f"{int(NOW + expires_in)}:user-1", credential="x"
    )


def test_credentials_for_an_hour_are_refreshed_every_twenty_minutes() -> None:
    assert refresh_delay([turn(3600)], NOW) == ICE_REFRESH_SECONDS


def test_short_lived_credentials_are_refreshed_half_way_to_their_expiry() -> None:
    assert refresh_delay([turn(600)], NOW) == 300
    assert refresh_delay([turn(60)], NOW) == 30
    assert refresh_delay([turn(3600), turn(120)], NOW) == 60  # the earliest expiry counts


def test_expired_or_odd_credentials_never_make_a_busy_loop() -> None:
    assert refresh_delay([turn(-30)], NOW) == ICE_REFRESH_MIN_SECONDS
    assert refresh_delay([turn(4)], NOW) == ICE_REFRESH_MIN_SECONDS
    odd = IceServerPublic(urls=["turn:t:3478"], username="no-expiry", credential="x")
    stun = IceServerPublic(urls=["stun:t:3478"])
    assert refresh_delay([odd, stun], NOW) == ICE_REFRESH_SECONDS
    assert refresh_delay([], NOW) == ICE_REFRESH_SECONDS
