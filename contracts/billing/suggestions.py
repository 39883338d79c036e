"""After a call: suggest the act and the majorations that apply, with amounts and a French reason each.

The suggestion never decides alone what needs the practitioner's word: majorations that depend on a
declared context (coordination, regulated act…) or whose use is not verified in this case (F, MN, MM
on a teleconsultation since 22/12/2024, MHP on a TC, the Saturday afternoon of the permanence des
soins…) are listed as *optional*, with the reason to confirm, and are never added to the total.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from contracts.billing.catalog import Act, Entry, Majoration
from contracts.billing.paris_time import age_on
from contracts.billing.professions import Activity, NurseSetting, PractitionerProfile, lower_first
from contracts.billing.rules import BillingContext, BillingRules
from contracts.clock import paris_day, to_utc
from contracts.fr_format import eur, long_date

_AMOUNT_BASIS = {
    "specialite": "Montant à saisir : tarif de la consultation de référence de votre spécialité.",
    "coefficient": "Montant à saisir : coefficient de l’acte × valeur de la lettre clé (non vérifiée).",
    "acte_remplace": "Montant à saisir : tarif de l’acte présentiel remplacé.",
}
UNVERIFIED_AMOUNT = "Montant non vérifié : contrôlez-le sur ameli.fr, vous pouvez le modifier."


@dataclass(frozen=True, slots=True)
class SuggestionRequest:
    """What is known after a call.

    Args:
        practitioner: profession, specialty and sector.
        performed_at: when the act took place (aware, or naive Paris wall-clock time).
        patient_birth_date: used to compute the age on the day of the act.
        patient_age: used when the birth date is unknown.
        activity: the kind of act; by default from the profession (see PractitionerProfile.default_activity).
        setting: nurse accompaniment: at home, in a dedicated place or during a planned visit.
        flags: context flags the practitioner declared (catalog ``flags``).
    """

    practitioner: PractitionerProfile
    performed_at: datetime
    patient_birth_date: date | None = None
    patient_age: int | None = None
    activity: Activity | None = None
    setting: NurseSetting | None = None
    flags: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class SuggestedLine:
    """One act or majoration with its amount (None: to be entered) and the reason it is proposed."""

    code: str
    label: str
    amount: Decimal | None
    amount_unverified: bool
    reason: str
    warnings: tuple[str, ...] = ()

    @property
    def amount_text(self) -> str:
        """« 25,00 € », « 5,00 € (non vérifié) » or « montant à saisir »."""
        if self.amount is None:
            return "montant à saisir"
        return f"{eur(self.amount)} (non vérifié)" if self.amount_unverified else eur(self.amount)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """The act and majorations to bill, optional majorations to confirm, and notes."""

    performed_at: datetime
    patient_age: int | None
    act: SuggestedLine | None
    majorations: tuple[SuggestedLine, ...]
    optional: tuple[SuggestedLine, ...]
    notes: tuple[str, ...]

    @property
    def codes(self) -> list[str]:
        """Codes of the act and of the applied majorations, in billing order."""
        return ([self.act.code] if self.act else []) + [m.code for m in self.majorations]

    @property
    def total(self) -> Decimal | None:
        """Sum of the act and applied majorations; None when an amount must still be entered."""
        lines = ([self.act] if self.act else []) + list(self.majorations)
        if not lines or any(line.amount is None for line in lines):
            return None
        return sum((line.amount for line in lines if line.amount is not None), Decimal("0.00"))


class ActSuggester:
    """Proposes the billing of a call from the catalog rules."""

    def __init__(self, rules: BillingRules | None = None) -> None:
        self.rules = rules if rules is not None else BillingRules()

    def suggest(self, request: SuggestionRequest) -> Suggestion:
        """The act, majorations (applied and optional) and notes for `request`."""
        at = to_utc(request.performed_at)
        day = paris_day(at)
        age = age_on(request.patient_birth_date, day) if request.patient_birth_date else request.patient_age
        ctx = BillingContext(request.practitioner, at, age, request.flags, request.setting)
        activity = request.activity or request.practitioner.default_activity(request.setting)
        notes: list[str] = []
        holiday = self.rules.holiday_name(at)
        if holiday:
            notes.append(f"Le {long_date(day)} est un jour férié ({holiday}).")
        act = self._pick_act(ctx, activity, notes)
        if act is None:
            return Suggestion(at, age, None, (), (), tuple(notes))
        applied, optional = self._majorations(act, ctx)
        return Suggestion(
            at, age, self._act_line(act, ctx, activity), tuple(applied), tuple(optional), tuple(notes)
        )

    def _pick_act(self, ctx: BillingContext, activity: Activity, notes: list[str]) -> Act | None:
        candidates = [
            a
            for a in self.rules.catalog.acts.values()
            if a.activity is activity
            and not a.historical
            and (ctx.setting is None or a.setting in {None, ctx.setting})
        ]
        if ctx.setting is None and any(a.setting is not None for a in candidates):
            # The setting decides between TLD, TLL and TLS: never guess it.
            notes.append(
                "Précisez le lieu de l’accompagnement : domicile (TLD), lieu dédié (TLL) "
                "ou soin déjà prévu (TLS)."
            )
            return None
        for act in candidates:
            if not self.rules.act_problems(act.code, ctx):
                return act
        if not candidates:
            notes.append(
                f"Aucun acte de type « {activity.label.lower()} » n’est prévu dans le catalogue "
                "pour cette situation."
            )
            return None
        notes.append("Aucun acte facturable dans cette situation :")
        for act in candidates:
            notes += [p.message for p in self.rules.act_problems(act.code, ctx)]
        return None

    def _amount(
        self, entry: Entry, ctx: BillingContext, extra_unverified: bool = False
    ) -> tuple[Decimal | None, bool]:
        amount = entry.amount_on(ctx.day)
        return amount, amount is None or entry.amount_unverified or extra_unverified

    def _act_line(self, act: Act, ctx: BillingContext, activity: Activity) -> SuggestedLine:
        grant = self.rules.grant_for(act, ctx)
        grant_unverified = grant is not None and "amount" in grant.unverified
        amount, unverified = self._amount(act, ctx, grant_unverified)
        who = f"{ctx.practitioner.label}, {lower_first(ctx.practitioner.sector_label)}"
        if act.setting is not None:
            reason = f"Accompagnement infirmier ({act.setting.label}) : {act.code} ({act.label})."
        else:
            reason = f"{activity.label} ({who}) : {act.code} ({act.label})."
        warnings: list[str] = []
        if amount is None:
            warnings.append(_AMOUNT_BASIS.get(act.amount_basis or "", "Montant à saisir."))
        elif unverified:
            warnings.append(UNVERIFIED_AMOUNT)
        if grant is not None and grant.note:
            warnings.append(grant.note)
        if act.prescriber_required:
            warnings.append(
                "Renseignez le RPPS du prescripteur (médecin téléconsultant ou professionnel requérant)."
            )
        return SuggestedLine(act.code, act.label, amount, unverified, reason, tuple(warnings))

    def _majorations(self, act: Act, ctx: BillingContext) -> tuple[list[SuggestedLine], list[SuggestedLine]]:
        applied: list[SuggestedLine] = []
        optional: list[SuggestedLine] = []
        ordered = sorted(
            (
                self.rules.catalog.majorations[c]
                for c in act.majorations
                if c in self.rules.catalog.majorations
            ),
            key=lambda m: (len(m.requires_majorations), m.code),
        )
        for maj in ordered:
            chosen = frozenset(line.code for line in applied)
            findings = self.rules.majoration_findings(act, maj, ctx, chosen)
            if any(not f.declared for f in findings):
                continue
            missing = [f for f in findings if f.declared]
            if any("incompatible" in f.message for f in missing):
                continue
            amount, unverified = self._amount(maj, ctx)
            warnings = [UNVERIFIED_AMOUNT] if unverified and amount is not None else []
            if amount is None:
                warnings.append("Montant à saisir.")
            to_confirm = self.rules.confirmations(act, maj, ctx)
            declared = bool(maj.requires) and not missing
            if not missing and not to_confirm and (maj.auto or declared):
                line = SuggestedLine(
                    maj.code, maj.label, amount, unverified, self._reason(maj, ctx), tuple(warnings)
                )
                applied.append(line)
            else:
                why = self._why_optional(maj, ctx, bool(missing), to_confirm)
                optional.append(SuggestedLine(maj.code, maj.label, amount, unverified, why, tuple(warnings)))
        # An option that does not combine with what was applied (F once MHP applies) is not offered.
        chosen = frozenset(line.code for line in applied)
        majorations = self.rules.catalog.majorations
        optional = [
            line
            for line in optional
            if not (majorations[line.code].excludes & chosen)
            and not any(line.code in majorations[code].excludes for code in chosen)
        ]
        return applied, optional

    def _why_optional(
        self, maj: Majoration, ctx: BillingContext, missing: bool, to_confirm: list[str]
    ) -> str:
        """« F (…) : possible si acte régulé… ; à confirmer — depuis le 22 décembre 2024, … »."""
        parts: list[str] = []
        if missing:
            needs = [
                lower_first(self.rules.catalog.flag_label(c.flag))
                for c in maj.requires
                if c.flag not in ctx.flags
            ]
            parts.append(f"possible si {' et '.join(needs)}")
        if to_confirm:
            parts.append("à confirmer — " + " ".join([lower_first(to_confirm[0]), *to_confirm[1:]]))
        if not parts:
            parts.append(f"à confirmer — {lower_first(maj.conditions)}")
        text = f"{maj.label} ({maj.code}) : {' ; '.join(parts)}"
        return text if text.endswith(".") else text + "."

    def _reason(self, maj: Majoration, ctx: BillingContext) -> str:
        parts: list[str] = []
        if maj.below_age is not None and ctx.patient_age is not None:
            parts.append(f"patient de {ctx.patient_age} ans (moins de {maj.below_age} ans)")
        if maj.from_age is not None and ctx.patient_age is not None:
            parts.append(f"patient de {ctx.patient_age} ans ({maj.from_age} ans ou plus)")
        if maj.time_windows:
            parts.append(f"acte du {self.rules.describe_moment(ctx.performed_at)}, {maj.time_windows_label}")
        parts += [
            lower_first(self.rules.catalog.flag_label(c.flag)) for c in maj.requires if c.flag in ctx.flags
        ]
        return f"{maj.label} ({maj.code}) : {', '.join(parts) or lower_first(maj.conditions.rstrip('.'))}."
