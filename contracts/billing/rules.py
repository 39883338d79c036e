"""The rules engine: which act a practitioner may bill, which majorations combine with it, and when.

Everything comes from the catalog data (eligibility, validity dates, time windows in Europe/Paris,
public holidays from the ``holidays`` library, age limits, context flags, exclusions); this module
only evaluates it. Refusals are :class:`~contracts.billing.errors.Problem` values with French
messages; :meth:`BillingRules.ensure_allowed` turns them into a ``RuleViolationError``. What is
allowed but not verified (a majoration's use on some act or since some date, a time window that holds
only where it is organised) is no refusal: :meth:`BillingRules.confirmations` gives the reasons the
practitioner must confirm it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from contracts.billing.catalog import Act, Catalog, Eligibility, FlagCondition, Majoration, load_catalog
from contracts.billing.errors import Problem, RuleViolationError, UnknownCodeError
from contracts.billing.paris_time import FrenchHolidays, in_any_window, window_confirmation
from contracts.billing.professions import Activity, NurseSetting, PractitionerProfile, Profession, lower_first
from contracts.clock import paris_day
from contracts.fr_format import long_date, paris_datetime

_PROFESSIONS_PLURAL = {
    Profession.MEDECIN: "médecins",
    Profession.SAGE_FEMME: "sages-femmes",
    Profession.INFIRMIER: "infirmiers",
    Profession.MASSEUR_KINESITHERAPEUTE: "masseurs-kinésithérapeutes",
    Profession.ORTHOPHONISTE: "orthophonistes",
    Profession.PEDICURE_PODOLOGUE: "pédicures-podologues",
}


@dataclass(frozen=True, slots=True)
class BillingContext:
    """The facts about one remote act that the rules look at.

    Args:
        practitioner: who performed the act.
        performed_at: when (aware datetime; a naive one is read as Paris time).
        patient_age: age in whole years on the day of the act, when known.
        flags: context flags declared by the practitioner (see ``Catalog.flags``).
        setting: for a nurse accompaniment, where it took place.
    """

    practitioner: PractitionerProfile
    performed_at: datetime
    patient_age: int | None = None
    flags: frozenset[str] = field(default_factory=frozenset)
    setting: NurseSetting | None = None

    @property
    def day(self) -> date:
        """The day of the act in Paris."""
        return paris_day(self.performed_at)


@dataclass(frozen=True, slots=True)
class Finding:
    """Why a majoration does not apply; `declared` when a context flag the practitioner sets decides it."""

    message: str
    declared: bool = False


def _held(conditions: Iterable[FlagCondition], ctx: BillingContext) -> list[FlagCondition]:
    return [c for c in conditions if c.in_force(ctx.day, ctx.patient_age)]


class BillingRules:
    """Evaluates the catalog's rules for one act and its majorations."""

    def __init__(self, catalog: Catalog | None = None, calendar: FrenchHolidays | None = None) -> None:
        self.catalog = catalog if catalog is not None else load_catalog()
        self.calendar = calendar if calendar is not None else FrenchHolidays()

    # ---------------------------------------------------------------- time
    def holiday_name(self, moment: datetime) -> str | None:
        """The French name of the public holiday on the Paris day of `moment`, if any."""
        return self.calendar.name(paris_day(moment))

    def describe_moment(self, moment: datetime) -> str:
        """« jeudi 14 mai 2026 à 10:00 (jour férié : Ascension) »."""
        text = paris_datetime(moment)
        holiday = self.holiday_name(moment)
        return f"{text} (jour férié : {holiday})" if holiday else text

    # ---------------------------------------------------------------- acts
    def _grant_reasons(self, act: Act, grant: Eligibility, ctx: BillingContext) -> list[str]:
        profile, reasons = ctx.practitioner, []
        if grant.specialties and profile.specialty not in grant.specialties:
            reasons.append("réservé à : " + ", ".join(s.label.lower() for s in sorted(grant.specialties)))
        if profile.specialty is not None and profile.specialty in grant.excluded_specialties:
            reasons.append(f"non facturable en {profile.specialty.label.lower()}")
        if profile.sector not in grant.sectors:
            reasons.append(f"non facturable par un praticien « {lower_first(profile.sector_label)} »")
        reasons += [
            f"exige : {lower_first(self.catalog.flag_label(c.flag))}"
            for c in _held(grant.requires, ctx)
            if c.flag not in ctx.flags
        ]
        reasons += [
            f"incompatible avec : {lower_first(self.catalog.flag_label(c.flag))}"
            for c in _held(grant.forbids, ctx)
            if c.flag in ctx.flags
        ]
        plural = _PROFESSIONS_PLURAL[grant.profession]
        if grant.valid_from is not None and ctx.day < grant.valid_from:
            reasons.append(f"ouvert aux {plural} à partir du {long_date(grant.valid_from)}")
        if grant.valid_to is not None and ctx.day > grant.valid_to:
            reasons.append(
                f"plus ouvert aux {plural} depuis le {long_date(grant.valid_to + timedelta(days=1))}"
            )
        return reasons

    def grant_for(self, act: Act, ctx: BillingContext) -> Eligibility | None:
        """The eligibility entry that lets this practitioner bill `act`, or None."""
        for grant in act.eligibility:
            if grant.profession is ctx.practitioner.profession and not self._grant_reasons(act, grant, ctx):
                return grant
        return None

    def act_problems(self, code: str, ctx: BillingContext, field_name: str = "act") -> list[Problem]:
        """Why `code` cannot be billed in `ctx` (empty when it can)."""
        try:
            act = self.catalog.act(code)
        except UnknownCodeError as exc:
            return [Problem(field_name, exc.message)]
        problems: list[Problem] = []
        day = ctx.day
        if act.valid_from is not None and day < act.valid_from:
            problems.append(
                Problem(
                    field_name,
                    f"L’acte {code} n’est facturable qu’à partir du "
                    f"{long_date(act.valid_from)} ; l’acte date du {long_date(day)}.",
                )
            )
        if act.valid_to is not None and day > act.valid_to:
            problems.append(
                Problem(
                    field_name,
                    f"L’acte {code} n’est plus facturable depuis le "
                    f"{long_date(act.valid_to + timedelta(days=1))} ; l’acte date du "
                    f"{long_date(day)}.",
                )
            )
        own = [g for g in act.eligibility if g.profession is ctx.practitioner.profession]
        if not own:
            problems.append(
                Problem(
                    field_name,
                    f"L’acte {code} ({act.label}) n’est pas facturable par un "
                    f"praticien « {ctx.practitioner.profession.label.lower()} ».",
                )
            )
        elif self.grant_for(act, ctx) is None:
            reasons = sorted({", ".join(self._grant_reasons(act, g, ctx)) for g in own})
            problems.append(
                Problem(
                    field_name,
                    f"L’acte {code} n’est pas facturable dans votre situation "
                    f"({ctx.practitioner.label}, {lower_first(ctx.practitioner.sector_label)}) : "
                    f"{' ; ou '.join(reasons)}.",
                )
            )
        if ctx.setting is not None and act.setting is not None and act.setting is not ctx.setting:
            problems.append(
                Problem(
                    field_name,
                    f"L’acte {code} correspond à un accompagnement "
                    f"{act.setting.label} ; vous avez indiqué : {ctx.setting.label}.",
                )
            )
        return problems

    def eligible_acts(self, ctx: BillingContext, activity: Activity | None = None) -> list[Act]:
        """Acts this practitioner may bill on the day of `ctx` (for `activity`, when given)."""
        return [
            act
            for act in self.catalog.acts.values()
            if not act.historical
            and (activity is None or act.activity is activity)
            and not self.act_problems(act.code, ctx)
        ]

    # ---------------------------------------------------------------- majorations
    def majoration_findings(
        self, act: Act, maj: Majoration, ctx: BillingContext, chosen: frozenset[str] = frozenset()
    ) -> list[Finding]:
        """Why `maj` does not apply to `act` in `ctx`, given the other majorations `chosen`."""
        code, found = maj.code, []
        what = "L’indemnité" if maj.kind == "indemnite" else "La majoration"
        if act.exclusive:
            return [Finding(f"L’acte {act.code} ne se cumule avec aucune majoration : retirez {code}.")]
        if code not in act.majorations or act.code not in maj.applies_to:
            found.append(Finding(f"{what} {code} ne s’applique pas à l’acte {act.code}."))
        if maj.valid_from is not None and ctx.day < maj.valid_from:
            found.append(
                Finding(
                    f"{what} {code} n’est facturable qu’à partir du {long_date(maj.valid_from)} ; "
                    f"l’acte date du {long_date(ctx.day)}."
                )
            )
        elif maj.valid_to is not None and ctx.day > maj.valid_to:
            found.append(
                Finding(
                    f"{what} {code} n’est plus facturable depuis le "
                    f"{long_date(maj.valid_to + timedelta(days=1))} ; l’acte date du {long_date(ctx.day)}."
                )
            )
        profile = ctx.practitioner
        if maj.professions and profile.profession not in maj.professions:
            names = ", ".join(_PROFESSIONS_PLURAL[p] for p in sorted(maj.professions))
            found.append(Finding(f"{what} {code} est réservée aux {names}."))
        elif maj.specialties and profile.specialty not in maj.specialties:
            names = ", ".join(s.label.lower() for s in sorted(maj.specialties))
            found.append(Finding(f"{what} {code} est réservée à : {names}."))
        elif profile.specialty is not None and profile.specialty in maj.excluded_specialties:
            found.append(Finding(f"{what} {code} n’est pas facturable en {profile.specialty.label.lower()}."))
        if maj.sectors and profile.sector not in maj.sectors:
            found.append(
                Finding(
                    f"{what} {code} n’est pas facturable par un praticien "
                    f"« {lower_first(profile.sector_label)} »."
                )
            )
        if maj.below_age is not None:
            if ctx.patient_age is None:
                found.append(Finding(f"{what} {code} exige l’âge du patient (moins de {maj.below_age} ans)."))
            elif ctx.patient_age >= maj.below_age:
                found.append(
                    Finding(
                        f"{what} {code} concerne les patients de moins de {maj.below_age} ans ; "
                        f"le patient a {ctx.patient_age} ans."
                    )
                )
        if maj.from_age is not None:
            if ctx.patient_age is None:
                found.append(Finding(f"{what} {code} exige l’âge du patient ({maj.from_age} ans ou plus)."))
            elif ctx.patient_age < maj.from_age:
                found.append(
                    Finding(
                        f"{what} {code} concerne les patients de {maj.from_age} ans ou plus ; "
                        f"le patient a {ctx.patient_age} ans."
                    )
                )
        if not in_any_window(ctx.performed_at, maj.time_windows, self.calendar):
            found.append(
                Finding(
                    f"{what} {code} ne s’applique que {maj.time_windows_label} ; l’acte a eu lieu "
                    f"le {self.describe_moment(ctx.performed_at)}."
                )
            )
        found += [
            Finding(f"{what} {code} ne se cumule pas avec {other}.")
            for other in sorted(maj.excludes & chosen)
        ]
        found += [
            Finding(f"{what} {code} ne s’ajoute qu’à {needed}.")
            for needed in sorted(maj.requires_majorations - chosen)
        ]
        found += [
            Finding(f"{what} {code} exige : {lower_first(self.catalog.flag_label(c.flag))}.", declared=True)
            for c in _held(maj.requires, ctx)
            if c.flag not in ctx.flags
        ]
        found += [
            Finding(
                f"{what} {code} est incompatible avec : {lower_first(self.catalog.flag_label(c.flag))}.",
                declared=True,
            )
            for c in _held(maj.forbids, ctx)
            if c.flag in ctx.flags
        ]
        return found

    def confirmations(self, act: Act, maj: Majoration, ctx: BillingContext) -> list[str]:
        """Why the practitioner must confirm `maj` on `act` in `ctx` (empty: its use is verified).

        These are not refusals: the majoration may be billed once the practitioner confirms it.
        """
        reasons = [c.reason for c in maj.to_confirm if c.concerns(act.code, ctx.day)]
        window = window_confirmation(ctx.performed_at, maj.time_windows, self.calendar)
        if window is not None:
            reasons.append(window)
        return reasons

    def check(self, act_code: str, majoration_codes: Iterable[str], ctx: BillingContext) -> list[Problem]:
        """Every problem with billing `act_code` plus `majoration_codes` in `ctx` (empty: allowed)."""
        problems = self.act_problems(act_code, ctx)
        act = self.catalog.acts.get(act_code)
        codes = list(majoration_codes)
        for index, code in enumerate(codes):
            field_name = f"majorations[{index}]"
            if code in codes[:index]:
                problems.append(Problem(field_name, f"La majoration {code} est comptée deux fois."))
                continue
            try:
                maj = self.catalog.majoration(code)
            except UnknownCodeError as exc:
                problems.append(Problem(field_name, exc.message))
                continue
            if act is not None:
                others = frozenset(codes[:index] + codes[index + 1 :])
                problems += [
                    Problem(field_name, f.message) for f in self.majoration_findings(act, maj, ctx, others)
                ]
        return problems

    def ensure_allowed(self, act_code: str, majoration_codes: Iterable[str], ctx: BillingContext) -> None:
        """Raise RuleViolationError unless the act and majorations may be billed together in `ctx`."""
        problems = self.check(act_code, majoration_codes, ctx)
        if problems:
            raise RuleViolationError(problems)
