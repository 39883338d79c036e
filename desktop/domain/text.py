"""Name folding for accent- and case-insensitive prefix search (same rules as the server)."""

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
    """The folded words of `text`; hyphens and apostrophes split ("Le Saint-Jean" → le, saint, jean)."""
    return [w for w in _SPLIT.split(fold(text).replace("_", " ")) if w]


def search_terms(*parts: str) -> set[str]:
    """Every word of the parts plus the joined form of hyphenated parts ("saint-jean" → "saintjean")."""
    terms: set[str] = set()
    for part in parts:
        found = words(part)
        terms.update(w[:64] for w in found)
        if len(found) > 1:
            terms.add("".join(found)[:64])
    return terms


def preview(text: str, limit: int = 90) -> str:
    """One line of at most `limit` characters, for a list preview."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
