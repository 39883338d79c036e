"""The product's one time source: instants in UTC inside, the calendar of France at the edges.

Every use-case that needs "now" receives a `Clock` from its composition root (`server.main`,
`desktop.app`) instead of calling `datetime.now()`: tests set the date they need (a Sunday, the
night of a DST change, 29 February), and nothing depends on the machine's time zone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")

Clock = Callable[[], datetime]
"""Returns the current instant, timezone-aware, in UTC."""


def system_clock() -> datetime:
    """The machine's clock (the production `Clock`)."""
    return datetime.now(UTC)


def to_utc(moment: datetime) -> datetime:
    """The UTC instant of `moment`; a naive datetime is read as Europe/Paris wall-clock time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=PARIS)
    return moment.astimezone(UTC)


def to_paris(moment: datetime) -> datetime:
    """`moment` as Europe/Paris wall-clock time (a naive value is taken as already in Paris)."""
    return moment.replace(tzinfo=PARIS) if moment.tzinfo is None else moment.astimezone(PARIS)


def paris_day(moment: datetime) -> date:
    """The calendar day in France at `moment`."""
    return to_paris(moment).date()
