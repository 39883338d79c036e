"""Why an email address is refused, in French, on both sides (server wire errors, desktop forms).

The checks here are the mistakes people make (no @, a space, no domain, no extension); the server
then runs the full syntax check (email-validator) and says what it found in the same words.
"""

from __future__ import annotations

import re

EXAMPLE = "nom@domaine.fr"
PREFIX = "Adresse e-mail invalide : "
_SPACES = re.compile(r"\s")
_ALLOWED_LOCAL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-\u0080-\U0010ffff]+")
_LABEL = re.compile(
    r"[A-Za-z0-9\u0080-\U0010ffff]([A-Za-z0-9\-\u0080-\U0010ffff]*[A-Za-z0-9\u0080-\U0010ffff])?"
)


def _shown(text: str) -> str:
    """`text` as it may be quoted back: an invisible character (NUL, a control) shows as « � »."""
    return "".join(c if c.isprintable() else "\ufffd" for c in text[:60])


def email_problem(value: str) -> str | None:
    """What is wrong with the address `value` (surrounding spaces ignored), or None when it looks right.

    Example: email_problem("claire.exemple.fr") → « Adresse e-mail invalide : il manque le @
    (exemple : nom@domaine.fr). »
    """
    candidate = value.strip()
    if not candidate:
        return "L'adresse e-mail est vide."
    if _SPACES.search(candidate):
        return PREFIX + "elle contient une espace."
    if "@" not in candidate:
        return PREFIX + f"il manque le @ (exemple : {EXAMPLE})."
    if candidate.count("@") > 1:
        return PREFIX + "elle contient plusieurs @."
    local, domain = candidate.split("@")
    if not local:
        return PREFIX + f"il manque le nom avant le @ (exemple : {EXAMPLE})."
    if not domain:
        return PREFIX + f"il manque le domaine après le @ (exemple : {EXAMPLE})."
    if not _ALLOWED_LOCAL.fullmatch(local):
        bad = next(c for c in local if not _ALLOWED_LOCAL.fullmatch(c))
        if not bad.isprintable():
            return PREFIX + "elle contient un caractère invisible avant le @ (copiez-la de nouveau)."
        return PREFIX + f"le caractère « {bad} » n'est pas permis avant le @."
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return PREFIX + "un point ne peut être ni au début, ni à la fin, ni doublé avant le @."
    if "." not in domain:
        return PREFIX + f"le domaine « {_shown(domain)} » n'a pas d'extension (.fr, .com…)."
    labels = domain.split(".")
    if not all(_LABEL.fullmatch(label) for label in labels):
        return PREFIX + f"le domaine « {_shown(domain)} » est mal formé."
    return None
