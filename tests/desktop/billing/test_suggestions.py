"""After a call: the act and majorations suggested for real cases, with amounts and French reasons."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from desktop.billing.professions import (
    Activity,
    NurseSetting,
    PractitionerProfile,
    Profession,
    Sector,
    Specialty,
)
from desktop.billing.rules import BillingRules
from desktop.billing.suggestions import ActSuggester, SuggestionRequest
from tests.desktop.billing.conftest import GP, NURSE, paris


@pytest.fixture(scope="module")
def suggester() -> ActSuggester:
    return ActSuggester(BillingRules())


def test_gp_on_a_weekday_bills_tcg_25_euros(suggester: ActSuggester) -> None:
    result = suggester.suggest(
        SuggestionRequest(GP, paris(2026, 11, 24, 10, 0), patient_birth_date=date(1980, 5, 2))
    )
    assert result.codes == ["TCG"]
    assert result.act is not None and result.act.amount == Decimal("25.00")
    assert result.act.amount_text == "25,00\xa0€"
    assert result.total == Decimal("25.00")
    assert result.act.reason == (
        "Téléconsultation (Médecin — Médecine générale, conventionné secteur 1) : "
        "TCG (Téléconsultation du médecin généraliste)."
    )
    assert result.patient_age == 46


def test_gp_child_under_six_adds_meg(suggester: ActSuggester) -> None:
    result = suggester.suggest(
        SuggestionRequest(GP, paris(2026, 11, 24, 10, 0), patient_birth_date=date(2022, 1, 15))
    )
    assert result.codes == ["TCG", "MEG"]
    [meg] = result.majorations
    assert meg.amount == Decimal("5.00") and meg.amount_unverified
    assert meg.amount_text == "5,00\xa0€ (non vérifié)"
    assert "patient de 4 ans (moins de 6 ans)" in meg.reason
    assert result.total == Decimal("30.00")


def test_age_is_taken_on_the_day_of_the_act(suggester: ActSuggester) -> None:
    # Sixth birthday on 24 November 2026: no MEG that day, MEG the day before.
    born = date(2020, 11, 24)
    assert suggester.suggest(SuggestionRequest(GP, paris(2026, 11, 24), patient_birth_date=born)).codes == [
        "TCG"
    ]
    before = suggester.suggest(SuggestionRequest(GP, paris(2026, 11, 23), patient_birth_date=born))
    assert before.codes == ["TCG", "MEG"]


@pytest.mark.parametrize(
    ("setting", "code", "amount", "words"),
    [
        (NurseSetting.DOMICILE, "TLD", Decimal("15.00"), "domicile"),
        (NurseSetting.LIEU_DEDIE, "TLL", Decimal("12.00"), "lieu dédié"),
        (NurseSetting.SOIN_PREVU, "TLS", Decimal("10.00"), "soin infirmier déjà prévu"),
    ],
)
def test_nurse_accompaniment(
    suggester: ActSuggester, setting: NurseSetting, code: str, amount: Decimal, words: str
) -> None:
    result = suggester.suggest(SuggestionRequest(NURSE, paris(2026, 11, 24, 10, 0), setting=setting))
    assert result.codes == [code]
    assert result.total == amount
    assert result.act is not None and words in result.act.reason
    assert any("RPPS du prescripteur" in w for w in result.act.warnings)


def test_nurse_alone_by_video_bills_tmi_with_the_amount_to_enter(suggester: ActSuggester) -> None:
    result = suggester.suggest(SuggestionRequest(NURSE, paris(2026, 11, 24)))
    assert result.codes == ["TMI"]
    assert result.act is not None and result.act.amount is None and result.total is None
    assert result.act.amount_text == "montant à saisir"
    assert "coefficient de l’acte × valeur de la lettre clé" in result.act.warnings[0]


def test_nurse_accompaniment_without_a_setting_asks_for_it(suggester: ActSuggester) -> None:
    result = suggester.suggest(
        SuggestionRequest(NURSE, paris(2026, 11, 24), activity=Activity.ACCOMPAGNEMENT)
    )
    assert result.act is None
    assert (
        "Précisez le lieu de l’accompagnement : domicile (TLD), lieu dédié (TLL) ou soin déjà prévu (TLS)."
        in (result.notes)
    )


def test_specialist_bills_tc_with_the_amount_to_enter(suggester: ActSuggester) -> None:
    psychiatrist = PractitionerProfile(Profession.MEDECIN, Sector.SECTEUR_1, Specialty.PSYCHIATRIE)
    result = suggester.suggest(SuggestionRequest(psychiatrist, paris(2026, 11, 24), patient_age=40))
    assert result.codes == ["TC"]
    assert result.act is not None and result.act.amount is None
    optional = {line.code for line in result.optional}
    assert {"MCS", "MPC"} <= optional and "MEG" not in optional


def test_midwife_tcg_amount_is_flagged_unverified(suggester: ActSuggester) -> None:
    result = suggester.suggest(
        SuggestionRequest(PractitionerProfile(Profession.SAGE_FEMME), paris(2026, 11, 24))
    )
    assert result.codes == ["TCG"]
    assert result.act is not None and result.act.amount_unverified


def test_public_holiday_is_noted_and_pdsa_majoration_offered_not_added(suggester: ActSuggester) -> None:
    result = suggester.suggest(SuggestionRequest(GP, paris(2026, 5, 14, 10, 0), patient_age=30))
    assert "Le 14 mai 2026 est un jour férié (Ascension)." in result.notes
    assert result.codes == ["TCG"] and result.total == Decimal("25.00")
    mhp = next(line for line in result.optional if line.code == "MHP")
    assert any("non vérifiée" in w for w in mhp.warnings)
    ordinary = suggester.suggest(SuggestionRequest(GP, paris(2026, 5, 21, 10, 0), patient_age=30))
    assert "MHP" not in {line.code for line in ordinary.optional}


def test_declared_context_turns_an_optional_majoration_into_an_applied_one(suggester: ActSuggester) -> None:
    plain = suggester.suggest(SuggestionRequest(GP, paris(2026, 11, 24), patient_age=30))
    mcg = next(line for line in plain.optional if line.code == "MCG")
    assert mcg.reason.startswith("Majoration de coordination généraliste (MCG) : possible si consultation")
    declared = suggester.suggest(
        SuggestionRequest(GP, paris(2026, 11, 24), patient_age=30, flags=frozenset({"coordination"}))
    )
    assert declared.codes == ["TCG", "MCG"] and declared.total == Decimal("30.00")


def test_regulated_night_act(suggester: ActSuggester) -> None:
    result = suggester.suggest(
        SuggestionRequest(GP, paris(2026, 11, 24, 23, 0), patient_age=30, flags=frozenset({"acte_regule"}))
    )
    assert result.codes == ["TCG", "MN"]
    assert result.total == Decimal("60.00")
    assert "MHP" not in {line.code for line in result.optional}  # MHP is for non-regulated acts


def test_non_conventionne_doctor_gets_no_act_and_an_explanation(suggester: ActSuggester) -> None:
    profile = PractitionerProfile(Profession.MEDECIN, Sector.NON_CONVENTIONNE, Specialty.MEDECINE_GENERALE)
    result = suggester.suggest(SuggestionRequest(profile, paris(2026, 11, 24)))
    assert result.act is None and result.total is None
    assert result.notes[0] == "Aucun acte facturable dans cette situation :"
    assert any("non conventionné" in note for note in result.notes)


def test_naive_datetimes_are_read_as_paris_time(suggester: ActSuggester) -> None:
    from datetime import datetime

    result = suggester.suggest(SuggestionRequest(GP, datetime(2026, 7, 1, 10, 0)))
    assert result.performed_at.isoformat() == "2026-07-01T08:00:00+00:00"
