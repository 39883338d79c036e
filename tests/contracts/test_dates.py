"""French dates over every month, both changes of summer time and several machine time zones.

The expected names are written out here, not computed with the code under test: a wrong month or
weekday name, a `1 avril` instead of `1er avril`, or a day taken in the machine's zone instead of
France's fails one of these lines.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from contracts.clock import PARIS, paris_day, to_paris, to_utc
from contracts.fr_format import (
    clock_time,
    day_label,
    full_date,
    list_time,
    long_date,
    long_paris_date,
    short_datetime,
)
from tests.helpers.dates import DATES

MONTHS = [
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
]  # fmt: skip
SHORT_MONTHS = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.",
]  # fmt: skip
WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
SHORT_WEEKDAYS = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."]

pytestmark = pytest.mark.usefixtures("machine_tz")


def written(day: date) -> str:
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS[day.month - 1]} {day.year}"


@pytest.mark.parametrize("month", range(1, 13))
def test_long_and_full_dates_name_every_month_and_weekday(month: int) -> None:
    for day in (date(2027, month, 1), date(2027, month, 15), date(2027, month, 28)):
        assert long_date(day) == written(day)
        assert full_date(day) == f"{WEEKDAYS[day.weekday()]} {written(day)}"


def test_29_february_of_a_leap_year() -> None:
    assert long_date(date(2028, 2, 29)) == "29 février 2028"
    assert full_date(date(2028, 2, 29)) == "mardi 29 février 2028"


@pytest.mark.parametrize("month", range(1, 13))
def test_the_day_in_france_of_an_instant_late_in_the_evening_utc(month: int) -> None:
    # 22:30 UTC is already the next day in France (23:30 in winter, 00:30 in summer, same day
    # everywhere west of Greenwich): the date said is the French one, whatever the machine's zone.
    instant = datetime(2027, month, 15, 22, 30, tzinfo=UTC)
    summer = 4 <= month <= 10
    expected = date(2027, month, 16) if summer else date(2027, month, 15)
    assert paris_day(instant) == expected
    assert long_paris_date(instant) == written(expected)
    assert clock_time(instant) == ("00:30" if summer else "23:30")
    assert short_datetime(instant) == f"{expected:%d/%m/%Y} {'00:30' if summer else '23:30'}"


@pytest.mark.parametrize("month", range(1, 13))
def test_conversation_list_times_relative_to_the_clock(month: int) -> None:
    now = to_utc(datetime(2027, month, 20, 9, 0))  # naive: Paris wall-clock time
    assert list_time(now - timedelta(minutes=5), now) == "08:55"
    assert list_time(now - timedelta(days=1), now) == "hier"
    three = now - timedelta(days=3)
    assert list_time(three, now) == SHORT_WEEKDAYS[paris_day(three).weekday()]
    ten = paris_day(now - timedelta(days=10))
    assert list_time(now - timedelta(days=10), now) == f"{ten.day} {SHORT_MONTHS[ten.month - 1]}"
    assert list_time(now - timedelta(days=400), now) == f"{paris_day(now - timedelta(days=400)):%d/%m/%Y}"
    today = paris_day(now)
    assert day_label(today, today) == "aujourd'hui"
    assert day_label(today - timedelta(days=1), today) == "hier"
    last_week = today - timedelta(days=7)
    assert day_label(last_week, today).startswith(f"{WEEKDAYS[last_week.weekday()]} ")
    assert day_label(date(2026, 12, 1), date(2027, 1, 2)) == "mardi 1er décembre 2026"


def test_spring_forward_night_in_france() -> None:
    # 28 March 2027: 01:59 then 03:00 (02:xx does not exist); the same day, one hour apart.
    before = datetime(2027, 3, 28, 0, 59, tzinfo=UTC)
    after = before + timedelta(minutes=1)
    assert (clock_time(before), clock_time(after)) == ("01:59", "03:00")
    assert paris_day(before) == paris_day(after) == date(2027, 3, 28)
    # A wall-clock time in the gap is read forward, as zoneinfo does (fold 0: 02:30 → 03:30).
    assert to_utc(datetime(2027, 3, 28, 2, 30)) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)


def test_fall_back_night_in_france() -> None:
    # 25 October 2026: 02:59 summer time, then 02:00 again in winter time.
    first = datetime(2026, 10, 25, 0, 59, tzinfo=UTC)
    second = first + timedelta(hours=1)
    assert clock_time(first) == clock_time(second) == "02:59"
    assert to_paris(first).utcoffset() == timedelta(hours=2)
    assert to_paris(second).utcoffset() == timedelta(hours=1)
    assert list_time(first, second) == "02:59"


@pytest.mark.parametrize("name", list(DATES))
def test_each_test_date_is_the_day_it_is_named_for(name: str) -> None:
    expected = {
        "2-decembre": date(2026, 12, 2),
        "29-fevrier-2028": date(2028, 2, 29),
        "31-aout": date(2026, 8, 31),
        "heure-d-ete": date(2027, 3, 28),
        "heure-d-hiver": date(2026, 10, 25),
    }[name]
    assert DATES[name].astimezone(PARIS).date() == expected
