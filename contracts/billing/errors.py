"""Billing errors and problems: one error tree, French messages safe to show to the practitioner.

::

    BillingError                      base of every billing error (contracts.billing, desktop.billing)
    ├── CatalogError                  the shipped act catalog is missing or malformed
    ├── UnknownCodeError              an act or majoration code the catalog does not know
    ├── RuleViolationError            an act or a majoration is refused by the rules (carries problems)
    ├── ClaimInvalidError             a claim cannot become « prête » (carries problems)
    ├── ClaimTransitionError          a status change the claim's status machine refuses
    ├── ClaimEditError                a change to a claim that is no longer a draft, or a bad override
    ├── ClaimFormatError              a stored or imported claim dict that cannot be read
    └── ExportError                   a claim that cannot be exported, or an empty batch

Validation never raises for ordinary mistakes: it returns a list of :class:`Problem`, one French
message per problem, each naming the field it is about (``patient.nir``, ``majorations[1]``…) so
that a screen can put the message next to the field.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One validation problem: the dotted name of the field and a French message about it."""

    field: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """A JSON-able form, for the server's error payloads."""
        return {"field": self.field, "message": self.message}


class BillingError(Exception):
    """Base of the billing errors; ``message`` is French and safe to show to the practitioner."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CatalogError(BillingError):
    """The act catalog shipped in resources/billing cannot be read."""


class UnknownCodeError(BillingError):
    """An act or majoration code that is not in the catalog."""

    def __init__(self, code: str) -> None:
        super().__init__(f"Le code « {code} » n’existe pas dans le catalogue des actes.")
        self.code = code


class _ProblemsError(BillingError):
    """An error that carries the list of problems that caused it."""

    def __init__(self, headline: str, problems: list[Problem]) -> None:
        details = " ".join(p.message for p in problems)
        super().__init__(f"{headline} {details}".strip())
        self.problems = problems


class RuleViolationError(_ProblemsError):
    """An act or majoration refused by the billing rules."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("Cotation refusée :", problems)


class ClaimInvalidError(_ProblemsError):
    """A claim with validation problems cannot be marked ready."""

    def __init__(self, problems: list[Problem]) -> None:
        count = len(problems)
        noun = "problème" if count == 1 else "problèmes"
        super().__init__(f"La demande de remboursement n’est pas prête ({count} {noun}) :", problems)


class ClaimTransitionError(BillingError):
    """A status change that the claim status machine refuses."""


class ClaimEditError(BillingError):
    """A change to a claim that is not allowed (not a draft, unknown line, missing reason…)."""


class ClaimFormatError(BillingError):
    """A claim document (stored on the server or imported) that cannot be read; `field` names where."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ExportError(BillingError):
    """A claim that cannot be exported, or a batch with nothing in it."""
