"""Values at the API's edge: instants as ISO 8601, ids as UUIDs, euros as strings, labels and French days."""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from contracts.clock import PARIS
from contracts.fr_format import eur
from server.kernel.errors import InvalidInputError


def iso(value: datetime) -> str:
    """An instant as the wire models write it: ISO 8601, « Z » for UTC (for the few instants written
    outside a model: a page cursor, a claim's history)."""
    return value.isoformat().replace("+00:00", "Z")


def check_uuid(value: str, field: str) -> str:
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError) as exc:
        raise InvalidInputError(
            "Identifiant invalide : un UUID est attendu.", code="invalid_id", field=field
        ) from exc


MAX_AMOUNT_CENTS = 1_000_000  # 10 000,00 €


MAX_LABEL = 200


_AMOUNT = re.compile(r"(?P<units>\d+)(?:[.,](?P<fraction>\d*))?")


_SPACES = str.maketrans("", "", " \u00a0\u202f")


def parse_amount(value: object, field: str = "amount") -> int:
    """Cents from a string of euros: « 25 », « 25.5 », « 25.00 », « 25,00 », « 1 000,00 € ».

    Raises:
        InvalidInputError: not a string, not a number, negative, zero, more than two decimals, or
            above 10 000 €.
    """
    if not isinstance(value, str):
        raise InvalidInputError(
            "Le montant doit être écrit en euros, sous forme de texte : par exemple « 25.00 ».",
            code="invalid_amount",
            field=field,
        )
    text = value.strip().removesuffix("€").translate(_SPACES)
    if not text:
        raise InvalidInputError("Indiquez un montant en euros.", code="invalid_amount", field=field)
    if text.startswith("-") and _AMOUNT.fullmatch(text[1:]):
        raise InvalidInputError("Le montant doit être positif.", code="invalid_amount", field=field)
    match = _AMOUNT.fullmatch(text)
    if match is None:
        shown = value.strip()[:20]
        raise InvalidInputError(
            f"« {shown} » n'est pas un montant : écrivez-le en euros, par exemple « 25.00 ».",
            code="invalid_amount",
            field=field,
        )
    fraction = match["fraction"] or ""
    if len(fraction) > 2:
        raise InvalidInputError(
            "Le montant ne peut pas avoir plus de deux décimales (les centimes).",
            code="invalid_amount",
            field=field,
        )
    units = match["units"].lstrip("0") or "0"
    # Seven digits of euros at most are read: anything longer is too large anyway.
    cents = MAX_AMOUNT_CENTS + 1 if len(units) > 7 else int(units) * 100 + int(fraction.ljust(2, "0"))
    if cents == 0:
        raise InvalidInputError("Le montant doit être supérieur à 0 €.", code="invalid_amount", field=field)
    if cents > MAX_AMOUNT_CENTS:
        raise InvalidInputError(
            f"Le montant ne peut pas dépasser {eur(Decimal(MAX_AMOUNT_CENTS) / 100)}.",
            code="amount_too_large",
            field=field,
        )
    return cents


def euros(cents: int) -> str:
    """ "25.00": the wire form of an amount."""
    return f"{Decimal(cents) / 100:.2f}"


def check_label(value: str | None, field: str = "label") -> str:
    """The label as shown to the patient: trimmed, 1 to 200 characters, no control characters."""
    text = unicodedata.normalize("NFC", value or "").strip()
    if not text:
        raise InvalidInputError(
            "Indiquez un libellé, par exemple « Téléconsultation ».", code="invalid_label", field=field
        )
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in text):
        raise InvalidInputError(
            "Le libellé contient des caractères invisibles ou des retours à la ligne : "
            "écrivez-le sur une ligne.",
            code="invalid_label",
            field=field,
        )
    if len(text) > MAX_LABEL:
        raise InvalidInputError(
            f"Le libellé est trop long ({MAX_LABEL} caractères au plus).", code="invalid_label", field=field
        )
    return text


def paris_day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, PARIS).astimezone(UTC)


def paris_days(column: Any, date_from: date | None, date_to: date | None) -> list[Any]:
    """Conditions keeping `column` (a UTC instant) within French calendar days, both inclusive.

    Raises:
        InvalidInputError: the first day is after the last.
    """
    if date_from and date_to and date_from > date_to:
        raise InvalidInputError("La date de début est après la date de fin.", field="from")
    conditions = []
    # The first and the last day a date can name bound nothing (and their instants in UTC would
    # overflow a datetime): from 0001-01-01 or until 9999-12-31 is « no bound ».
    if date_from is not None and date_from > date.min:
        conditions.append(column >= paris_day_start(date_from))
    if date_to is not None and date_to < date.max:
        conditions.append(column < paris_day_start(date_to + timedelta(days=1)))
    return conditions
