"""The claim on the editor's screen: the `Claim`, how it was drafted, what was touched, its problems.

The claim editor's state, Qt-free (napari's model): `ClaimEditorPresenter` turns the form's edits
into calls here and re-renders when `changed` says what changed; `ClaimActions` stores, exports…
and puts the server's answer back with `replace`. Nothing here calls back into either.

Every edit changes the draft, marks its field as touched (its problem may now show) and validates
again. Changing the time, the type of act, a nurse's setting, the declared context or the birth
date recomputes the suggested lines, unless the practitioner changed the lines (amounts, added or
removed majorations). Problems of fields not yet touched stay hidden until « Marquer prête » is
tried (`reveal_problems`); those about the act's lines show at once.

The draft also follows what the patient paid for the consultation (`ConsultationPayment`): paid in
full, the tiers payant goes (unless the practitioner set it), and a contradiction is a problem.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum

from contracts.billing.catalog import Catalog
from contracts.billing.claim_parts import Exoneration, InsuranceNature, Parcours
from contracts.billing.claims import Claim, ClaimStatus
from contracts.billing.errors import BillingError
from contracts.billing.professions import Activity, NurseSetting
from contracts.billing.suggestions import Suggestion
from contracts.clock import to_utc
from contracts.fr_format import parse_amount
from desktop.billing.claims import ClaimRecord, ClaimService
from desktop.billing.consultation_payment import ConsultationPayment
from desktop.billing.payments import PaymentService
from desktop.domain.errors import UserFacingError
from desktop.kernel.events import Event

log = logging.getLogger(__name__)

_PATIENT_TEXT = {"last_name", "first_name", "nir", "regime", "caisse", "centre"}
_PRACTITIONER_TEXT = {"rpps", "am_number", "specialty_code"}
_FORM_FIELDS = (
    "patient.", "practitioner.", "parcours", "prescriber", "referring", "depassement", "nature",
    "exoneration",
)  # fmt: skip
# The declared context and the parcours say the same thing twice: kept in step (issue 12, item 3).
_PARCOURS_OF_FLAG = {
    "medecin_traitant": Parcours.MEDECIN_TRAITANT,
    "sans_medecin_traitant": Parcours.SANS_MEDECIN_TRAITANT,
}
_FLAG_OF_PARCOURS = {parcours: flag for flag, parcours in _PARCOURS_OF_FLAG.items()}
_CONTRARY_FLAGS = {
    "medecin_traitant": {"sans_medecin_traitant", "hors_patientele_mt"},
    "sans_medecin_traitant": {"medecin_traitant"},
}


class Change(Enum):
    """What a change asks the screen to show again."""

    CLAIM = "claim"  # another claim, or the server's answer: every field, then everything below
    LINES = "lines"  # the lines, the choices and notes, then everything below
    CHECKS = "checks"  # the parcours indicator, the totals and the problems


def line_field(claim: Claim, code: str) -> str:
    """Where validation problems about line `code` point: « act » or « majorations[i] »."""
    if claim.act is not None and claim.act.code == code:
        return "act"
    codes = [m.code for m in claim.majorations]
    return f"majorations[{codes.index(code)}]" if code in codes else "lines"


def activity_of(claim: Claim, catalog: Catalog) -> Activity | None:
    """The kind of act already on the claim."""
    act = catalog.acts.get(claim.act.code) if claim.act else None
    return act.activity if act is not None else None


class ClaimDraft:
    """The claim being edited, and what the editor knows about its editing."""

    def __init__(self, claims: ClaimService, account_id: str, payments: PaymentService | None = None) -> None:
        self._claims = claims
        self._account_id = account_id
        self._payments = payments
        self.payment: ConsultationPayment | None = None  # what the patient paid for this consultation
        self.payment_note: str | None = None  # what was derived from it, said to the practitioner
        self.claim: Claim | None = None
        self.conversation_id: str | None = None
        self.activity: Activity | None = None
        self.suggestion: Suggestion | None = None
        self.touched: set[str] = set()
        self.show_all = False
        self.lines_edited = False
        self.local_problems: dict[str, str] = {}
        self.changed: Event[Change] = Event()
        self._unsubscribe: list[Callable[[], None]] = [
            claims.claims_changed.connect(self._on_claims_claims_changed)
        ]
        if payments is not None:
            self._unsubscribe.append(payments.changed.connect(self._on_payments_changed))

    # ---------------------------------------------------------------- which claim
    def show(
        self,
        claim: Claim,
        conversation_id: str | None,
        suggestion: Suggestion,
        activity: Activity | None,
        *,
        show_all: bool = False,
    ) -> None:
        """Edit `claim` from now on (a new draft, or a stored claim: every problem then shows)."""
        self.claim, self.conversation_id, self.suggestion = claim, conversation_id, suggestion
        self.activity = activity or activity_of(claim, self._claims.rules.catalog)
        self.touched, self.show_all, self.lines_edited, self.local_problems = set(), show_all, False, {}
        self._follow_payment()
        self.changed.emit(Change.CLAIM)

    def replace(self, record: ClaimRecord) -> None:
        """The claim as the server now stores it (status, history, version)."""
        self.claim = record.claim
        self.changed.emit(Change.CLAIM)

    def saved(self) -> None:
        """The draft on screen was stored (the same claim, now with a version on the server)."""
        self.changed.emit(Change.LINES)

    @property
    def stored(self) -> ClaimRecord | None:
        record = self._claims.records.get(self.claim.id) if self.claim else None
        return record if record is not None and record.version is not None else None

    def _on_claims_claims_changed(self, claim_id: str) -> None:
        """The claim changed elsewhere (the billing view, another desktop): show its stored state."""
        record = self._claims.records.get(claim_id)
        if self.claim is None or claim_id != self.claim.id or record is None:
            return
        if record.claim is not self.claim and record.status is not self.claim.status:
            self.replace(record)

    def _on_payments_changed(self, conversation_id: str) -> None:
        """A payment of the conversation changed (recorded here, on another desktop, paid online)."""
        if self.claim is not None and conversation_id == self.conversation_id:
            self._follow_payment()
            self.changed.emit(Change.CLAIM)

    def _follow_payment(self) -> None:
        """Read the consultation's payment; when it covers the claim, the tiers payant goes.

        Only while the practitioner has not set the tiers payant themselves: their choice then
        stays, and the contradiction is a problem that blocks « prête » (`problems`).
        """
        claim = self.claim
        self.payment, self.payment_note = None, None
        if claim is None or self._payments is None or self.conversation_id is None:
            return
        self.payment = ConsultationPayment.of(claim, self._payments.of(self.conversation_id))
        if self.payment is None or claim.status is not ClaimStatus.BROUILLON:
            return
        self.payment_note = f"Paiement enregistré : {self.payment.summary}."
        if self.payment.covers(claim) and claim.tiers_payant_amo and "tiers_payant_amo" not in self.touched:
            claim.tiers_payant_amo = False
            log.info("claim %s: tiers payant off, the consultation is paid", claim.id)
        if self.payment.covers(claim) and not claim.tiers_payant_amo:
            self.payment_note += " Réglé en totalité par le patient : pas de tiers payant."

    def _draft(self) -> Claim | None:
        claim = self.claim
        return claim if claim is not None and claim.status is ClaimStatus.BROUILLON else None

    # ---------------------------------------------------------------- edits
    def edit(self, field: str, value: object) -> None:
        """A field of the form (patient, practitioner, coverage…) was edited."""
        claim = self._draft()
        if claim is None:
            return
        group, _, name = field.partition(".")
        resuggest = False
        if group == "patient" and name in _PATIENT_TEXT:
            setattr(claim.patient, name, str(value).strip())
        elif field == "patient.birth_date":
            self.local_problems.pop(field, None)
            if isinstance(value, date):
                claim.patient.birth_date = value
                resuggest = True  # the age decides MEG and whether « moins de 16 ans » holds
            else:  # a date half typed or impossible: its French message, the claim unchanged
                self.local_problems[field] = str(value)
        elif field == "patient.birth_rank" and isinstance(value, int):
            claim.patient.birth_rank = value
        elif field == "patient.is_insured":
            claim.patient.is_insured = bool(value)
        elif group == "practitioner" and name in _PRACTITIONER_TEXT:
            setattr(claim.practitioner, name, str(value).strip())
        elif field == "prescriber_rpps":
            claim.prescriber_rpps = str(value).strip() or None
        elif field == "referring_rpps":
            claim.referring_rpps = str(value).strip() or None
        elif field == "parcours":
            claim.parcours = Parcours(str(value)) if value else None
            claim.parcours_indicator_confirmed = False  # a confirmation is for one indicator code
            flag = _FLAG_OF_PARCOURS.get(claim.parcours) if claim.parcours else None
            if flag is not None and flag not in claim.flags:
                claim.flags = (claim.flags - _CONTRARY_FLAGS[flag]) | {flag}
                resuggest = True
        elif field == "parcours_indicator_confirmed":
            claim.parcours_indicator_confirmed = bool(value)
        elif field == "nature":
            claim.nature = InsuranceNature(str(value))
        elif field == "exoneration":
            claim.exoneration = Exoneration(str(value))
        elif field == "tiers_payant_amo":
            claim.tiers_payant_amo = bool(value)
            self.touched.add(field)
            self._follow_payment()
        elif field == "depassement":
            self.local_problems.pop("depassement", None)
            try:
                claim.depassement = parse_amount(str(value).strip() or "0")
            except ValueError as exc:
                self.local_problems["depassement"] = str(exc)
        self._edited(field, resuggest=resuggest)

    def commit_amount(self, code: str, text: str) -> None:
        """An unverified (or missing) catalog amount changed: recorded as an override (who, when)."""
        claim = self._draft()
        line = next((li for li in claim.lines if li.code == code), None) if claim else None
        if claim is None or line is None or not line.amount_unverified:
            return
        key = line_field(claim, code) + ".amount"
        self.local_problems.pop(key, None)
        try:
            amount = parse_amount(text)
        except ValueError as exc:
            self.local_problems[key] = str(exc)
            self.changed.emit(Change.CHECKS)
            return
        if amount == line.amount:
            return
        try:
            claim.override_amount(code, amount, by=self._account_id, at=self._claims.clock())
        except BillingError as exc:
            self.local_problems[key] = exc.message
        self.lines_edited = True
        log.info("amount of %s overridden on claim %s", code, claim.id)
        self.changed.emit(Change.LINES)

    def commit_coefficient(self, code: str, text: str) -> None:
        """The NGAP coefficient of an act billed by coefficient (TMI 1.6, TMK 7.5) was typed."""
        claim = self._draft()
        if claim is None or claim.act is None or claim.act.code != code:
            return
        self.local_problems.pop("act.coefficient", None)
        typed = text.strip().replace(",", ".")
        try:
            coefficient = Decimal(typed) if typed else None
        except InvalidOperation:
            coefficient = None
            self.local_problems["act.coefficient"] = (
                "Coefficient illisible : tapez un nombre comme 1,6 ou 7,5."
            )
        if coefficient is not None and not (0 < coefficient <= 100 and coefficient == round(coefficient, 2)):
            self.local_problems["act.coefficient"] = (
                "Le coefficient est un nombre positif d’au plus deux décimales (1,6 ou 7,5, par exemple)."
            )
            coefficient = None
        if "act.coefficient" not in self.local_problems and coefficient != claim.act.coefficient:
            claim.act.coefficient = coefficient
        self._edited("act.coefficient")

    def add_majoration(self, code: str) -> None:
        """Raises UserFacingError when the rules refuse it (its French message)."""
        claim = self._draft()
        if claim is None:
            return
        try:
            claim.add_majoration(code, self._claims.rules)
        except BillingError as exc:
            raise UserFacingError(exc.message) from exc
        self.lines_edited = True
        self.changed.emit(Change.LINES)

    def remove_majoration(self, code: str) -> None:
        claim = self._draft()
        if claim is not None:
            claim.remove_majoration(code)
            self.lines_edited = True
            self.changed.emit(Change.LINES)

    def set_performed_at(self, moment: datetime) -> None:
        claim = self._draft()
        if claim is not None and to_utc(moment) != claim.performed_at:
            claim.performed_at = to_utc(moment)
            self._edited("performed_at", resuggest=True)

    def set_activity(self, value: object) -> None:
        claim = self._draft()
        if claim is None:
            return
        self.activity = Activity(str(value)) if value else None
        if self.activity is not Activity.ACCOMPAGNEMENT:
            claim.setting = None
        self._edited("activity", resuggest=True)

    def set_setting(self, value: object) -> None:
        claim = self._draft()
        if claim is not None:
            claim.setting = NurseSetting(str(value)) if value else None
            self._edited("setting", resuggest=True)

    def toggle_flag(self, code: str, on: bool) -> None:
        """A declared context changed; « médecin traitant » / « pas de médecin traitant » set the parcours."""
        claim = self._draft()
        if claim is None:
            return
        claim.flags = claim.flags | {code} if on else claim.flags - {code}
        parcours = _PARCOURS_OF_FLAG.get(code)
        if parcours is None:
            self._edited("flags", resuggest=True)
            return
        if on:
            claim.flags -= _CONTRARY_FLAGS[code]
            if claim.parcours is not parcours:
                claim.parcours, claim.parcours_indicator_confirmed = parcours, False
        elif claim.parcours is parcours:
            claim.parcours = None
        self.touched.add("parcours")
        self._edited("flags", resuggest=True)
        self.changed.emit(Change.CLAIM)  # the form shows the parcours (and the other boxes) again

    def resuggest(self) -> None:
        """« Recalculer la cotation »: the suggester's lines again, whatever was changed by hand."""
        self.lines_edited = False
        self._edited("lines", resuggest=True)

    def _edited(self, field: str, *, resuggest: bool = False) -> None:
        """Validate again (and recompute the lines when asked and allowed)."""
        self.touched.add(field)
        if resuggest and not self.lines_edited and self.claim is not None:
            self.suggestion = self._claims.resuggest(self.claim, self.activity)
        self.changed.emit(Change.LINES if resuggest else Change.CHECKS)

    # ---------------------------------------------------------------- problems
    def problems(self) -> dict[str, str]:
        """Every current problem by field (the first message of each field)."""
        found: dict[str, str] = {}
        if self.claim is not None:
            problems = self._claims.validate(self.claim)
            if self.payment is not None and self.claim.status is ClaimStatus.BROUILLON:
                problems += self.payment.problems(self.claim, self._claims.rules.catalog)
            for problem in problems:
                found.setdefault(problem.field, problem.message)
        found.update(self.local_problems)
        return found

    def shown_problems(self) -> dict[str, str]:
        """The problems to show now: every one once revealed, else those of touched fields and lines."""
        return {
            field: message
            for field, message in self.problems().items()
            if self.show_all or field in self.touched or not field.startswith(_FORM_FIELDS)
        }

    def reveal_problems(self) -> bool:
        """« Marquer prête » was tried: show every problem; True when there is none."""
        self.show_all = True
        self.changed.emit(Change.CHECKS)
        return not self.problems()

    def dispose(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
