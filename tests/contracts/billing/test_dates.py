"""Billing time windows in France over every month, both changes of summer time and several machine
time zones: the permanence-des-soins majoration (MHP on TCG: weekday nights 20:00–08:00, Sundays and
public holidays) starts and stops at the French wall-clock time, never the machine's or UTC's.

Instants are given in UTC (the offset of France written out for each month), so that a rule reading
the wrong zone is off by one or two hours here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from contracts.billing.rules import BillingRules
from contracts.billing.suggestions import ActSuggester, SuggestionRequest
from tests.contracts.billing.conftest import GP

pytestmark = pytest.mark.usefixtures("machine_tz")


@pytest.fixture(scope="module")
def suggester() -> ActSuggester:
    return ActSuggester(BillingRules())


def codes(suggester: ActSuggester, instant: datetime) -> list[str]:
    return suggester.suggest(SuggestionRequest(GP, instant, patient_age=40)).codes


def france_offset(day: date) -> timedelta:
    """UTC+2 from the last Sunday of March to the last Sunday of October (2027), UTC+1 otherwise."""
    summer = date(2027, 3, 28) <= day < date(2027, 10, 31)
    return timedelta(hours=2 if summer else 1)


def third_wednesday(month: int) -> date:
    first = date(2027, month, 1)
    return first + timedelta(days=(2 - first.weekday()) % 7 + 14)


def at_french_time(day: date, hour: int, minute: int = 0) -> datetime:
    wall = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
    return wall - france_offset(day)


@pytest.mark.parametrize("month", range(1, 13))
def test_weekday_evening_and_morning_boundaries_follow_french_time(
    suggester: ActSuggester, month: int
) -> None:
    day = third_wednesday(month)  # never a public holiday in 2027
    assert codes(suggester, at_french_time(day, 19, 59)) == ["TCG"]
    assert codes(suggester, at_french_time(day, 20, 0)) == ["TCG", "MHP"]
    assert codes(suggester, at_french_time(day, 7, 59)) == ["TCG", "MHP"]
    assert codes(suggester, at_french_time(day, 8, 0)) == ["TCG"]


@pytest.mark.parametrize("month", range(1, 13))
def test_sunday_daytime_is_pdsa_and_monday_morning_is_not(suggester: ActSuggester, month: int) -> None:
    sunday = third_wednesday(month) + timedelta(days=4)
    assert codes(suggester, at_french_time(sunday, 8, 0)) == ["TCG", "MHP"]
    assert codes(suggester, at_french_time(sunday, 19, 59)) == ["TCG", "MHP"]
    monday = sunday + timedelta(days=1)
    assert codes(suggester, at_french_time(monday, 8, 0)) == ["TCG"]


def test_spring_forward_sunday_night(suggester: ActSuggester) -> None:
    # 28 March 2027: 01:59 (UTC+1) then 03:00 (UTC+2); a Sunday, before and after the jump.
    before = datetime(2027, 3, 28, 0, 59, tzinfo=UTC)
    assert codes(suggester, before) == ["TCG", "MHP"]
    assert codes(suggester, before + timedelta(minutes=1)) == ["TCG", "MHP"]
    # Monday 29 March 2027 is Easter Monday (a public holiday): PDSA all day.
    assert codes(suggester, datetime(2027, 3, 29, 10, 0, tzinfo=UTC)) == ["TCG", "MHP"]
    # Tuesday 30: 08:00 in France is 06:00 UTC now (it was 07:00 UTC a week earlier).
    assert codes(suggester, datetime(2027, 3, 30, 5, 59, tzinfo=UTC)) == ["TCG", "MHP"]
    assert codes(suggester, datetime(2027, 3, 30, 6, 0, tzinfo=UTC)) == ["TCG"]
    assert codes(suggester, datetime(2027, 3, 23, 6, 30, tzinfo=UTC)) == ["TCG", "MHP"]  # 07:30 in winter


def test_fall_back_sunday_night(suggester: ActSuggester) -> None:
    # 25 October 2026: 02:59 twice (UTC+2 then UTC+1); Monday 26, 08:00 is 07:00 UTC.
    first = datetime(2026, 10, 25, 0, 59, tzinfo=UTC)
    assert codes(suggester, first) == codes(suggester, first + timedelta(hours=1)) == ["TCG", "MHP"]
    assert codes(suggester, datetime(2026, 10, 26, 6, 59, tzinfo=UTC)) == ["TCG", "MHP"]
    assert codes(suggester, datetime(2026, 10, 26, 7, 0, tzinfo=UTC)) == ["TCG"]
    assert "dimanche 25 octobre 2026 à 02:59" in (
        suggester.suggest(SuggestionRequest(GP, first, patient_age=40)).majorations[0].reason
    )


def test_a_public_holiday_is_the_french_day(suggester: ActSuggester) -> None:
    # 14 July 2027 (Wednesday) at 00:30 in France is still 13 July in UTC and in New York.
    assert codes(suggester, datetime(2027, 7, 13, 22, 30, tzinfo=UTC)) == ["TCG", "MHP"]
    # 12:00 on the holiday: daytime, yet PDSA; 12:00 on the day after: not.
    assert codes(suggester, at_french_time(date(2027, 7, 14), 12)) == ["TCG", "MHP"]
    assert codes(suggester, at_french_time(date(2027, 7, 15), 12)) == ["TCG"]
