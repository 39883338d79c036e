"""The workflow for the other professions (issue 12, item 12): a nurse accompanying a teleconsultation
(TLD / TLL / TLS by setting) or in télésoin (TMI), a midwife (TCG, TFS), a physiotherapist (TMK).

Each gets the acts the catalog gives their profession, at the catalog's amount on the day of the act
(read from the catalog here, never written in the test), the checks of their claim, and the two
documents: the note d'honoraires and the claim export.
"""

from __future__ import annotations

import io
import json
import re
from datetime import date
from decimal import Decimal
from typing import cast

import pytest
from pypdf import PdfReader

from contracts.billing.catalog import Catalog
from contracts.billing.claims import (
    Claim,
    ClaimPatient,
    ClaimPractitioner,
    ClaimStatus,
    draft_from_suggestion,
)
from contracts.billing.professions import Activity, NurseSetting, PractitionerProfile, Profession, Sector
from contracts.billing.rules import BillingRules
from contracts.clock import paris_day
from contracts.fr_format import cents, eur
from desktop.billing.claim_draft import ClaimDraft
from desktop.billing.claims import BillingServer, ClaimService
from desktop.billing.export import ClaimExporter
from desktop.billing.fee_notes import PractitionerIdentity, fee_note_from_claim
from desktop.billing.note_renderer import ReportlabNoteRenderer
from tests.contracts.billing.conftest import NOW, OTHER_RPPS, VALID_NIR, VALID_RPPS, paris

NURSE = PractitionerProfile(Profession.INFIRMIER, Sector.SECTEUR_1)
MIDWIFE = PractitionerProfile(Profession.SAGE_FEMME, Sector.SECTEUR_1)
PHYSIO = PractitionerProfile(Profession.MASSEUR_KINESITHERAPEUTE, Sector.SECTEUR_1)
WHEN = paris(2026, 11, 24, 10, 0)  # a Tuesday morning: no time majoration


@pytest.fixture
def claims(rules: BillingRules) -> ClaimService:
    return ClaimService(cast(BillingServer, None), clock=lambda: NOW, rules=rules)


@pytest.fixture(scope="module")
def renderer() -> ReportlabNoteRenderer:
    return ReportlabNoteRenderer()


def drafted(
    claims: ClaimService,
    profile: PractitionerProfile,
    activity: Activity | None = None,
    setting: NurseSetting | None = None,
) -> tuple[Claim, ClaimDraft]:
    """The draft the editor would open for this practitioner, its patient fields complete."""
    patient = ClaimPatient(
        "Dupont", "Hélène", date(1995, 10, 3), VALID_NIR, regime="01", caisse="751", centre="0001"
    )
    practitioner = ClaimPractitioner(VALID_RPPS, "751234567", "24", profile, "Claire Martin")
    start = Claim(patient, practitioner, WHEN, setting=setting, created_at=NOW)
    suggestion = claims.suggest_for(start, activity)
    claim = draft_from_suggestion(suggestion, patient, practitioner, created_at=NOW, setting=setting)
    draft = ClaimDraft(claims, "account-1")
    draft.show(claim, "conversation-1", suggestion, activity)
    return claim, draft


def tariff(catalog: Catalog, code: str) -> Decimal | None:
    entry = catalog.acts.get(code) or catalog.majorations[code]
    return entry.amount_on(paris_day(WHEN))


def documents(
    claim: Claim, catalog: Catalog, renderer: ReportlabNoteRenderer
) -> tuple[str, dict[str, object]]:
    """The note d'honoraires (its text) and the JSON export of a claim made ready."""
    claim.mark_ready(lambda _c: [], by="account-1", at=NOW)
    assert claim.status is ClaimStatus.PRETE
    identity = PractitionerIdentity("Claire Martin", claim.practitioner.profile, VALID_RPPS, "751234567")
    note = fee_note_from_claim(
        claim, number="2026-0007", practitioner=identity, issued_on=date(2026, 11, 24), catalog=catalog
    )
    reader = PdfReader(io.BytesIO(renderer.render_note(note)))
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages).replace("\u00a0", " "))
    export = json.loads(ClaimExporter(lambda: NOW, catalog).export_claim(claim).content)
    assert isinstance(export, dict)
    return text, export


def plain(amount: Decimal) -> str:
    return eur(amount).replace("\u00a0", " ")


@pytest.mark.parametrize("setting", list(NurseSetting))
def test_a_nurse_accompanying_a_teleconsultation_bills_the_act_of_her_setting(
    claims: ClaimService, catalog: Catalog, renderer: ReportlabNoteRenderer, setting: NurseSetting
) -> None:
    claim, draft = drafted(claims, NURSE, Activity.ACCOMPAGNEMENT, setting)
    (act,) = [
        a
        for a in catalog.acts.values()
        if a.setting == setting.value and any(e.profession is Profession.INFIRMIER for e in a.eligibility)
    ]
    assert act.code in {"TLS", "TLL", "TLD"} and claim.act is not None and claim.act.code == act.code
    assert claim.act.amount == tariff(catalog, act.code) and not claim.act.amount_unverified
    for line in claim.majorations:  # IFD with TLD: the catalog's allowance too
        assert line.amount == tariff(catalog, line.code)
    tariffs = [tariff(catalog, li.code) or Decimal(0) for li in claim.lines]
    assert claim.total == cents(sum(tariffs, Decimal(0)))
    # No parcours for a nurse; the teleconsulting doctor goes in the prescriber zone.
    assert draft.problems() == {
        "prescriber_rpps": "Indiquez le RPPS du médecin téléconsultant (zone prescripteur)."
    }
    draft.edit("prescriber_rpps", OTHER_RPPS)
    assert draft.problems() == {}

    text, export = documents(claim, catalog, renderer)
    for line in claim.lines:
        assert f"{line.code} {line.label}" in text and plain(line.amount or Decimal(0)) in text
    assert act.mode_label in text and "Infirmier" in text and f"Total {plain(claim.total)}" in text
    assert export["prescriber_rpps"] == OTHER_RPPS
    assert [(li["code"], li["amount"]) for li in export["lines"]] == [  # type: ignore[attr-defined]
        (li.code, str(li.amount)) for li in claim.lines
    ]


def test_a_nurse_in_telesoin_bills_tmi_with_its_coefficient(claims: ClaimService, catalog: Catalog) -> None:
    claim, draft = drafted(claims, NURSE, Activity.TELESOIN)
    assert claim.act is not None and claim.act.code == "TMI" and claim.act.amount is None
    assert tariff(catalog, "TMI") is None  # coefficient × AMI: to enter
    problems = draft.problems()
    assert set(problems) == {"act.amount", "act.coefficient"}
    draft.commit_coefficient("TMI", "1,6")
    draft.commit_amount("TMI", "5,04")
    assert claim.act.coefficient == Decimal("1.6") and draft.problems() == {}


def test_a_midwife_bills_tcg_at_the_catalog_amount_and_tfs_to_enter(
    claims: ClaimService, catalog: Catalog, renderer: ReportlabNoteRenderer
) -> None:
    claim, draft = drafted(claims, MIDWIFE)
    assert claim.act is not None and claim.act.code == "TCG"
    assert claim.act.amount == tariff(catalog, "TCG") and claim.majorations == []
    assert draft.problems() == {}  # the parcours de soins is the doctors' rule
    rule = catalog.reimbursement[Profession.SAGE_FEMME]
    estimate = claims.estimate(claim)
    assert estimate.participation_forfaitaire == 0  # doctors only
    assert estimate.amo_net == cents((claim.act.amount or Decimal(0)) * rule.rate)
    text, export = documents(claim, catalog, renderer)
    assert "Sage-femme" in text and f"TCG {claim.act.label}" in text
    assert plain(claim.act.amount or Decimal(0)) in text and "téléconsultation" in text
    assert export["practitioner"]["profession"] == "sage_femme"  # type: ignore[index]

    remote, remote_draft = drafted(claims, MIDWIFE, Activity.TELESOIN)
    assert remote.act is not None and remote.act.code == "TFS" and remote.act.amount is None
    assert remote_draft.problems() == {
        "act.amount": "Saisissez le montant de TFS (tarif de l’acte présentiel remplacé)."
    }


def test_a_physiotherapist_bills_tmk_with_the_coefficient_of_the_act(
    claims: ClaimService, catalog: Catalog, renderer: ReportlabNoteRenderer
) -> None:
    claim, draft = drafted(claims, PHYSIO)
    assert claim.act is not None and claim.act.code == "TMK" and claim.act.amount is None
    assert tariff(catalog, "TMK") is None and catalog.acts["TMK"].amount_basis == "coefficient"
    assert draft.problems() == {
        "act.amount": "Saisissez le montant de TMK (coefficient × valeur de la lettre clé).",
        "act.coefficient": "Indiquez le coefficient de l’acte TMK (par exemple 1,6).",
    }
    draft.commit_coefficient("TMK", "sept")
    assert draft.problems()["act.coefficient"].startswith("Coefficient illisible")
    draft.commit_coefficient("TMK", "7,5")
    draft.commit_amount("TMK", "16,13")
    assert draft.problems() == {} and claim.act.coefficient == Decimal("7.5")
    override = claim.overrides[-1]
    assert (override.code, override.new_amount, override.by) == ("TMK", Decimal("16.13"), "account-1")
    text, export = documents(claim, catalog, renderer)
    assert "Masseur-kinésithérapeute" in text and "TMK" in text and "télésoin" in text
    assert plain(Decimal("16.13")) in text
    lines = export["lines"]
    assert isinstance(lines, list)
    assert [(li["code"], li["coefficient"], li["amount"]) for li in lines] == [("TMK", "7.5", "16.13")]
