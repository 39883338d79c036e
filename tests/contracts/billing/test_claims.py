"""SESAM-sans-Vitale claims: validation, overrides, status machine, serialisation, reimbursement estimate."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from contracts.billing.catalog import Catalog
from contracts.billing.claims import (
    Claim,
    ClaimLine,
    ClaimPractitioner,
    ClaimStatus,
    Exoneration,
    InsuranceNature,
    Parcours,
    draft_from_suggestion,
)
from contracts.billing.document import ClaimDocument, claim_from_dict
from contracts.billing.errors import (
    ClaimEditError,
    ClaimFormatError,
    ClaimInvalidError,
    ClaimTransitionError,
    Problem,
    RuleViolationError,
)
from contracts.billing.professions import NurseSetting
from contracts.billing.reimbursement import estimate_reimbursement
from contracts.billing.rules import BillingRules
from contracts.billing.suggestions import ActSuggester, SuggestionRequest
from contracts.billing.validation import ClaimValidator
from tests.contracts.billing.conftest import NOW, NURSE, OTHER_RPPS, VALID_RPPS, paris

MakeClaim = Callable[..., Claim]


def fields(problems: list[Problem]) -> dict[str, str]:
    return {p.field: p.message for p in problems}


def test_a_complete_claim_has_no_problem(make_claim: MakeClaim, validator: ClaimValidator) -> None:
    assert validator.validate(make_claim()) == []


def test_each_problem_names_its_field(make_claim: MakeClaim, validator: ClaimValidator) -> None:
    claim = make_claim(parcours=None)
    claim.patient.nir = "295109912611199"
    claim.patient.regime = "1"
    claim.practitioner.rpps = "79927398710"
    claim.practitioner.specialty_code = ""
    found = fields(validator.validate(claim))
    assert found == {
        "patient.nir": "La clé du NIR ne correspond pas : vérifiez chaque chiffre.",
        "patient.regime": "Le code régime compte 2 chiffres.",
        "practitioner.rpps": (
            "Le numéro RPPS est invalide (clé de contrôle incorrecte) : vérifiez chaque chiffre."
        ),
        "practitioner.specialty_code": "Le code spécialité est obligatoire.",
        "parcours": "Indiquez la situation du patient dans le parcours de soins.",
    }


def test_nir_must_match_the_birth_date_of_the_insured(
    make_claim: MakeClaim, validator: ClaimValidator
) -> None:
    claim = make_claim()
    claim.patient.birth_date = date(2019, 4, 2)  # a child on the parent's NIR
    assert "patient.nir" in fields(validator.validate(claim))
    claim.patient.is_insured = False
    assert validator.validate(claim) == []


def test_future_act_and_missing_amount(make_claim: MakeClaim, validator: ClaimValidator) -> None:
    claim = make_claim(performed_at=datetime(2026, 12, 1, 10, tzinfo=UTC))
    claim.act = ClaimLine("TCG", "Téléconsultation du médecin généraliste", None, None, True)
    found = fields(validator.validate(claim))
    assert found["performed_at"] == "La date de l’acte est dans le futur."
    assert found["act.amount"] == "Saisissez le montant de TCG."


def test_rules_problems_appear_in_validation(make_claim: MakeClaim, validator: ClaimValidator) -> None:
    claim = make_claim(
        majorations=[ClaimLine("MEG", "Majoration enfant", Decimal("5.00"), Decimal("5.00"), True)]
    )
    assert fields(validator.validate(claim)) == {
        "majorations[0]": "La majoration MEG concerne les patients de moins de 6 ans ; le patient a 31 ans."
    }


def test_nurse_accompaniment_needs_the_teleconsulting_doctor(
    make_claim: MakeClaim, validator: ClaimValidator
) -> None:
    claim = make_claim(parcours=None, setting=NurseSetting.DOMICILE)
    claim.practitioner = ClaimPractitioner(VALID_RPPS, "751234567", "24", NURSE, "Marie Curie")
    claim.act = ClaimLine("TLD", "Accompagnement à domicile", Decimal("15.00"), Decimal("15.00"), False)
    assert fields(validator.validate(claim)) == {
        "prescriber_rpps": "Indiquez le RPPS du médecin téléconsultant (zone prescripteur)."
    }
    claim.prescriber_rpps = OTHER_RPPS
    assert validator.validate(claim) == []


def test_status_machine_happy_path_is_recorded(make_claim: MakeClaim, validator: ClaimValidator) -> None:
    claim = make_claim()
    claim.mark_ready(validator, by="user-1", at=NOW)
    claim.transition(ClaimStatus.EXPORTEE, by="user-1", at=NOW)
    claim.transition(ClaimStatus.TELETRANSMISE, by="user-1", at=NOW, note="lot 12")
    claim.transition(ClaimStatus.PAYEE, by="user-1", at=NOW)
    assert claim.status is ClaimStatus.PAYEE
    assert [(h.from_status.value, h.to_status.value) for h in claim.history] == [
        ("brouillon", "prete"),
        ("prete", "exportee"),
        ("exportee", "teletransmise"),
        ("teletransmise", "payee"),
    ]


@pytest.mark.parametrize(
    ("path", "target", "message"),
    [
        (
            [],
            ClaimStatus.EXPORTEE,
            "Impossible de passer la demande de « brouillon » à « exportée » : "
            "elle doit d’abord être validée (statut « prête »).",
        ),
        (
            [ClaimStatus.EXPORTEE],
            ClaimStatus.PAYEE,
            "Impossible de passer la demande de « exportée » à « payée » : "
            "seule une demande télétransmise peut être marquée payée.",
        ),
        (
            [ClaimStatus.EXPORTEE, ClaimStatus.TELETRANSMISE, ClaimStatus.PAYEE],
            ClaimStatus.BROUILLON,
            "Impossible de passer la demande de « payée » à « brouillon »",
        ),
    ],
)
def test_refused_transitions_raise_a_clear_french_error(
    make_claim: MakeClaim,
    validator: ClaimValidator,
    path: list[ClaimStatus],
    target: ClaimStatus,
    message: str,
) -> None:
    claim = make_claim()
    if path:
        claim.mark_ready(validator, by="u", at=NOW)
    for step in path:
        claim.transition(step, by="u", at=NOW)
    before = claim.status
    with pytest.raises(ClaimTransitionError) as raised:
        claim.transition(target, by="u", at=NOW)
    assert raised.value.message.startswith(message)
    assert claim.status is before


def test_rejected_claim_goes_back_to_draft(make_claim: MakeClaim, validator: ClaimValidator) -> None:
    claim = make_claim()
    claim.mark_ready(validator, by="u", at=NOW)
    for step in (ClaimStatus.EXPORTEE, ClaimStatus.TELETRANSMISE, ClaimStatus.REJETEE, ClaimStatus.BROUILLON):
        claim.transition(step, by="u", at=NOW)
    assert claim.status is ClaimStatus.BROUILLON


def test_an_invalid_claim_cannot_become_ready(make_claim: MakeClaim, validator: ClaimValidator) -> None:
    claim = make_claim(parcours=None)
    with pytest.raises(ClaimInvalidError) as raised:
        claim.mark_ready(validator, by="u", at=NOW)
    assert raised.value.message == (
        "La demande de remboursement n’est pas prête (1 problème) : "
        "Indiquez la situation du patient dans le parcours de soins."
    )
    assert claim.status is ClaimStatus.BROUILLON
    with pytest.raises(ClaimTransitionError):
        claim.transition(ClaimStatus.PRETE, by="u", at=NOW)


def test_overriding_an_unverified_amount_is_recorded(make_claim: MakeClaim, rules: BillingRules) -> None:
    # A regulated act at 2 a.m.: CRM is 51.50 € in the revision, 59.50 € in January 2025: unverified.
    claim = make_claim(performed_at=paris(2026, 11, 24, 2, 0), flags=frozenset({"acte_regule"}))
    line = claim.add_majoration("CRM", rules)
    assert (line.amount, line.amount_unverified) == (Decimal("51.50"), True)
    record = claim.override_amount("CRM", Decimal("59.5"), by="user-7", at=NOW)
    assert (record.code, record.old_amount, record.new_amount, record.by, record.at) == (
        "CRM",
        Decimal("51.50"),
        Decimal("59.50"),
        "user-7",
        NOW,
    )
    assert claim.total == Decimal("84.50")
    stored = ClaimDocument.of(claim).to_dict()
    assert stored["overrides"] == [
        {
            "code": "CRM",
            "old_amount": "51.50",
            "new_amount": "59.50",
            "by": "user-7",
            "at": "2026-11-26T12:00:00Z",
            "reason": "",
        }
    ]


def test_a_verified_majoration_is_not_marked_unverified(make_claim: MakeClaim, rules: BillingRules) -> None:
    claim = make_claim()
    claim.patient.birth_date = date(2022, 3, 1)
    claim.patient.is_insured = False
    line = claim.add_majoration("MEG", rules)
    assert (line.amount, line.amount_unverified) == (Decimal("5.00"), False)
    with pytest.raises(ClaimEditError, match="est vérifié : indiquez la raison"):
        claim.override_amount("MEG", Decimal("5.5"), by="user-7", at=NOW)


def test_te2_is_billed_at_the_tariff_of_the_day_of_the_act(
    make_claim: MakeClaim, rules: BillingRules, validator: ClaimValidator
) -> None:
    def te2(moment: datetime) -> Claim:
        claim = make_claim(performed_at=moment, parcours=None, prescriber_rpps=OTHER_RPPS)
        claim.set_act("TE2", rules)
        return claim

    last_day = te2(paris(2025, 12, 31, 18, 0))
    assert last_day.act is not None and last_day.act.amount == Decimal("20.00")
    first_day = te2(paris(2026, 1, 1, 9, 0))
    assert first_day.act is not None and first_day.act.amount == Decimal("23.00")
    assert validator.validate(last_day) == [] and validator.validate(first_day) == []
    # The act's date moved across the boundary while the line kept the old tariff: validation says so.
    last_day.performed_at = paris(2026, 1, 1, 9, 0)
    assert fields(validator.validate(last_day)) == {
        "act.amount": "Le tarif de TE2 le 1er janvier 2026 est de 23,00\xa0€, pas 20,00\xa0€ : "
        "recalculez la cotation."
    }


def test_a_draft_follows_the_catalog_in_force(make_claim: MakeClaim, rules: BillingRules) -> None:
    # A draft stored while MEG's amount was unverified, and a TE2 kept at last year's tariff.
    claim = make_claim()
    claim.patient.birth_date = date(2022, 3, 1)
    claim.majorations = [ClaimLine("MEG", "Majoration enfant", Decimal("5.00"), Decimal("5.00"), True)]
    assert claim.refresh_from_catalog(rules)
    assert (claim.majorations[0].amount, claim.majorations[0].amount_unverified) == (Decimal("5.00"), False)
    assert not claim.refresh_from_catalog(rules)
    expert = make_claim(performed_at=paris(2026, 1, 2, 9, 0), parcours=None, prescriber_rpps=OTHER_RPPS)
    expert.act = ClaimLine("TE2", "Téléexpertise", Decimal("20.00"), Decimal("20.00"), False)
    assert expert.refresh_from_catalog(rules)
    assert expert.act is not None and expert.act.amount == Decimal("23.00")
    # An amount the practitioner changed stays theirs; a claim past « brouillon » stays as validated.
    night = make_claim(performed_at=paris(2026, 11, 24, 2, 0), flags=frozenset({"acte_regule"}))
    night.add_majoration("CRM", rules)
    night.override_amount("CRM", Decimal("59.50"), by="user-7", at=NOW)
    night.refresh_from_catalog(rules)
    assert night.majorations[0].amount == Decimal("59.50") and night.majorations[0].amount_unverified
    ready = make_claim(status=ClaimStatus.PRETE)
    ready.act = ClaimLine("TCG", "Téléconsultation", Decimal("25.00"), Decimal("25.00"), True)
    assert not ready.refresh_from_catalog(rules) and ready.act.amount_unverified


def test_parcours_indicator_codes(make_claim: MakeClaim, catalog: Catalog) -> None:
    urgent = make_claim(parcours=Parcours.URGENCE)
    assert urgent.parcours_indicator_code(catalog) == "U"
    oriented = make_claim(parcours=Parcours.ORIENTE_PAR_MT)
    indicator = oriented.parcours_indicator(catalog)
    assert indicator is not None and (indicator.code, indicator.verified) == ("MTO", False)
    assert oriented.parcours_indicator_code(catalog) is None  # not sent until the practitioner confirms
    oriented.parcours_indicator_confirmed = True
    assert oriented.parcours_indicator_code(catalog) == "MTO"
    assert make_claim(parcours=Parcours.MEDECIN_TRAITANT).parcours_indicator_code(catalog) is None
    stored = ClaimDocument.of(oriented).to_dict()
    assert stored["parcours_indicator_confirmed"] is True
    assert claim_from_dict(stored).parcours_indicator_confirmed
    del stored["parcours_indicator_confirmed"]  # a document written before the field existed
    assert not claim_from_dict(stored).parcours_indicator_confirmed


def test_a_referred_patient_needs_the_referring_doctors_rpps(
    make_claim: MakeClaim, validator: ClaimValidator
) -> None:
    oriented = make_claim(parcours=Parcours.ORIENTE_PAR_MT)
    assert {p.field: p.message for p in validator.validate(oriented)} == {
        "referring_rpps": "Indiquez le RPPS du médecin traitant qui a orienté le patient."
    }
    oriented.referring_rpps = "79927398714"
    assert [p.message for p in validator.validate(oriented)] == [
        "Médecin traitant : Le numéro RPPS est invalide (clé de contrôle incorrecte) : "
        "vérifiez chaque chiffre."
    ]
    oriented.referring_rpps = OTHER_RPPS
    assert validator.validate(oriented) == []
    stored = ClaimDocument.of(oriented).to_dict()
    assert claim_from_dict(stored).referring_rpps == OTHER_RPPS
    del stored["referring_rpps"]  # a document written before the field existed
    assert claim_from_dict(stored).referring_rpps is None


def test_overriding_a_verified_amount_needs_a_reason(make_claim: MakeClaim) -> None:
    claim = make_claim()
    with pytest.raises(ClaimEditError) as raised:
        claim.override_amount("TCG", Decimal("30"), by="u", at=NOW)
    assert raised.value.message == (
        "Le montant de TCG (25,00\xa0€) est vérifié : indiquez la raison de la modification."
    )
    claim.override_amount("TCG", Decimal("26.50"), by="u", at=NOW, reason="Nouveau tarif publié au JO")
    assert claim.act is not None and claim.act.amount == Decimal("26.50")
    assert claim.overrides[-1].reason == "Nouveau tarif publié au JO"


def test_only_drafts_can_be_edited(
    make_claim: MakeClaim, validator: ClaimValidator, rules: BillingRules
) -> None:
    claim = make_claim()
    claim.mark_ready(validator, by="u", at=NOW)
    with pytest.raises(ClaimEditError, match="repassez-la en brouillon"):
        claim.override_amount("TCG", Decimal("20"), by="u", at=NOW, reason="x")
    with pytest.raises(ClaimEditError):
        claim.add_majoration("MEG", rules)


def test_adding_a_refused_majoration_changes_nothing(make_claim: MakeClaim, rules: BillingRules) -> None:
    claim = make_claim()
    with pytest.raises(RuleViolationError, match="moins de 6 ans"):
        claim.add_majoration("MEG", rules)
    assert claim.majorations == []


def test_round_trip_through_json(make_claim: MakeClaim, validator: ClaimValidator) -> None:
    claim = make_claim(tiers_payant_amo=False, flags=frozenset({"coordination"}))
    claim.mark_ready(validator, by="user-1", at=NOW)
    data = json.loads(json.dumps(ClaimDocument.of(claim).to_dict()))
    assert data["performed_at"] == "2026-11-24T09:00:00Z"
    assert data["totals"] == {"base": "25.00", "total": "25.00"}
    again = claim_from_dict(data)
    assert ClaimDocument.of(again).to_dict() == ClaimDocument.of(claim).to_dict()
    assert (
        again.status is ClaimStatus.PRETE and again.act is not None and again.act.amount == Decimal("25.00")
    )


def test_unreadable_dict_names_the_field(make_claim: MakeClaim) -> None:
    data = ClaimDocument.of(make_claim()).to_dict()
    data["patient"]["birth_date"] = "03/10/1995"
    with pytest.raises(ClaimFormatError) as raised:
        claim_from_dict(data)
    assert raised.value.message == (
        "Demande illisible : le champ « patient.birth_date » doit être une date au format AAAA-MM-JJ."
    )
    assert raised.value.field == "patient.birth_date"
    data = ClaimDocument.of(make_claim()).to_dict()
    data["status"] = "envoyée"
    with pytest.raises(ClaimFormatError, match="« status » a une valeur non acceptée"):
        claim_from_dict(data)
    data = ClaimDocument.of(make_claim()).to_dict()
    data["act"]["amount"] = "25.001"
    money = r"« act\.amount » est invalide : un montant s'écrit en texte à deux décimales"
    with pytest.raises(ClaimFormatError, match=money):
        claim_from_dict(data)


def test_reimbursement_of_a_gp_teleconsultation(make_claim: MakeClaim, catalog: Catalog) -> None:
    estimate = estimate_reimbursement(make_claim(), catalog)
    assert (estimate.amo_gross, estimate.participation_forfaitaire, estimate.amo_net) == (
        Decimal("17.50"),
        Decimal("2.00"),
        Decimal("15.50"),
    )
    assert estimate.patient_pays_now == Decimal("7.50")  # tiers payant AMO
    assert estimate.summary == (
        "Estimation : l’Assurance Maladie rembourse environ 15,50\xa0€ (70 % de 25,00\xa0€, "
        "moins 2,00\xa0€ de participation forfaitaire)."
    )


def test_reimbursement_special_cases(make_claim: MakeClaim, catalog: Catalog) -> None:
    ald = estimate_reimbursement(make_claim(exoneration=Exoneration.ALD, tiers_payant_amo=False), catalog)
    assert (
        ald.rate == Decimal("1.00")
        and ald.amo_net == Decimal("23.00")
        and ald.patient_pays_now == Decimal("25.00")
    )
    maternity = estimate_reimbursement(make_claim(nature=InsuranceNature.MATERNITE), catalog)
    assert maternity.amo_net == Decimal("25.00") and maternity.participation_forfaitaire == 0
    outside = estimate_reimbursement(make_claim(parcours=Parcours.HORS_PARCOURS), catalog)
    assert outside.amo_net is None and outside.summary == "Remboursement non estimé."
    te2 = make_claim(act=ClaimLine("TE2", "Téléexpertise", Decimal("23.00"), Decimal("23.00"), False))
    assert estimate_reimbursement(te2, catalog).amo_net == Decimal("23.00")


def test_child_pays_no_participation_forfaitaire(make_claim: MakeClaim, catalog: Catalog) -> None:
    claim = make_claim()
    claim.patient.birth_date = date(2015, 1, 1)
    assert estimate_reimbursement(claim, catalog).amo_net == Decimal("17.50")


def test_nurse_rate_is_flagged_unverified(make_claim: MakeClaim, catalog: Catalog) -> None:
    claim = make_claim(parcours=None)
    claim.practitioner = ClaimPractitioner(VALID_RPPS, "751234567", "24", NURSE)
    claim.act = ClaimLine("TLD", "Accompagnement", Decimal("15.00"), Decimal("15.00"), False)
    estimate = estimate_reimbursement(claim, catalog)
    assert estimate.amo_net == Decimal("9.00") and estimate.unverified
    assert "Taux de remboursement de votre profession non vérifié." in estimate.notes


def test_draft_from_suggestion_keeps_only_applied_lines(make_claim: MakeClaim) -> None:
    base = make_claim()
    base.patient.birth_date = date(2022, 3, 1)
    suggestion = ActSuggester().suggest(
        SuggestionRequest(
            base.practitioner.profile, paris(2026, 11, 24, 10), patient_birth_date=date(2022, 3, 1)
        )
    )
    claim = draft_from_suggestion(suggestion, base.patient, base.practitioner, created_at=NOW)
    assert [line.code for line in claim.lines] == ["TCG", "MEG"]
    assert claim.total == Decimal("30.00") and claim.status is ClaimStatus.BROUILLON


def test_nurse_telesoin_needs_a_coefficient_and_an_entered_amount(
    make_claim: MakeClaim, rules: BillingRules, validator: ClaimValidator
) -> None:
    claim = make_claim(parcours=None)
    claim.practitioner = ClaimPractitioner(VALID_RPPS, "751234567", "24", NURSE, "Marie Curie")
    line = claim.set_act("TMI", rules)
    assert line.amount is None and line.amount_unverified
    assert fields(validator.validate(claim)) == {
        "act.amount": "Saisissez le montant de TMI (coefficient × valeur de la lettre clé).",
        "act.coefficient": "Indiquez le coefficient de l’acte TMI (par exemple 1,6).",
    }
    claim.set_act("TMI", rules, coefficient=Decimal("1.6"))
    claim.override_amount("TMI", Decimal("5.04"), by="user-3", at=NOW)
    assert validator.validate(claim) == []
    assert (claim.overrides[0].old_amount, claim.overrides[0].new_amount) == (None, Decimal("5.04"))


def test_set_act_refuses_an_act_the_practitioner_cannot_bill(
    make_claim: MakeClaim, rules: BillingRules
) -> None:
    claim = make_claim()
    with pytest.raises(RuleViolationError, match="L’acte TLD"):
        claim.set_act("TLD", rules)
    assert claim.act is not None and claim.act.code == "TCG"
