"""French formatting, one module for both sides: money, dates, times, sizes and typography.

Everything goes through Babel's fr_FR data. Instants are shown in Paris time whatever the
machine's time zone (what the patient's pages show too); functions that say « aujourd'hui » or
« hier » take the current instant or day from the caller's clock, never from the machine.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal

from contracts.clock import to_paris

CENT = Decimal("0.01")
NBSP = "\u00a0"
NNBSP = "\u202f"


def cents(amount: Decimal) -> Decimal:
    """`amount` rounded to the cent, half up (as the Assurance Maladie rounds)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(text: str) -> Decimal:
    """A euro amount typed by a person (« 25 », « 25,5 », « 1 320,50 € ») as a Decimal.

    Raises:
        ValueError: with a French message when `text` is not an amount.
    """
    cleaned = re.sub(r"[\s\u00a0\u202f€]", "", text).replace(",", ".")
    if not re.fullmatch(r"\d+(\.\d{1,2})?", cleaned):
        raise ValueError(f"« {text} » n’est pas un montant en euros (exemple : 25,00).")
    return cents(Decimal(cleaned))


def eur(amount: Decimal) -> str:
    """« 1 320,50 € » with French spaces."""
    return format_currency(amount, "EUR", locale="fr_FR")


def number(value: Decimal) -> str:
    """A French decimal number, « 1,6 »."""
    return format_decimal(value, locale="fr_FR")


def short_date(day: date) -> str:
    """« 25/11/2026 »."""
    return format_date(day, "short", locale="fr_FR")


def _first(day: date, text: str) -> str:
    """French writes the first of the month « 1er »: « 1er avril 2022 »."""
    return re.sub(r"\b1 ", "1er ", text, count=1) if day.day == 1 else text


def long_date(day: date) -> str:
    """« 25 novembre 2026 », « 1er avril 2022 »."""
    return _first(day, format_date(day, "long", locale="fr_FR"))


def long_paris_date(instant: datetime) -> str:
    """« 10 décembre 2026 », « 1er avril 2027 »: the calendar day in France of `instant`."""
    return long_date(to_paris(instant).date())


def full_date(day: date) -> str:
    """« mercredi 25 novembre 2026 »."""
    return _first(day, format_date(day, "full", locale="fr_FR"))


def paris_datetime(moment: datetime) -> str:
    """« mercredi 25 novembre 2026 à 14:05 », in Paris time."""
    local = to_paris(moment)
    return f"{full_date(local.date())} à {format_time(local.time(), 'short', locale='fr_FR')}"


def paris_time_short(moment: datetime) -> str:
    """« 14:05 », in Paris time."""
    return format_time(to_paris(moment).time(), "short", locale="fr_FR")


def fr_punct(text: str) -> str:
    """French typography: narrow no-break space before ; ! ? and no-break space before : and inside « »."""
    text = re.sub(r"\s*([;!?])", NNBSP + r"\1", text)
    text = re.sub(r"(?<=\S)\s*:(?=\s|$)", NBSP + ":", text)
    text = re.sub(r"«\s*", "«" + NBSP, text)
    return re.sub(r"\s*»", NBSP + "»", text)


def clock_time(moment: datetime) -> str:
    """« 10:42 », in Paris time (a message's time)."""
    return paris_time_short(moment)


def list_time(moment: datetime, now: datetime) -> str:
    """A conversation list's time: « 10:42 », « hier », « lun. », « 24 nov. », « 24/11/2025 »."""
    when = to_paris(moment)
    today = to_paris(now).date()
    day = when.date()
    if day == today:
        return paris_time_short(when)
    if day == today - timedelta(days=1):
        return "hier"
    if today - timedelta(days=6) <= day < today:
        return str(format_date(day, "EEE", locale="fr_FR"))
    if day.year == today.year:
        return _first(day, str(format_date(day, "d MMM", locale="fr_FR")))
    return short_date(day)


def day_label(day: date, today: date) -> str:
    """A day separator: « aujourd'hui », « hier », « mardi 24 novembre », « mardi 24 novembre 2025 »."""
    if day == today:
        return "aujourd'hui"
    if day == today - timedelta(days=1):
        return "hier"
    pattern = "EEEE d MMMM" if day.year == today.year else "EEEE d MMMM y"
    return _first(day, str(format_date(day, pattern, locale="fr_FR")))


def short_datetime(moment: datetime | None) -> str:
    """« 24/11/2026 10:42 » in Paris time, or an em dash when absent."""
    if moment is None:
        return "—"
    when = to_paris(moment)
    return f"{short_date(when.date())} {paris_time_short(when)}"


def file_size(size: int) -> str:
    """« 640 octets », « 124 Ko », « 2,4 Mo » (French units, binary multiples)."""
    if size < 1024:
        return f"{size} octets"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} Ko"
    return f"{format_decimal(round(size / (1024 * 1024), 1), format='#,##0.0', locale='fr_FR')} Mo"
