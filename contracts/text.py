"""Names and texts: folding for accent- and case-insensitive prefix search, the same on both sides."""

from __future__ import annotations

import re
import unicodedata

_SPLIT = re.compile(r"[^\w]+", re.UNICODE)
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l"})


def fold(text: str) -> str:
    """Lower-case, strip accents and ligatures: "Hélène Œuvrard" → "helene oeuvrard"."""
    lowered = text.casefold().translate(_LIGATURES)
    if lowered.isascii():  # fast path: most names need no decomposition
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The folded words of `text`, hyphens and apostrophes splitting ("Le Saint-Jean" → le, saint, jean)."""
    return [w for w in _SPLIT.split(fold(text).replace("_", " ")) if w]


def search_terms(*parts: str) -> set[str]:
    """Every word of the parts, each cut to 64 characters, plus joined hyphenated forms."""
    terms: set[str] = set()
    for part in parts:
        found = words(part)
        terms.update(w[:64] for w in found)
        joined = "".join(found)
        if len(found) > 1 and joined:
            terms.add(joined[:64])
    return terms


def terms_text(terms: set[str]) -> str:
    """The terms as one space-delimited string (" dupont helene "), for in-row prefix checks."""
    return (" " + " ".join(sorted(terms)) + " ")[:400]


def clean_name(value: str) -> str:
    """A person's name as typed, trimmed, inner whitespace collapsed, NFC."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def preview(text: str, limit: int = 90) -> str:
    """One line of at most `limit` characters, for a list preview."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
