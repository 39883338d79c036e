"""Web links inside what people write: only http(s) addresses, found as written, never markup."""

from __future__ import annotations

import re

# An address runs to the first space, quote, angle bracket or French guillemet.
_URL = re.compile(r"https?://[^\s<>\"'«»]+", re.IGNORECASE)
_TRAILING = ".,;:!?"  # sentence punctuation after an address is not part of it


def is_web_link(href: str) -> bool:
    """Whether `href` is an http(s) address (the only links we ever open)."""
    return _URL.fullmatch(href) is not None


def _trim(url: str) -> str:
    while url and (url[-1] in _TRAILING or (url[-1] == ")" and url.count("(") < url.count(")"))):
        url = url[:-1]
    return url


def split_links(text: str) -> list[tuple[str, bool]]:
    """`text` cut into (piece, is_link) in order; joined back, the pieces are `text` exactly.

    Example: « Voir https://a.fr/aide. » → [("Voir ", False), ("https://a.fr/aide", True), (". ", False)].
    """
    parts: list[tuple[str, bool]] = []
    at = 0
    for match in _URL.finditer(text):
        url = _trim(match.group())
        if not is_web_link(url):  # « https:// » alone
            continue
        if match.start() > at:
            parts.append((text[at : match.start()], False))
        parts.append((url, True))
        at = match.start() + len(url)
    if at < len(text):
        parts.append((text[at:], False))
    return parts
