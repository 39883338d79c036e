"""Time for billing: UTC inside, Europe/Paris at the edges, French public holidays and time windows.

Public holidays come from the ``holidays`` library (metropolitan France by default; pass a
subdivision such as ``"57"`` for Moselle or ``"974"`` for La Réunion), never from a hand-made list.
A time window is a set of day tokens (``mon`` … ``sun``, ``holiday``) and a local start and end
time; an end at or before the start means the window runs past midnight into the next day, and an
end of 00:00 means midnight. A window may carry a `confirm` reason: it holds only in some places (the
Saturday afternoon of the permanence des soins), so what it allows is offered, never applied alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from threading import Lock

import holidays

from contracts.clock import to_paris

DAY_TOKENS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOLIDAY = "holiday"


def age_on(birth_date: date, day: date) -> int:
    """Age in whole years on `day` (a child born on 29 February has a birthday on 1 March)."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


class FrenchHolidays:
    """French public holidays with their French names, computed by the ``holidays`` library."""

    def __init__(self, subdiv: str | None = None) -> None:
        self._calendar = holidays.country_holidays("FR", subdiv=subdiv, language="fr")
        self._lock = Lock()

    def name(self, day: date) -> str | None:
        """The French name of the public holiday on `day`, or None on an ordinary day."""
        with self._lock:  # the library fills its cache year by year on first lookup
            found = self._calendar.get(day)
        return None if found is None else str(found)

    def is_holiday(self, day: date) -> bool:
        """Whether `day` is a public holiday."""
        return self.name(day) is not None


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Local (Europe/Paris) hours during which a majoration applies."""

    days: frozenset[str]
    start: time
    end: time
    confirm: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> TimeWindow:
        """Read ``{"days": [...], "start": "20:00", "end": "08:00"}`` (and an optional ``"confirm"``)."""
        days = data["days"]
        if not isinstance(days, list) or not all(d in (*DAY_TOKENS, HOLIDAY) for d in days):
            raise ValueError(f"jours de fenêtre horaire invalides : {days!r}")
        confirm = data.get("confirm")
        return cls(
            frozenset(days),
            time.fromisoformat(str(data["start"])),
            time.fromisoformat(str(data["end"])),
            None if confirm is None else str(confirm),
        )

    def to_dict(self) -> dict[str, object]:
        """The catalog form."""
        ordered = [d for d in (*DAY_TOKENS, HOLIDAY) if d in self.days]
        found: dict[str, object] = {
            "days": ordered,
            "start": self.start.strftime("%H:%M"),
            "end": self.end.strftime("%H:%M"),
        }
        if self.confirm is not None:
            found["confirm"] = self.confirm
        return found

    def _day_matches(self, day: date, calendar: FrenchHolidays) -> bool:
        if DAY_TOKENS[day.weekday()] in self.days:
            return True
        return HOLIDAY in self.days and calendar.is_holiday(day)

    def contains(self, moment: datetime, calendar: FrenchHolidays) -> bool:
        """Whether `moment` (any time zone; naive = Paris) falls in this window, in Paris time."""
        local = to_paris(moment)
        day, clock = local.date(), local.time().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= clock < self.end and self._day_matches(day, calendar)
        # Overnight (or 24 h) window: the evening part belongs to `day`, the morning part to the day before.
        if clock >= self.start and self._day_matches(day, calendar):
            return True
        return clock < self.end and self._day_matches(day - timedelta(days=1), calendar)


def in_any_window(moment: datetime, windows: tuple[TimeWindow, ...], calendar: FrenchHolidays) -> bool:
    """Whether `moment` falls in at least one of `windows` (an empty tuple means « at any time »)."""
    return not windows or any(w.contains(moment, calendar) for w in windows)


def window_confirmation(
    moment: datetime, windows: tuple[TimeWindow, ...], calendar: FrenchHolidays
) -> str | None:
    """The reason to confirm when `moment` falls only in windows marked ``confirm`` (else None)."""
    holding = [w for w in windows if w.contains(moment, calendar)]
    if not holding or any(w.confirm is None for w in holding):
        return None
    return holding[0].confirm
