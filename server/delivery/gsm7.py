"""GSM 03.38 (GSM-7) alphabet: length of a text in septets, and a French-friendly transliteration.

An SMS holds 160 GSM-7 characters; one character outside the alphabet switches the whole message
to UCS-2 and 70 characters per segment (and more credits). French accents é è ù à are in the
alphabet; ê â î ô û ç œ are not, so names are transliterated ("François" → "Francois").
"""

from __future__ import annotations

import re
import unicodedata

# The 127 printable characters of the basic table (escape 0x1B excluded).
BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each costs two septets (escape + character).
EXTENSION = frozenset("^{}\\[~]|€\f")

SMS_LIMIT = 160

_REPLACEMENTS = {
    "’": "'",
    "‘": "'",
    "“": '"',
    "”": '"',
    "«": '"',
    "»": '"',
    "–": "-",
    "—": "-",
    "…": "...",
    "\u00a0": " ",
    "\u202f": " ",
    "œ": "oe",
    "Œ": "OE",
    "ç": "c",  # the table's 0x09 is the capital Ç; many phones render it, not all
}


def septets(text: str) -> int | None:
    """The length of `text` in GSM-7 septets, or None when a character is outside the alphabet."""
    total = 0
    for char in text:
        if char in BASIC:
            total += 1
        elif char in EXTENSION:
            total += 2
        else:
            return None
    return total


def to_gsm7(text: str) -> str:
    """`text` within the GSM-7 alphabet: accents outside it dropped, symbols replaced, emoji removed."""
    out: list[str] = []
    for char in text:
        if char in BASIC or char in EXTENSION:
            out.append(char)
            continue
        if char in _REPLACEMENTS:
            out.append(_REPLACEMENTS[char])
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        if base and all(c in BASIC for c in base):
            out.append(base)
        elif unicodedata.category(char).startswith("Z"):
            out.append(" ")
        # anything else (emoji, other scripts) is dropped: a name stays readable without it
    return re.sub(" {2,}", " ", "".join(out)).strip()


def fits_one_sms(text: str) -> bool:
    length = septets(text)
    return length is not None and length <= SMS_LIMIT
