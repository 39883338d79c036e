"""The claim fixtures of the shared billing tests, for the desktop's exports and PDFs."""

from __future__ import annotations

from tests.contracts.billing.conftest import catalog, make_claim, rules, validator

__all__ = ["catalog", "make_claim", "rules", "validator"]
