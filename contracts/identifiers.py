"""Checks of the identifiers a claim carries: NIR (with its key), RPPS (Luhn), AM number, fund codes.

Each ``*_problem`` function returns None for a valid value, or one French message saying what is
wrong, ready to show next to the field. Values are compared after removing spaces, dots and dashes.

NIR: 13 characters (sex, year, month, department, commune, order) and a 2-digit key equal to
``97 - (N mod 97)``, where N is the 13 characters read as a number; for the Corsican departments
2A and 2B, N is computed with 19 and 18 in their place (INSEE rule).
RPPS: 11 digits, the last one a Luhn check digit.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s.\-\u00a0\u202f]")
_NIR_SHAPE = re.compile(r"^[1-478]\d{4}(\d{2}|2A|2B)\d{6}\d{2}$")
_VALID_MONTH = re.compile(r"^(0[1-9]|1[0-2]|[2-3]\d|4[0-2]|[5-9]\d)$")


def compact(value: str) -> str:
    """`value` without spaces, dots or dashes, upper-cased (« 2 95 10 2a… » → « 29510 2A… »)."""
    return _SEPARATORS.sub("", value).upper()


def nir_key(first13: str) -> str:
    """The 2-digit key of the 13 first characters of a NIR (Corsica: 2A → 19, 2B → 18)."""
    body = compact(first13)
    if len(body) != 13:
        raise ValueError("Le NIR sans sa clé doit compter 13 caractères.")
    department = body[5:7]
    if department == "2A":
        body = body[:5] + "19" + body[7:]
    elif department == "2B":
        body = body[:5] + "18" + body[7:]
    if not body.isdigit():
        raise ValueError("Le NIR ne doit contenir que des chiffres (et 2A ou 2B pour la Corse).")
    return f"{97 - int(body) % 97:02d}"


def nir_problem(value: str) -> str | None:
    """None when `value` is a well-formed NIR with a correct key, else a French message."""
    nir = compact(value)
    if not nir:
        return "Le NIR est obligatoire."
    if len(nir) != 15:
        return f"Le NIR doit compter 15 caractères (13 et une clé de 2 chiffres) ; {len(nir)} saisis."
    if not _NIR_SHAPE.match(nir):
        if nir[0] not in "123478":
            return "Le NIR doit commencer par 1 ou 2 (ou 3, 4, 7, 8 pour un numéro provisoire)."
        return "Le NIR ne doit contenir que des chiffres, sauf 2A ou 2B pour un département de Corse."
    if not _VALID_MONTH.match(nir[3:5]):
        return f"Le mois de naissance du NIR (« {nir[3:5]} ») n’existe pas."
    if nir_key(nir[:13]) != nir[13:]:
        return "La clé du NIR ne correspond pas : vérifiez chaque chiffre."
    return None


def is_valid_nir(value: str) -> bool:
    """Whether `value` is a NIR with a correct key."""
    return nir_problem(value) is None


def format_nir(value: str) -> str:
    """« 2 95 10 99 126 111 93 »."""
    nir = compact(value)
    if len(nir) != 15:
        return value
    return " ".join((nir[0], nir[1:3], nir[3:5], nir[5:7], nir[7:10], nir[10:13], nir[13:]))


def normalize_rpps(value: str) -> str:
    """An RPPS number as stored: its 11 digits without spaces, dots or dashes."""
    return compact(value)


def luhn_check_digit(payload: str) -> str:
    """The Luhn check digit to append to the digits of `payload`."""
    total = 0
    for index, char in enumerate(reversed(payload)):
        digit = int(char)
        if index % 2 == 0:  # rightmost payload digit is doubled once the check digit is appended
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return str((10 - total % 10) % 10)


def rpps_problem(value: str) -> str | None:
    """None when `value` is an 11-digit RPPS number with a correct Luhn key, else a French message."""
    rpps = compact(value)
    if not rpps:
        return "Le numéro RPPS est obligatoire."
    if not rpps.isdigit():
        return "Le numéro RPPS ne contient que des chiffres."
    if len(rpps) != 11:
        return f"Le numéro RPPS compte 11 chiffres ; {len(rpps)} saisis."
    if luhn_check_digit(rpps[:10]) != rpps[10]:
        return "Le numéro RPPS est invalide (clé de contrôle incorrecte) : vérifiez chaque chiffre."
    return None


def is_valid_rpps(value: str) -> bool:
    """Whether `value` is an RPPS number with a correct Luhn key."""
    return rpps_problem(value) is None


def am_number_problem(value: str) -> str | None:
    """None for a 9-character AM number (department, category, order, key), else a French message.

    The key algorithm of AM numbers is not in our sources (UNVERIFIED): only the shape is checked.
    """
    number = compact(value)
    if not number:
        return "Le numéro d’assurance maladie (AM) du praticien est obligatoire."
    if not re.fullmatch(r"(\d{2}|2A|2B)\d{7}", number):
        return "Le numéro AM compte 9 caractères : 2 pour le département, puis 7 chiffres."
    return None


def digits_problem(value: str, length: int, what: str) -> str | None:
    """None when `value` is exactly `length` digits, else « Le code régime compte 2 chiffres. »."""
    if not compact(value):
        return f"{what[:1].upper()}{what[1:]} est obligatoire."
    if not re.fullmatch(rf"\d{{{length}}}", compact(value)):
        return f"{what[:1].upper()}{what[1:]} compte {length} chiffres."
    return None
