"""Time source: UTC inside, Europe/Paris at the edges; injectable for tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def paris_today(now: datetime) -> date:
    """The calendar day in France at instant `now`."""
    return now.astimezone(PARIS).date()
