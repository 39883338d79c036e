"""After a call: the act and majorations suggested for real cases, with amounts and French reasons."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from contracts.billing.professions import (
    Activity,
    NurseSetting,
    PractitionerProfile,
    Profession,
    Sector,
    Specialty,
)
from contracts.billing.rules import BillingRules
from contracts.billing.suggestions import ActSuggester, SuggestionRequest
from tests.contracts.billing.conftest import GP, NURSE, paris


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
    assert meg.amount == Decimal("5.00") and not meg.amount_unverified  # 5 € confirmed by the revision
    assert meg.amount_text == "5,00\xa0€"
    assert meg.reason == (
        "Majoration enfant généraliste (enfant < 6 ans) (MEG) : patient de 4 ans (moins de 6 ans)."
    )
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
    ("setting", "codes", "total", "words"),
    [
        (NurseSetting.DOMICILE, ["TLD", "IFD"], Decimal("17.75"), "domicile"),  # 15 € + IFD 2.75 €
        (NurseSetting.LIEU_DEDIE, ["TLL"], Decimal("12.00"), "lieu dédié"),
        (NurseSetting.SOIN_PREVU, ["TLS"], Decimal("10.00"), "soin infirmier déjà prévu"),
    ],
)
def test_nurse_accompaniment(
    suggester: ActSuggester, setting: NurseSetting, codes: list[str], total: Decimal, words: str
) -> None:
    result = suggester.suggest(SuggestionRequest(NURSE, paris(2026, 11, 24, 10, 0), setting=setting))
    assert result.codes == codes
    assert result.total == total
    assert result.act is not None and words in result.act.reason
    assert any("RPPS du prescripteur" in w for w in result.act.warnings)


def test_nurse_at_home_bills_tld_and_the_travel_allowance(suggester: ActSuggester) -> None:
    result = suggester.suggest(
        SuggestionRequest(NURSE, paris(2026, 12, 7, 9, 0), setting=NurseSetting.DOMICILE)
    )
    assert result.act is not None and (result.act.code, result.act.amount_text) == ("TLD", "15,00\xa0€")
    [ifd] = result.majorations
    assert (ifd.code, ifd.amount, ifd.amount_unverified) == ("IFD", Decimal("2.75"), False)
    assert ifd.reason.startswith("Indemnité forfaitaire de déplacement (IFD) : déplacement de l’infirmier")
    assert result.total == Decimal("17.75")


def test_travel_allowance_before_its_current_amount_is_to_enter(suggester: ActSuggester) -> None:
    before = suggester.suggest(
        SuggestionRequest(NURSE, paris(2024, 1, 27, 9, 0), setting=NurseSetting.DOMICILE)
    )
    [ifd] = before.majorations
    assert ifd.amount is None and ifd.amount_text == "montant à saisir" and before.total is None
    after = suggester.suggest(
        SuggestionRequest(NURSE, paris(2024, 1, 28, 9, 0), setting=NurseSetting.DOMICILE)
    )
    assert after.total == Decimal("17.75")


def test_dedicated_place_offers_the_allowance_once_per_trip(suggester: ActSuggester) -> None:
    result = suggester.suggest(
        SuggestionRequest(NURSE, paris(2026, 12, 7, 9, 0), setting=NurseSetting.LIEU_DEDIE)
    )
    assert result.codes == ["TLL"] and result.total == Decimal("12.00")
    [ifd] = result.optional
    assert ifd.code == "IFD" and ifd.amount == Decimal("2.75")
    assert "une seule indemnité pour plusieurs patients vus à la suite au même endroit" in ifd.reason


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
    other = PractitionerProfile(Profession.MEDECIN, Sector.SECTEUR_1, Specialty.AUTRE)
    result = suggester.suggest(SuggestionRequest(other, paris(2026, 11, 24), patient_age=40))
    assert result.codes == ["TC"]
    assert result.act is not None and result.act.amount is None
    optional = {line.code: line for line in result.optional}
    assert {"MCS", "MPC"} <= set(optional) and "MEG" not in optional
    assert optional["MPC"].reason == (
        "Majoration (provisoire) clinique spécialiste (MPC) : à confirmer — valeur actuelle (2 € avant "
        "2024) non vérifiée."
    )
    assert optional["MPC"].amount_text == "2,00\xa0€ (non vérifié)"


def test_psychiatrist_is_offered_no_mpc(suggester: ActSuggester) -> None:
    psychiatrist = PractitionerProfile(Profession.MEDECIN, Sector.SECTEUR_1, Specialty.PSYCHIATRIE)
    result = suggester.suggest(SuggestionRequest(psychiatrist, paris(2026, 11, 24), patient_age=40))
    assert result.codes == ["TC"]
    assert "MCS" in {line.code for line in result.optional}
    assert "MPC" not in {line.code for line in result.optional}


def test_midwife_bills_tcg_at_25_euros(suggester: ActSuggester) -> None:
    result = suggester.suggest(
        SuggestionRequest(PractitionerProfile(Profession.SAGE_FEMME), paris(2026, 12, 6, 10, 0))
    )
    assert result.codes == ["TCG"] and result.total == Decimal("25.00")
    assert result.act is not None and not result.act.amount_unverified
    assert result.act.amount_text == "25,00\xa0€"
    assert result.act.warnings == (
        "Sage-femme : TCG à 25 € ; vos majorations (nuit, jours fériés, hors MSF) se cotent dans votre "
        "logiciel certifié.",
    )
    assert result.optional == ()  # the doctors' majorations (MHP on a Sunday…) are not hers


def test_gp_on_a_sunday_bills_mhp_and_no_f_unless_regulated(suggester: ActSuggester) -> None:
    sunday = paris(2026, 12, 6, 10, 0)
    result = suggester.suggest(SuggestionRequest(GP, sunday, patient_age=30))
    assert result.codes == ["TCG", "MHP"] and result.total == Decimal("30.00")
    [mhp] = result.majorations
    assert not mhp.amount_unverified and "acte du dimanche 6 décembre 2026 à 10:00" in mhp.reason
    offered = {line.code for line in result.optional}
    assert not offered & {"F", "MN", "MM", "CRN", "CRM", "CRD"}
    regulated = suggester.suggest(
        SuggestionRequest(GP, sunday, patient_age=30, flags=frozenset({"acte_regule"}))
    )
    assert regulated.codes == ["TCG"] and regulated.total == Decimal("25.00")  # F is never added alone
    options = {line.code: line for line in regulated.optional}
    assert "MHP" not in options
    assert options["F"].amount == Decimal("19.06")
    assert options["F"].reason == (
        "Majoration dimanche et jours fériés (F) : à confirmer — depuis le 22 décembre 2024, son "
        "application à la téléconsultation n’est pas vérifiée (en présentiel : urgence justifiée ou acte "
        "régulé seulement)."
    )
    assert options["CRD"].amount == Decimal("26.50") and "majoration régulée" in options["CRD"].reason


def test_public_holiday_is_noted_and_opens_the_pdsa_majoration(suggester: ActSuggester) -> None:
    result = suggester.suggest(SuggestionRequest(GP, paris(2026, 5, 14, 10, 0), patient_age=30))
    assert "Le 14 mai 2026 est un jour férié (Ascension)." in result.notes
    assert result.codes == ["TCG", "MHP"] and result.total == Decimal("30.00")
    ordinary = suggester.suggest(SuggestionRequest(GP, paris(2026, 5, 21, 10, 0), patient_age=30))
    assert ordinary.codes == ["TCG"]
    assert "MHP" not in {line.code for line in ordinary.optional}


def test_saturday_afternoon_pdsa_is_to_confirm(suggester: ActSuggester) -> None:
    result = suggester.suggest(SuggestionRequest(GP, paris(2026, 12, 5, 15, 0), patient_age=30))
    assert result.codes == ["TCG"]
    mhp = next(line for line in result.optional if line.code == "MHP")
    assert mhp.reason == (
        "Majoration acte non régulé aux horaires de permanence des soins (MHP) : à confirmer — le samedi "
        "après-midi ne relève de la permanence des soins que là où elle est organisée : confirmez-le pour "
        "votre secteur."
    )
    morning = suggester.suggest(SuggestionRequest(GP, paris(2026, 12, 5, 11, 0), patient_age=30))
    assert "MHP" not in {line.code for line in morning.optional}


def test_specialist_on_a_sunday_is_offered_mhp_to_confirm(suggester: ActSuggester) -> None:
    other = PractitionerProfile(Profession.MEDECIN, Sector.SECTEUR_1, Specialty.AUTRE)
    result = suggester.suggest(SuggestionRequest(other, paris(2026, 12, 6, 10, 0), patient_age=30))
    assert result.codes == ["TC"]
    mhp = next(line for line in result.optional if line.code == "MHP")
    assert mhp.reason.endswith(
        ": à confirmer — confirmée sur le TCG ; sur le TC (spécialiste), elle n’est pas vérifiée."
    )


def test_patient_over_80_outside_your_patients_adds_mop(suggester: ActSuggester) -> None:
    day = paris(2026, 11, 24, 10, 0)
    born = date(1942, 3, 9)  # 84 on the day of the act
    plain = suggester.suggest(SuggestionRequest(GP, day, patient_birth_date=born))
    assert plain.codes == ["TCG"]
    mop = next(line for line in plain.optional if line.code == "MOP")
    assert mop.reason == (
        "Majoration pour le suivi des personnes âgées (80 ans et plus, médecin non traitant) (MOP) : "
        "possible si patient hors de votre patientèle médecin traitant (vous n’êtes pas son médecin "
        "traitant)."
    )
    declared = suggester.suggest(
        SuggestionRequest(GP, day, patient_birth_date=born, flags=frozenset({"hors_patientele_mt"}))
    )
    assert declared.codes == ["TCG", "MOP"] and declared.total == Decimal("30.00")
    assert "patient de 84 ans (80 ans ou plus)" in declared.majorations[0].reason
    younger = suggester.suggest(
        SuggestionRequest(GP, day, patient_age=79, flags=frozenset({"hors_patientele_mt"}))
    )
    assert younger.codes == ["TCG"] and "MOP" not in {line.code for line in younger.optional}


def test_te2_amount_follows_the_paris_day_of_the_act(suggester: ActSuggester) -> None:
    from datetime import UTC, datetime

    def te2(moment: datetime) -> Decimal | None:
        result = suggester.suggest(SuggestionRequest(GP, moment, activity=Activity.TELEEXPERTISE_REQUIS))
        assert result.codes == ["TE2"] and result.act is not None
        return result.act.amount

    assert te2(paris(2025, 12, 31, 23, 30)) == Decimal("20.00")
    # 23:30 UTC on 31 December is 00:30 on 1 January in Paris: the 2026 tariff.
    assert te2(datetime(2025, 12, 31, 23, 30, tzinfo=UTC)) == Decimal("23.00")
    assert te2(paris(2026, 1, 1, 0, 30)) == Decimal("23.00")


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
    assert result.codes == ["TCG"] and result.total == Decimal("25.00")
    offered = {line.code: line for line in result.optional}
    assert "MHP" not in offered  # MHP is for non-regulated acts
    assert {"MN", "CRN"} <= set(offered) and "MM" not in offered
    assert "son application à la téléconsultation n’est pas vérifiée" in offered["MN"].reason
    # Before the 2024 convention the night majoration applied to a teleconsultation like in person.
    before = suggester.suggest(SuggestionRequest(GP, paris(2024, 11, 26, 23, 0), patient_age=30))
    assert before.codes == ["TCG", "MN"] and before.total == Decimal("60.00")


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
