"""The claim editor's state without Qt: edits, what each one asks to show again, problems revealed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import cast

import pytest

from contracts.billing.claims import Claim, ClaimStatus
from contracts.billing.rules import BillingRules
from desktop.billing.claim_draft import Change, ClaimDraft
from desktop.billing.claims import BillingServer, ClaimService
from desktop.domain.errors import UserFacingError
from tests.contracts.billing.conftest import NOW


@pytest.fixture
def claims(rules: BillingRules) -> ClaimService:
    # The drafting, validation and suggestion of the service need no server.
    return ClaimService(cast(BillingServer, None), clock=lambda: NOW, rules=rules)


def test_an_edit_touches_its_field_and_the_age_recomputes_the_lines(
    claims: ClaimService, make_claim: Callable[..., Claim]
) -> None:
    claim = make_claim()
    draft = ClaimDraft(claims, "doctor-1")
    changes: list[Change] = []
    draft.changed.connect(changes.append)
    draft.show(claim, "c1", claims.suggest_for(claim), None)
    assert changes == [Change.CLAIM] and draft.problems() == {}

    draft.edit("patient.regime", "")  # a form field: its problem shows once touched
    assert changes[-1] is Change.CHECKS and "patient.regime" in draft.shown_problems()
    draft.edit("patient.birth_date", date(2024, 3, 1))  # a toddler: the suggester adds MEG
    assert changes[-1] is Change.LINES
    assert [line.code for line in claim.lines] == ["TCG", "MEG"]

    draft.remove_majoration("MEG")  # changed by hand: the next edits keep the lines
    draft.edit("patient.birth_date", date(2023, 3, 1))
    assert [line.code for line in claim.lines] == ["TCG"] and draft.lines_edited
    draft.resuggest()
    assert [line.code for line in claim.lines] == ["TCG", "MEG"] and not draft.lines_edited
    with pytest.raises(UserFacingError):
        draft.add_majoration("NOPE")


def test_problems_of_untouched_fields_wait_for_ready(
    claims: ClaimService, make_claim: Callable[..., Claim]
) -> None:
    claim = make_claim(parcours=None)
    draft = ClaimDraft(claims, "doctor-1")
    draft.show(claim, None, claims.suggest_for(claim), None)
    assert "parcours" in draft.problems() and "parcours" not in draft.shown_problems()
    assert not draft.reveal_problems()
    assert "parcours" in draft.shown_problems()


def test_a_claim_past_draft_is_not_edited(claims: ClaimService, make_claim: Callable[..., Claim]) -> None:
    claim = make_claim(status=ClaimStatus.PRETE)
    draft = ClaimDraft(claims, "doctor-1")
    draft.show(claim, None, claims.suggest_for(claim), None)
    draft.edit("patient.last_name", "Durand")
    assert claim.patient.last_name == "Dupont" and not draft.touched
