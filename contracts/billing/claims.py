"""The SESAM-sans-Vitale claim (BILLING.md §4.3), its amount overrides and its status machine.

A claim is prepared here and exported; it is *transmitted* by the practitioner's SESAM-Vitale
certified billing software with the CPS card, never by this application. Statuses::

    brouillon ──▶ prête ──▶ exportée ──▶ télétransmise ──▶ payée
        ▲           │          │               │
        └───────────┴──────────┘               └──────▶ rejetée ──▶ brouillon

Only a draft can be edited; a claim becomes « prête » only through validation (``mark_ready``).
Times are stored in UTC. A draft opened again follows the catalog in force (``refresh_from_catalog``):
an amount a source has since confirmed loses its « non vérifié » mark; an amount the practitioner
changed stays theirs.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from contracts.billing.catalog import Catalog, ParcoursIndicator
from contracts.billing.claim_parts import (
    ClaimLine,
    ClaimPatient,
    ClaimPractitioner,
    Exoneration,
    InsuranceNature,
    Parcours,
)
from contracts.billing.errors import (
    ClaimEditError,
    ClaimInvalidError,
    ClaimTransitionError,
    Problem,
    RuleViolationError,
)
from contracts.billing.paris_time import age_on
from contracts.billing.professions import NurseSetting
from contracts.billing.rules import BillingContext, BillingRules
from contracts.billing.suggestions import Suggestion
from contracts.clock import paris_day, to_utc
from contracts.fr_format import cents, eur

__all__ = [
    "TRANSITIONS",
    "AmountOverride",
    "Claim",
    "ClaimLine",
    "ClaimPatient",
    "ClaimPractitioner",
    "ClaimStatus",
    "Exoneration",
    "InsuranceNature",
    "Parcours",
    "StatusChange",
    "draft_from_suggestion",
    "transition_refusal",
]


class ClaimStatus(StrEnum):
    """Where a claim stands."""

    BROUILLON = "brouillon"
    PRETE = "prete"
    EXPORTEE = "exportee"
    TELETRANSMISE = "teletransmise"
    PAYEE = "payee"
    REJETEE = "rejetee"

    @property
    def label(self) -> str:
        """French label: « prête », « télétransmise »…"""
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    ClaimStatus.BROUILLON: "brouillon",
    ClaimStatus.PRETE: "prête",
    ClaimStatus.EXPORTEE: "exportée",
    ClaimStatus.TELETRANSMISE: "télétransmise",
    ClaimStatus.PAYEE: "payée",
    ClaimStatus.REJETEE: "rejetée",
}
TRANSITIONS: dict[ClaimStatus, frozenset[ClaimStatus]] = {
    ClaimStatus.BROUILLON: frozenset({ClaimStatus.PRETE}),
    ClaimStatus.PRETE: frozenset({ClaimStatus.BROUILLON, ClaimStatus.EXPORTEE}),
    ClaimStatus.EXPORTEE: frozenset({ClaimStatus.TELETRANSMISE, ClaimStatus.BROUILLON}),
    ClaimStatus.TELETRANSMISE: frozenset({ClaimStatus.PAYEE, ClaimStatus.REJETEE}),
    ClaimStatus.PAYEE: frozenset(),
    ClaimStatus.REJETEE: frozenset({ClaimStatus.BROUILLON}),
}
_HINTS = {
    ClaimStatus.PRETE: "elle doit d’abord être un brouillon validé.",
    ClaimStatus.EXPORTEE: "elle doit d’abord être validée (statut « prête »).",
    ClaimStatus.TELETRANSMISE: (
        "exportez-la d’abord vers votre logiciel de facturation certifié SESAM-Vitale."
    ),
    ClaimStatus.PAYEE: "seule une demande télétransmise peut être marquée payée.",
    ClaimStatus.REJETEE: "seule une demande télétransmise peut être marquée rejetée.",
    ClaimStatus.BROUILLON: "une demande télétransmise ou payée ne se modifie plus.",
}


def transition_refusal(current: ClaimStatus, target: ClaimStatus) -> str | None:
    """None when the status machine allows `current` → `target`; else why not, in French."""
    if target in TRANSITIONS[current]:
        return None
    allowed = ", ".join(f"« {s.label} »" for s in sorted(TRANSITIONS[current])) or "aucune"
    return (
        f"Impossible de passer la demande de « {current.label} » à « {target.label} » : {_HINTS[target]} "
        f"Étapes possibles : {allowed}."
    )


@dataclass(frozen=True, slots=True)
class AmountOverride:
    """Who changed which amount, when, from what to what, and why."""

    code: str
    old_amount: Decimal | None
    new_amount: Decimal
    by: str
    at: datetime
    reason: str = ""


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One step of the status history."""

    from_status: ClaimStatus
    to_status: ClaimStatus
    by: str
    at: datetime
    note: str = ""


@dataclass
class Claim:
    """A SESAM-sans-Vitale claim being prepared for one remote act."""

    patient: ClaimPatient
    practitioner: ClaimPractitioner
    performed_at: datetime
    act: ClaimLine | None = None
    majorations: list[ClaimLine] = field(default_factory=list)
    parcours: Parcours | None = None
    parcours_indicator_confirmed: bool = False  # the practitioner confirmed an unverified indicator code
    nature: InsuranceNature = InsuranceNature.MALADIE
    exoneration: Exoneration = Exoneration.AUCUNE
    tiers_payant_amo: bool = True
    prescriber_rpps: str | None = None
    referring_rpps: str | None = None  # the médecin traitant who referred the patient (« orienté par le MT »)
    flags: frozenset[str] = field(default_factory=frozenset)
    setting: NurseSetting | None = None
    depassement: Decimal = Decimal("0.00")
    status: ClaimStatus = ClaimStatus.BROUILLON
    history: list[StatusChange] = field(default_factory=list)
    overrides: list[AmountOverride] = field(default_factory=list)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    created_at: datetime = field(kw_only=True)
    catalog_sha256: str = ""

    def __post_init__(self) -> None:
        self.performed_at = to_utc(self.performed_at)
        self.created_at = to_utc(self.created_at)

    # ---------------------------------------------------------------- derived facts
    @property
    def patient_age(self) -> int:
        """Age of the patient on the (Paris) day of the act."""
        return age_on(self.patient.birth_date, paris_day(self.performed_at))

    def context(self) -> BillingContext:
        """The facts the rules engine evaluates for this claim."""
        flags = self.flags | {"depassement"} if self.depassement > 0 else self.flags
        return BillingContext(
            self.practitioner.profile, self.performed_at, self.patient_age, flags, self.setting
        )

    def parcours_indicator(self, catalog: Catalog) -> ParcoursIndicator | None:
        """The catalog's indicator code for the claim's parcours (verified or not), if one is known."""
        if self.parcours is None:
            return None
        return catalog.parcours_indicators.get(self.parcours.value)

    def parcours_indicator_code(self, catalog: Catalog) -> str | None:
        """The indicator code to send: a verified one, or an unverified one the practitioner confirmed."""
        indicator = self.parcours_indicator(catalog)
        if indicator is None or not (indicator.verified or self.parcours_indicator_confirmed):
            return None
        return indicator.code

    @property
    def lines(self) -> list[ClaimLine]:
        """The act then its majorations."""
        return ([self.act] if self.act else []) + list(self.majorations)

    @property
    def amounts_complete(self) -> bool:
        """Whether every line has an amount."""
        return bool(self.lines) and all(line.amount is not None for line in self.lines)

    @property
    def base_amount(self) -> Decimal:
        """Sum of the act and majorations (the reimbursement base), lines without amount counted as 0."""
        return cents(sum((line.amount or Decimal(0) for line in self.lines), Decimal("0.00")))

    @property
    def total(self) -> Decimal:
        """Total billed: base amount plus any dépassement."""
        return cents(self.base_amount + self.depassement)

    # ---------------------------------------------------------------- editing (drafts only)
    def _ensure_draft(self) -> None:
        if self.status is not ClaimStatus.BROUILLON:
            raise ClaimEditError(
                f"La demande est « {self.status.label} » : repassez-la en brouillon pour la modifier."
                if ClaimStatus.BROUILLON in TRANSITIONS[self.status]
                else f"La demande est « {self.status.label} » : elle ne peut plus être modifiée."
            )

    def set_act(self, code: str, rules: BillingRules, coefficient: Decimal | None = None) -> ClaimLine:
        """Put the act `code` on the claim at its catalog amount (refused when the rules refuse it)."""
        self._ensure_draft()
        problems = rules.act_problems(code, self.context())
        if problems:
            raise RuleViolationError(problems)
        act = rules.catalog.act(code)
        grant = rules.grant_for(act, self.context())
        amount = act.amount_on(paris_day(self.performed_at))
        unverified = act.amount_unverified or (grant is not None and "amount" in grant.unverified)
        self.act = ClaimLine(code, act.label, amount, amount, unverified, coefficient)
        return self.act

    def add_majoration(self, code: str, rules: BillingRules) -> ClaimLine:
        """Add the majoration `code` (refused when it does not combine with the act and the others)."""
        self._ensure_draft()
        if self.act is None:
            raise ClaimEditError("Choisissez d’abord l’acte, puis ses majorations.")
        codes = [m.code for m in self.majorations] + [code]
        problems = [p for p in rules.check(self.act.code, codes, self.context()) if p.field != "act"]
        if problems:
            raise RuleViolationError(problems)
        maj = rules.catalog.majoration(code)
        amount = maj.amount_on(paris_day(self.performed_at))
        line = ClaimLine(code, maj.label, amount, amount, maj.amount_unverified)
        self.majorations.append(line)
        return line

    def refresh_from_catalog(self, rules: BillingRules) -> bool:
        """Give a draft's lines the catalog's amount on the day of the act and its verification status.

        Lines whose amount the practitioner changed keep their amount (only the mark follows the
        catalog). Returns whether anything changed; a claim that is not a draft is left as validated.
        """
        if self.status is not ClaimStatus.BROUILLON:
            return False
        day, ctx, changed = paris_day(self.performed_at), self.context(), False
        overridden = {o.code for o in self.overrides}
        for line in self.lines:
            act = rules.catalog.acts.get(line.code)
            entry = act or rules.catalog.majorations.get(line.code)
            if entry is None:
                continue
            grant = rules.grant_for(act, ctx) if act is not None else None
            amount = entry.amount_on(day)
            unverified = amount is None or entry.amount_unverified
            unverified = unverified or (grant is not None and "amount" in grant.unverified)
            fresh = (line.amount_unverified, line.catalog_amount) != (unverified, amount)
            if line.code not in overridden and line.amount != amount and amount is not None:
                line.amount, fresh = amount, True
            line.amount_unverified, line.catalog_amount = unverified, amount
            changed = changed or fresh
        return changed

    def remove_majoration(self, code: str) -> None:
        """Remove the majoration `code` from the draft."""
        self._ensure_draft()
        self.majorations = [m for m in self.majorations if m.code != code]

    def override_amount(
        self, code: str, new_amount: Decimal, *, by: str, at: datetime, reason: str = ""
    ) -> AmountOverride:
        """Change the amount of line `code`, recording who, when, the old and the new amount.

        An unverified or missing catalog amount may be changed freely; changing a verified amount
        needs a reason.

        Raises:
            ClaimEditError: not a draft, unknown line, negative amount, or verified amount without reason.
        """
        self._ensure_draft()
        line = next((li for li in self.lines if li.code == code), None)
        if line is None:
            raise ClaimEditError(f"La ligne {code} ne figure pas sur la demande.")
        if new_amount < 0:
            raise ClaimEditError("Un montant ne peut pas être négatif.")
        if not line.amount_unverified and line.catalog_amount is not None and not reason.strip():
            raise ClaimEditError(
                f"Le montant de {code} ({eur(line.catalog_amount)}) est vérifié : "
                "indiquez la raison de la modification."
            )
        record = AmountOverride(code, line.amount, cents(new_amount), by, to_utc(at), reason.strip())
        line.amount = record.new_amount
        self.overrides.append(record)
        return record

    # ---------------------------------------------------------------- status machine
    def _move(self, to: ClaimStatus, by: str, at: datetime, note: str) -> StatusChange:
        refusal = transition_refusal(self.status, to)
        if refusal is not None:
            raise ClaimTransitionError(refusal)
        change = StatusChange(self.status, to, by, to_utc(at), note)
        self.status = to
        self.history.append(change)
        return change

    def transition(self, to: ClaimStatus, *, by: str, at: datetime, note: str = "") -> StatusChange:
        """Move to `to`; « prête » is reached only through :meth:`mark_ready`. Raises ClaimTransitionError."""
        if to is ClaimStatus.PRETE:
            raise ClaimTransitionError("Une demande ne devient « prête » qu’après validation.")
        return self._move(to, by, at, note)

    def mark_ready(
        self, validate: Callable[[Claim], list[Problem]], *, by: str, at: datetime
    ) -> StatusChange:
        """Validate with `validate` and move to « prête »; raises ClaimInvalidError listing the problems."""
        if self.status is not ClaimStatus.BROUILLON:
            return self._move(ClaimStatus.PRETE, by, at, "")
        problems = validate(self)
        if problems:
            raise ClaimInvalidError(problems)
        return self._move(ClaimStatus.PRETE, by, at, "")


def draft_from_suggestion(
    suggestion: Suggestion,
    patient: ClaimPatient,
    practitioner: ClaimPractitioner,
    *,
    created_at: datetime,
    flags: frozenset[str] = frozenset(),
    setting: NurseSetting | None = None,
    catalog_sha256: str = "",
) -> Claim:
    """A draft claim holding the suggested act and applied majorations (optional ones are left out)."""
    claim = Claim(
        patient,
        practitioner,
        suggestion.performed_at,
        created_at=created_at,
        flags=flags,
        setting=setting,
        catalog_sha256=catalog_sha256,
    )
    if suggestion.act is not None:
        act = suggestion.act
        claim.act = ClaimLine(act.code, act.label, act.amount, act.amount, act.amount_unverified)
    claim.majorations = [
        ClaimLine(m.code, m.label, m.amount, m.amount, m.amount_unverified) for m in suggestion.majorations
    ]
    return claim
