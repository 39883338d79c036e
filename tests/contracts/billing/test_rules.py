"""The rules engine: eligibility, combinations, time windows in Europe/Paris, public holidays, validity."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from contracts.billing.errors import RuleViolationError
from contracts.billing.paris_time import FrenchHolidays
from contracts.billing.professions import NurseSetting, PractitionerProfile, Profession, Sector, Specialty
from contracts.billing.rules import BillingContext, BillingRules
from tests.contracts.billing.conftest import GP, NURSE, paris

PSYCHIATRIST = PractitionerProfile(Profession.MEDECIN, Sector.SECTEUR_2, Specialty.PSYCHIATRIE)


def codes(rules: BillingRules, ctx: BillingContext) -> list[str]:
    return [act.code for act in rules.eligible_acts(ctx)]


@pytest.mark.parametrize(
    ("profile", "flags", "expected"),
    [
        (GP, frozenset(), {"TCG", "TE2", "RQD"}),
        (PractitionerProfile(Profession.MEDECIN, Sector.SECTEUR_2, Specialty.MEDECINE_GENERALE), frozenset(),
         {"TCG", "TE2", "RQD"}),
        (PractitionerProfile(Profession.MEDECIN, Sector.SECTEUR_2, Specialty.MEDECINE_GENERALE),
         frozenset({"depassement"}), {"TC", "TE2", "RQD"}),
        (PSYCHIATRIST, frozenset(), {"TC", "TE2", "RQD"}),
        (NURSE, frozenset(), {"TLS", "TLL", "TLD", "TMI", "RQD"}),
        (PractitionerProfile(Profession.MASSEUR_KINESITHERAPEUTE), frozenset(), {"TMK", "RQD"}),
        (PractitionerProfile(Profession.ORTHOPHONISTE), frozenset(), {"TMO", "RQD"}),
        (PractitionerProfile(Profession.SAGE_FEMME), frozenset(), {"TCG", "TFS", "TE2", "RQD"}),
        (PractitionerProfile(Profession.MEDECIN, Sector.NON_CONVENTIONNE, Specialty.MEDECINE_GENERALE),
         frozenset(), set()),
    ],
)  # fmt: skip
def test_which_acts_each_profession_may_bill(
    rules: BillingRules, profile: PractitionerProfile, flags: frozenset[str], expected: set[str]
) -> None:
    assert set(codes(rules, BillingContext(profile, paris(2026, 11, 24), flags=flags))) == expected


def test_gp_cannot_bill_tc_and_is_told_why(rules: BillingRules) -> None:
    [problem] = rules.check("TC", [], BillingContext(GP, paris(2026, 11, 24)))
    assert problem.field == "act"
    assert "L’acte TC n’est pas facturable dans votre situation" in problem.message
    assert "médecine générale" in problem.message


def test_nurse_cannot_bill_a_doctor_teleconsultation(rules: BillingRules) -> None:
    [problem] = rules.check("TCG", [], BillingContext(NURSE, paris(2026, 11, 24)))
    assert "n’est pas facturable par un praticien « infirmier ou infirmière »" in problem.message


def test_te2_takes_no_majoration(rules: BillingRules) -> None:
    ctx = BillingContext(GP, paris(2026, 11, 24), patient_age=3)
    with pytest.raises(RuleViolationError) as raised:
        rules.ensure_allowed("TE2", ["MEG"], ctx)
    assert raised.value.problems[0].field == "majorations[0]"
    assert "L’acte TE2 ne se cumule avec aucune majoration : retirez MEG." in raised.value.message
    rules.ensure_allowed("TE2", [], ctx)


def test_meg_needs_a_child_under_six(rules: BillingRules) -> None:
    assert rules.check("TCG", ["MEG"], BillingContext(GP, paris(2026, 11, 24), patient_age=5)) == []
    [problem] = rules.check("TCG", ["MEG"], BillingContext(GP, paris(2026, 11, 24), patient_age=6))
    assert (
        problem.message == "La majoration MEG concerne les patients de moins de 6 ans ; le patient a 6 ans."
    )


def test_majoration_outside_its_time_window_is_refused(rules: BillingRules) -> None:
    tuesday_afternoon = BillingContext(GP, paris(2026, 11, 24, 14, 0))
    [problem] = rules.check("TCG", ["MHP"], tuesday_afternoon)
    assert problem.field == "majorations[0]"
    assert (
        "ne s’applique que pendant la permanence des soins (tous les jours de 20 h à 8 h" in problem.message
    )
    assert "mardi 24 novembre 2026 à 14:00" in problem.message


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        (paris(2026, 11, 24, 19, 59), False),  # Tuesday evening, just before 20 h
        (paris(2026, 11, 24, 20, 0), True),
        (paris(2026, 11, 25, 7, 59), True),  # Wednesday early morning, still the Tuesday night window
        (paris(2026, 11, 25, 8, 0), False),
        (paris(2026, 11, 28, 13, 59), False),  # Saturday, before 14 h (ameli; not 12 h any more)
        (paris(2026, 11, 28, 14, 0), True),  # Saturday afternoon, where the PDSA is organised
        (paris(2026, 11, 28, 23, 0), True),  # Saturday night
        (paris(2026, 11, 29, 15, 0), True),  # Sunday
        (paris(2026, 11, 29, 21, 0), True),  # Sunday night
        (paris(2026, 11, 30, 7, 30), True),  # Monday before 8 h, Sunday night's window
    ],
)
def test_permanence_des_soins_hours(rules: BillingRules, moment: datetime, allowed: bool) -> None:
    assert (rules.check("TCG", ["MHP"], BillingContext(GP, moment)) == []) is allowed


def test_time_windows_are_read_in_paris_time_across_daylight_saving(rules: BillingRules) -> None:
    # 19:30 UTC is 20:30 in Paris in winter (UTC+1) but 21:30 in summer (UTC+2); 18:30 UTC is 19:30 in winter.
    assert rules.check("TCG", ["MHP"], BillingContext(GP, datetime(2026, 1, 13, 19, 30, tzinfo=UTC))) == []
    assert rules.check("TCG", ["MHP"], BillingContext(GP, datetime(2026, 1, 13, 18, 30, tzinfo=UTC))) != []
    assert rules.check("TCG", ["MHP"], BillingContext(GP, datetime(2026, 7, 7, 18, 30, tzinfo=UTC))) == []


def test_public_holidays_are_computed_by_the_holidays_library() -> None:
    calendar = FrenchHolidays()
    assert calendar.name(date(2026, 5, 14)) == "Ascension"  # Easter-dependent, not in any fixed list
    assert calendar.name(date(2027, 5, 6)) == "Ascension"
    assert calendar.name(date(2026, 7, 14)) == "Fête nationale"
    assert calendar.name(date(2026, 7, 15)) is None
    assert FrenchHolidays(subdiv="57").name(date(2026, 12, 26)) is not None  # Moselle: Saint-Étienne
    assert FrenchHolidays().name(date(2026, 12, 26)) is None


def test_a_weekday_public_holiday_opens_the_holiday_window(rules: BillingRules) -> None:
    ascension = BillingContext(GP, paris(2026, 5, 14, 10, 0))  # a Thursday
    assert rules.check("TCG", ["MHP"], ascension) == []
    following_thursday = BillingContext(GP, paris(2026, 5, 21, 10, 0))
    [problem] = rules.check("TCG", ["MHP"], following_thursday)
    assert "jeudi 21 mai 2026 à 10:00" in problem.message
    assert (
        rules.describe_moment(paris(2026, 5, 14, 10, 0))
        == "jeudi 14 mai 2026 à 10:00 (jour férié : Ascension)"
    )


def test_an_act_before_its_validity_is_refused(rules: BillingRules) -> None:
    physio = PractitionerProfile(Profession.MASSEUR_KINESITHERAPEUTE)
    [problem] = rules.check("TMK", [], BillingContext(physio, paris(2024, 1, 10)))
    assert problem.message == (
        "L’acte TMK n’est facturable qu’à partir du 22 février 2024 ; l’acte date du 10 janvier 2024."
    )
    assert rules.check("TMK", [], BillingContext(physio, paris(2024, 2, 22))) == []
    assert rules.check("TCG", [], BillingContext(GP, paris(2018, 9, 14))) != []


def test_a_replaced_act_is_refused_after_its_end(rules: BillingRules) -> None:
    [problem] = rules.check("TE1", [], BillingContext(GP, paris(2026, 11, 24)))
    assert "n’est plus facturable depuis le 1er avril 2022" in problem.message


def test_majorations_since_december_2024_need_a_regulated_act(rules: BillingRules) -> None:
    night = paris(2026, 11, 24, 22, 0)
    [problem] = rules.check("TCG", ["MN"], BillingContext(GP, night))
    assert problem.message == "La majoration MN exige : acte régulé (15 ou SAS) ou urgence justifiée."
    assert rules.check("TCG", ["MN"], BillingContext(GP, night, flags=frozenset({"acte_regule"}))) == []
    # Before the 2024 convention the night majoration did not need regulation.
    assert rules.check("TCG", ["MN"], BillingContext(GP, paris(2024, 11, 26, 22, 0))) == []


def test_exclusions_between_majorations(rules: BillingRules) -> None:
    ctx = BillingContext(GP, paris(2026, 11, 24, 19, 30), flags=frozenset({"coordination", "regulation_sas"}))
    problems = rules.check("TCG", ["MCG", "SNP"], ctx)
    assert {p.message for p in problems} == {
        "La majoration MCG ne se cumule pas avec SNP.",
        "La majoration SNP ne se cumule pas avec MCG.",
    }
    assert rules.check("TCG", ["SNP", "SHE"], ctx) == []
    [problem] = rules.check("TCG", ["SHE"], ctx)
    assert problem.message == "La majoration SHE ne s’ajoute qu’à SNP."


def test_coordination_is_not_for_a_child_under_16_without_a_doctor(rules: BillingRules) -> None:
    flags = frozenset({"coordination", "sans_medecin_traitant"})
    assert (
        rules.check("TCG", ["MCG"], BillingContext(GP, paris(2026, 11, 24), patient_age=12, flags=flags))
        != []
    )
    assert (
        rules.check("TCG", ["MCG"], BillingContext(GP, paris(2026, 11, 24), patient_age=30, flags=flags))
        == []
    )


def test_nurse_setting_must_match_the_act(rules: BillingRules) -> None:
    ctx = BillingContext(NURSE, paris(2026, 11, 24), setting=NurseSetting.DOMICILE)
    assert rules.check("TLD", [], ctx) == []
    [problem] = rules.check("TLS", [], ctx)
    assert "au décours d’un soin infirmier déjà prévu" in problem.message


def test_unknown_and_duplicate_codes(rules: BillingRules) -> None:
    problems = rules.check(
        "TCG", ["XYZ", "MEG", "MEG"], BillingContext(GP, paris(2026, 11, 24), patient_age=2)
    )
    assert [p.field for p in problems] == ["majorations[0]", "majorations[2]"]
    assert problems[0].message == "Le code « XYZ » n’existe pas dans le catalogue des actes."


def test_a_majoration_before_its_creation_is_refused(rules: BillingRules) -> None:
    [problem] = rules.check("TCG", ["MHP"], BillingContext(GP, paris(2024, 11, 26, 22, 0)))
    assert problem.message == (
        "La majoration MHP n’est facturable qu’à partir du 22 décembre 2024 ; "
        "l’acte date du 26 novembre 2024."
    )


def test_user_visible_labels_are_french(rules: BillingRules) -> None:
    for entry in [*rules.catalog.acts.values(), *rules.catalog.majorations.values()]:
        assert "unverified" not in entry.label and "unverified" not in entry.conditions, entry.code


def test_psychiatrists_no_longer_bill_mpc(rules: BillingRules) -> None:
    ctx = BillingContext(PSYCHIATRIST, paris(2026, 11, 24), patient_age=40)
    [problem] = rules.check("TC", ["MPC"], ctx)
    assert problem.message == "La majoration MPC n’est pas facturable en psychiatrie."
    other = PractitionerProfile(Profession.MEDECIN, Sector.SECTEUR_1, Specialty.AUTRE)
    assert rules.check("TC", ["MPC"], BillingContext(other, paris(2026, 11, 24), patient_age=40)) == []


def test_mop_needs_a_patient_of_80_not_your_own_and_a_controlled_tariff(rules: BillingRules) -> None:
    flags = frozenset({"hors_patientele_mt"})
    assert rules.check("TCG", ["MOP"], BillingContext(GP, paris(2026, 11, 24), 80, flags)) == []
    [young] = rules.check("TCG", ["MOP"], BillingContext(GP, paris(2026, 11, 24), 79, flags))
    assert young.message == "La majoration MOP concerne les patients de 80 ans ou plus ; le patient a 79 ans."
    [own] = rules.check("TCG", ["MOP"], BillingContext(GP, paris(2026, 11, 24), 85, frozenset()))
    assert own.message == (
        "La majoration MOP exige : patient hors de votre patientèle médecin traitant "
        "(vous n’êtes pas son médecin traitant)."
    )
    free_fees = PractitionerProfile(Profession.MEDECIN, Sector.SECTEUR_2, Specialty.AUTRE)
    [sector] = rules.check("TC", ["MOP"], BillingContext(free_fees, paris(2026, 11, 24), 85, flags))
    assert sector.message == (
        "La majoration MOP n’est pas facturable par un praticien "
        "« conventionné secteur 2 (honoraires libres) »."
    )
    [early] = rules.check("TCG", ["MOP"], BillingContext(GP, paris(2023, 12, 31), 85, flags))
    assert "qu’à partir du 1er janvier 2024" in early.message
    assert rules.check("TCG", ["MOP"], BillingContext(GP, paris(2024, 1, 1), 85, flags)) == []


def test_hospital_discharge_majorations_are_for_the_patient_s_own_doctor(rules: BillingRules) -> None:
    ctx = BillingContext(GP, paris(2026, 11, 24), 70, frozenset({"sortie_hospitalisation_ic"}))
    [problem] = rules.check("TCG", ["MIC"], ctx)
    assert problem.message == "La majoration MIC exige : vous êtes le médecin traitant de ce patient."
    own = BillingContext(GP, paris(2026, 11, 24), 70, ctx.flags | {"medecin_traitant"})
    assert rules.check("TCG", ["MIC"], own) == []


def test_what_is_allowed_but_not_verified_asks_for_a_confirmation(rules: BillingRules) -> None:
    catalog = rules.catalog
    tcg, tc, mhp, sunday = (
        catalog.act("TCG"),
        catalog.act("TC"),
        catalog.majoration("MHP"),
        catalog.majoration("F"),
    )
    on_sunday = BillingContext(GP, paris(2026, 12, 6, 10, 0))
    assert rules.confirmations(tcg, mhp, on_sunday) == []
    assert rules.confirmations(tc, mhp, on_sunday) == [
        "Confirmée sur le TCG ; sur le TC (spécialiste), elle n’est pas vérifiée."
    ]
    [saturday] = rules.confirmations(tcg, mhp, BillingContext(GP, paris(2026, 12, 5, 15, 0)))
    assert saturday.startswith("Le samedi après-midi ne relève de la permanence des soins que là où")
    assert rules.confirmations(tcg, mhp, BillingContext(GP, paris(2026, 12, 5, 21, 0))) == []  # a night
    regulated = frozenset({"acte_regule"})
    [reason] = rules.confirmations(
        tcg, sunday, BillingContext(GP, paris(2026, 12, 6, 10, 0), flags=regulated)
    )
    assert reason.startswith(
        "Depuis le 22 décembre 2024, son application à la téléconsultation n’est pas vérifiée"
    )
    assert rules.confirmations(tcg, sunday, BillingContext(GP, paris(2024, 12, 15, 10, 0))) == []
    # Allowed all the same once confirmed: a confirmation is not a refusal.
    assert rules.check("TCG", ["F"], BillingContext(GP, paris(2026, 12, 6, 10, 0), flags=regulated)) == []
    assert rules.check("TCG", ["CRD"], BillingContext(GP, paris(2026, 12, 6, 10, 0), flags=regulated)) == []


def test_regulated_pdsa_majorations_need_a_regulated_act(rules: BillingRules) -> None:
    night = paris(2026, 12, 8, 2, 0)
    [problem] = rules.check("TCG", ["CRM"], BillingContext(GP, night))
    assert problem.message == "La majoration CRM exige : acte régulé (15 ou SAS) ou urgence justifiée."
    regulated = BillingContext(GP, night, flags=frozenset({"acte_regule"}))
    assert rules.check("TCG", ["CRM"], regulated) == []
    assert {p.message for p in rules.check("TCG", ["CRM", "MM"], regulated)} == {
        "La majoration CRM ne se cumule pas avec MM.",
        "La majoration MM ne se cumule pas avec CRM.",
    }


def test_travel_allowance_goes_with_a_trip_not_with_a_planned_visit(rules: BillingRules) -> None:
    home = BillingContext(NURSE, paris(2026, 11, 24), setting=NurseSetting.DOMICILE)
    assert rules.check("TLD", ["IFD"], home) == []
    planned = BillingContext(NURSE, paris(2026, 11, 24), setting=NurseSetting.SOIN_PREVU)
    [problem] = rules.check("TLS", ["IFD"], planned)
    assert problem.message == "L’indemnité IFD ne s’applique pas à l’acte TLS."
