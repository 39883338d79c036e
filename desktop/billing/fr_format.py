"""French formatting through Babel (fr_FR): money, dates, times and typographic spaces."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal

from desktop.billing.paris_time import to_paris

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
