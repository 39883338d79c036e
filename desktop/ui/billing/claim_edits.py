"""The claim editor's edits, applied to the `Claim` of `desktop.billing` as the practitioner types.

Split from `ClaimEditorPresenter`. Each handler changes the draft, marks the field as touched (its
message may now show) and asks the presenter to validate and render again. Changing the time, the
type of act, a nurse's setting, the declared context or the birth date recomputes the suggested
lines, unless the practitioner changed the lines (amounts, added or removed majorations).
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import TYPE_CHECKING

from contracts.billing.claim_parts import Exoneration, InsuranceNature, Parcours
from contracts.billing.claims import Claim, ClaimStatus
from contracts.billing.errors import BillingError
from contracts.billing.professions import Activity, NurseSetting
from contracts.clock import to_utc
from contracts.fr_format import parse_amount
from desktop.ui.billing.claim_line_views import line_field

if TYPE_CHECKING:
    from desktop.ui.billing.claim_editor_presenter import ClaimEditorPresenter

log = logging.getLogger(__name__)

_PATIENT_TEXT = {"last_name", "first_name", "nir", "regime", "caisse", "centre"}
_PRACTITIONER_TEXT = {"rpps", "am_number", "specialty_code"}


class ClaimEdits:
    """Connects the editor's edit intents to the presenter's draft."""

    def __init__(self, presenter: ClaimEditorPresenter) -> None:
        self.p = presenter
        editor = presenter.editor
        editor.form.edited.connect(self.on_form_edited)
        editor.lines.amount_committed.connect(self.on_amount_committed)
        editor.lines.add_requested.connect(self.on_add_requested)
        editor.lines.remove_requested.connect(self.on_remove_requested)
        editor.performed_at_edited.connect(self.on_performed_at_edited)
        editor.activity_edited.connect(self.on_activity_edited)
        editor.setting_edited.connect(self.on_setting_edited)
        editor.flag_toggled.connect(self.on_flag_toggled)
        editor.resuggest_requested.connect(self.on_resuggest_requested)

    def _draft(self) -> Claim | None:
        claim = self.p.claim
        return claim if claim is not None and claim.status is ClaimStatus.BROUILLON else None

    def on_form_edited(self, field: str, value: object) -> None:
        claim = self._draft()
        if claim is None:
            return
        group, _, name = field.partition(".")
        resuggest = False
        if group == "patient" and name in _PATIENT_TEXT:
            setattr(claim.patient, name, str(value).strip())
        elif field == "patient.birth_date" and isinstance(value, date):
            claim.patient.birth_date = value
            resuggest = True  # the age decides MEG and whether « moins de 16 ans » holds
        elif field == "patient.birth_rank" and isinstance(value, int):
            claim.patient.birth_rank = value
        elif field == "patient.is_insured":
            claim.patient.is_insured = bool(value)
        elif group == "practitioner" and name in _PRACTITIONER_TEXT:
            setattr(claim.practitioner, name, str(value).strip())
        elif field == "prescriber_rpps":
            claim.prescriber_rpps = str(value).strip() or None
        elif field == "parcours":
            claim.parcours = Parcours(str(value)) if value else None
            claim.parcours_indicator_confirmed = False  # a confirmation is for one indicator code
        elif field == "parcours_indicator_confirmed":
            claim.parcours_indicator_confirmed = bool(value)
        elif field == "nature":
            claim.nature = InsuranceNature(str(value))
        elif field == "exoneration":
            claim.exoneration = Exoneration(str(value))
        elif field == "tiers_payant_amo":
            claim.tiers_payant_amo = bool(value)
        elif field == "depassement":
            self.p.local_problems.pop("depassement", None)
            try:
                claim.depassement = parse_amount(str(value).strip() or "0")
            except ValueError as exc:
                self.p.local_problems["depassement"] = str(exc)
        self.p.changed(field, resuggest=resuggest)

    def on_amount_committed(self, code: str, text: str) -> None:
        """An unverified (or missing) catalog amount changed: recorded as an override (who, when)."""
        claim = self._draft()
        line = next((li for li in claim.lines if li.code == code), None) if claim else None
        if claim is None or line is None or not line.amount_unverified:
            return
        key = line_field(claim, code) + ".amount"
        self.p.local_problems.pop(key, None)
        try:
            amount = parse_amount(text)
        except ValueError as exc:
            self.p.local_problems[key] = str(exc)
            self.p.render_problems()
            return
        if amount == line.amount:
            return
        try:
            claim.override_amount(code, amount, by=self.p.account_id, at=self.p.claims.clock())
        except BillingError as exc:
            self.p.local_problems[key] = exc.message
        self.p.lines_edited = True
        log.info("amount of %s overridden on claim %s", code, claim.id)
        self.p.render()

    def on_add_requested(self, code: str) -> None:
        claim = self._draft()
        if claim is None:
            return
        try:
            claim.add_majoration(code, self.p.claims.rules)
        except BillingError as exc:
            self.p.messages.warning(exc.message)
            return
        self.p.lines_edited = True
        self.p.render()

    def on_remove_requested(self, code: str) -> None:
        claim = self._draft()
        if claim is None:
            return
        claim.remove_majoration(code)
        self.p.lines_edited = True
        self.p.render()

    def on_performed_at_edited(self, moment: datetime) -> None:
        claim = self._draft()
        if claim is not None and to_utc(moment) != claim.performed_at:
            claim.performed_at = to_utc(moment)
            self.p.changed("performed_at", resuggest=True)

    def on_activity_edited(self, value: object) -> None:
        claim = self._draft()
        if claim is None:
            return
        self.p.activity = Activity(str(value)) if value else None
        if self.p.activity is not Activity.ACCOMPAGNEMENT:
            claim.setting = None
        self.p.changed("activity", resuggest=True)

    def on_setting_edited(self, value: object) -> None:
        claim = self._draft()
        if claim is not None:
            claim.setting = NurseSetting(str(value)) if value else None
            self.p.changed("setting", resuggest=True)

    def on_flag_toggled(self, code: str, on: bool) -> None:
        claim = self._draft()
        if claim is not None:
            claim.flags = claim.flags | {code} if on else claim.flags - {code}
            self.p.changed("flags", resuggest=True)

    def on_resuggest_requested(self) -> None:
        self.p.lines_edited = False
        self.p.changed("lines", resuggest=True)
