"""Email and phone normalisation and validation (default region France)."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from contracts.email_address import PREFIX, email_problem
from server.kernel.errors import InvalidInputError

MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def normalize_email(value: str, *, field: str = "email") -> str:
    """The normalised address (domain lower-cased, IDNA), or InvalidInputError saying why in French."""
    candidate = value.strip()
    if not candidate:
        raise InvalidInputError("L'adresse e-mail est vide.", field=field)
    problem = email_problem(candidate)
    if problem is not None:
        raise InvalidInputError(problem, code="invalid_email", field=field)
    try:
        result = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidInputError(
            PREFIX + "vérifiez chaque caractère, avant et après le @ (exemple : nom@domaine.fr).",
            code="invalid_email",
            field=field,
        ) from exc
    return result.normalized.lower()


def normalize_phone(value: str, *, require_mobile: bool = False, field: str = "phone") -> str:
    """E.164 form ("06 12 34 56 78", "+33 6 12…" and "0033 6 12…" are the same number).

    Raises:
        InvalidInputError: not a valid number, or not a mobile when `require_mobile`.
    """
    candidate = value.strip()
    if candidate.startswith("00"):
        candidate = "+" + candidate[2:]
    try:
        number = phonenumbers.parse(candidate, "FR")
    except phonenumbers.NumberParseException as exc:
        raise InvalidInputError(
            f"Le numéro de téléphone « {value[:40]} » n'est pas valide.", code="invalid_phone", field=field
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidInputError(
            f"Le numéro de téléphone « {value[:40]} » n'est pas valide.", code="invalid_phone", field=field
        )
    if require_mobile and phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise InvalidInputError(
            "Pour un envoi par SMS, il faut un numéro de téléphone portable (06, 07…).",
            code="phone_not_mobile",
            field=field,
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(e164: str) -> bool:
    return phonenumbers.number_type(phonenumbers.parse(e164, None)) in MOBILE_TYPES
