"""RPPS numbers: 11 digits whose last one is a Luhn check digit."""

from __future__ import annotations


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def is_valid_rpps(value: str) -> bool:
    """True for an 11-digit number with a correct Luhn check digit."""
    return len(value) == 11 and value.isdigit() and luhn_valid(value)


def rpps_check_digit(first_ten: str) -> str:
    """The check digit completing a 10-digit RPPS prefix."""
    for digit in "0123456789":
        if luhn_valid(first_ten + digit):
            return digit
    raise AssertionError("unreachable")
