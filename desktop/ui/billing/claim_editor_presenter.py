"""Gives the claim editor life: the draft from the act suggester, live validation, storing, exporting.

Every edit goes into the `Claim` of `desktop.billing` (`ClaimEdits`) and the claim is validated
again at once (`ClaimService.validate`: one French message per field). Messages of fields not
yet touched stay hidden until « Marquer prête » is tried; those about the act's lines show at
once. What is done with the claim (store, ready, export, recap, note, payment) is `ClaimActions`;
it runs through the task runner, so refusals reach the message bar in French.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from contracts.billing.claims import TRANSITIONS, Claim, ClaimStatus
from contracts.billing.professions import Activity, Profession
from contracts.billing.suggestions import Suggestion
from contracts.fr_format import eur
from contracts.wire.accounts import PersonPublic
from desktop.billing.billing_services import BillingServices
from desktop.billing.claims import ClaimRecord
from desktop.kernel.messages import Messages
from desktop.kernel.tasks import TaskRunner
from desktop.ui.billing.claim_actions import ClaimActions
from desktop.ui.billing.claim_editor import ClaimEditor
from desktop.ui.billing.claim_edits import ClaimEdits
from desktop.ui.billing.claim_line_views import (
    activities,
    activity_of,
    line_views,
    optional_views,
    setting_choices,
)
from desktop.ui.billing.payment_presenter import amount_text
from desktop.ui.dialogs.save_dialog import SaveDialog, documents_folder

log = logging.getLogger(__name__)

AskSavePath = Callable[[str, str], Awaitable[Path | None]]  # (suggested file name, kind) → path
_FORM_FIELDS = ("patient.", "practitioner.", "parcours", "prescriber", "depassement", "nature", "exoneration")


class ClaimEditorPresenter(QObject):
    """One presenter for the editor page; `open_new` / `open_claim` switch claims."""

    payment_dialog_requested = Signal(str, str)  # conversation id, claim id
    closed = Signal()

    def __init__(
        self,
        editor: ClaimEditor,
        billing: BillingServices,
        runner: TaskRunner,
        messages: Messages,
        account_id: str,
    ) -> None:
        super().__init__(editor)
        self.editor = editor
        self.billing = billing
        self.claims = billing.claims
        self.runner = runner
        self.messages = messages
        self.account_id = account_id
        self.claim: Claim | None = None
        self.conversation_id: str | None = None
        self.activity: Activity | None = None
        self.suggestion: Suggestion | None = None
        self.touched: set[str] = set()
        self.show_all = False
        self.lines_edited = False
        self.local_problems: dict[str, str] = {}
        self.ask_save_path: AskSavePath = lambda name, kind: SaveDialog.choose(
            editor, self.tr("Enregistrer"), documents_folder() / name, kind
        )  # tests replace it
        self.edits = ClaimEdits(self)
        actions = ClaimActions(self)
        self.actions = actions
        editor.back_requested.connect(self.closed)
        editor.save_requested.connect(lambda: self.run(actions.save(), "claim-save"))
        editor.ready_requested.connect(self._on_editor_ready_requested)
        editor.draft_requested.connect(lambda: self.run(actions.back_to_draft(), "claim-draft"))
        editor.export_requested.connect(lambda kind: self.run(actions.export(kind), "claim-export"))
        editor.recap_requested.connect(lambda: self.run(actions.recap(), "claim-recap"))
        editor.note_requested.connect(lambda: self.run(actions.send_note(), "fee-note"))
        editor.payment_requested.connect(lambda: self.run(actions.ask_payment(), "claim-payment"))
        self._unsubscribe = [self.claims.claims_changed.connect(self._on_billing_claims_changed)]
        editor.destroyed.connect(self.dispose)

    def run(self, coro: Coroutine[Any, Any, object], name: str) -> None:
        """Run an action with the buttons disabled meanwhile (a double click does not store twice)."""

        async def busy() -> None:
            self.editor.set_busy(True)
            try:
                await coro
            finally:
                self.editor.set_busy(False)

        self.runner.run(busy(), name=name)

    # ---------------------------------------------------------------- opening
    async def open_new(
        self, conversation_id: str | None, patient: PersonPublic | None, performed_at: datetime
    ) -> Claim:
        """A new draft for the act at `performed_at` (the call's start), pre-filled by the suggester."""
        profile = await self.claims.load_profile()
        nurse = profile.profile is not None and profile.profile.profession is Profession.INFIRMIER
        activity = Activity.ACCOMPAGNEMENT if nurse else None  # a nurse says where she accompanied
        claim, suggestion = await self.claims.new_draft(
            conversation_id, patient, performed_at, activity=activity
        )
        self._show(claim, conversation_id, suggestion, activity)
        return claim

    async def open_claim(self, claim_id: str) -> Claim:
        """A stored claim; every remaining problem shows at once."""
        record = await self.claims.record(claim_id)
        await self.claims.load_profile()
        claim = record.claim
        self._show(claim, record.conversation_id, self.claims.suggest_for(claim), None)
        self.show_all = True
        self.render_problems()
        return claim

    def _show(
        self, claim: Claim, conversation_id: str | None, suggestion: Suggestion, activity: Activity | None
    ) -> None:
        self.claim, self.conversation_id, self.suggestion = claim, conversation_id, suggestion
        self.activity = activity or activity_of(claim, self.claims.rules.catalog)
        self.touched, self.show_all, self.lines_edited, self.local_problems = set(), False, False, {}
        self.editor.form.show_claim(claim, amount_text(claim.depassement))
        self.render()
        self.editor.form.line_edit("patient.last_name").setFocus()

    @property
    def stored(self) -> ClaimRecord | None:
        record = self.claims.records.get(self.claim.id) if self.claim else None
        return record if record is not None and record.version is not None else None

    # ---------------------------------------------------------------- rendering
    def changed(self, field: str, *, resuggest: bool = False) -> None:
        """A field was edited: validate again (and recompute the lines when asked and allowed)."""
        self.touched.add(field)
        if resuggest and not self.lines_edited and self.claim is not None:
            self.suggestion = self.claims.resuggest(self.claim, self.activity)
        if resuggest:
            self.render()
        else:
            self._render_parcours()
            self._render_totals()
            self.render_problems()

    def render(self) -> None:
        claim = self.claim
        if claim is None:
            return
        editor, catalog = self.editor, self.claims.rules.catalog
        editor.set_performed_at(claim.performed_at)
        kinds = activities(catalog, claim.practitioner.profile.profession)
        editor.set_choices(
            editor.activity,
            [(self.tr(a.label), a.value) for a in kinds],
            self.activity.value if self.activity else None,
        )
        accompaniment = self.activity is Activity.ACCOMPAGNEMENT
        editor.set_setting_visible(accompaniment)
        if accompaniment:
            editor.set_choices(
                editor.setting, setting_choices(), claim.setting.value if claim.setting else None
            )
        editor.set_flags(
            [(code, self.tr(text)) for code, text in catalog.flags.items() if code != "depassement"],
            set(claim.flags),
        )
        notes = list(self.suggestion.notes) if self.suggestion else []
        if self.lines_edited and self.suggestion is not None:
            notes.append(
                self.tr("Cotation modifiée par vous : « Recalculer la cotation » reprend la proposition.")
            )
        editor.set_notes(notes)
        editor.lines.show_lines(line_views(claim, self.suggestion), optional_views(claim, self.suggestion))
        self._render_parcours()
        act = catalog.acts.get(claim.act.code) if claim.act else None
        editor.form.set_prescriber_visible(
            bool(act and act.prescriber_required) or bool(claim.prescriber_rpps)
        )
        draft = claim.status is ClaimStatus.BROUILLON
        editor.set_editable(
            draft,
            can_go_back_to_draft=not draft and ClaimStatus.BROUILLON in TRANSITIONS[claim.status],
            stored=self.stored is not None,
        )
        self._render_totals()
        self.render_problems()

    def _render_parcours(self) -> None:
        claim = self.claim
        if claim is None:
            return
        indicator = claim.parcours_indicator(self.claims.rules.catalog)
        self.editor.form.set_parcours_indicator(
            indicator.code if indicator else None,
            indicator.verified if indicator else False,
            indicator.reason if indicator else None,
            claim.parcours_indicator_confirmed,
        )

    def _render_totals(self) -> None:
        claim = self.claim
        if claim is None:
            return
        name = claim.patient.full_name.strip() or self.tr("patient")
        self.editor.set_heading(self.tr("Feuille de soins — %1").replace("%1", name), claim.status.label)
        estimate = self.claims.estimate(claim)
        pays = self.tr(" Le patient règle maintenant environ %1 (estimation).").replace(
            "%1", eur(estimate.patient_pays_now)
        )
        self.editor.set_totals(self.tr("Total : %1").replace("%1", eur(claim.total)), estimate.summary + pays)

    def problems(self) -> dict[str, str]:
        """Every current problem by field (the first message of each field)."""
        found: dict[str, str] = {}
        if self.claim is not None:
            for problem in self.claims.validate(self.claim):
                found.setdefault(problem.field, problem.message)
        found.update(self.local_problems)
        return found

    def render_problems(self) -> None:
        if self.claim is None:
            return
        every = self.problems()
        if self.claim.status is not ClaimStatus.BROUILLON:
            self.editor.show_problems({}, "")
            return
        shown = {
            field: message
            for field, message in every.items()
            if self.show_all or field in self.touched or not field.startswith(_FORM_FIELDS)
        }
        if not every:
            summary = self.tr("Feuille complète : elle peut être marquée « prête ».")
        elif len(every) == 1:
            summary = self.tr("1 point à compléter avant de marquer la feuille « prête ».")
        else:
            summary = self.tr("%1 points à compléter avant de marquer la feuille « prête ».").replace(
                "%1", str(len(every))
            )
        self.editor.show_problems(shown, summary, complete=not every)

    # ---------------------------------------------------------------- intents and events
    def _on_editor_ready_requested(self) -> None:
        """Show every remaining problem; mark ready only when there is none."""
        self.show_all = True
        self.render_problems()
        if self.problems():
            self.messages.warning(
                self.tr("La feuille de soins n'est pas prête : corrigez les points signalés.")
            )
            return
        self.run(self.actions.mark_ready(), "claim-ready")

    def _on_billing_claims_changed(self, claim_id: str) -> None:
        """The claim changed elsewhere (the billing view, another desktop): show its stored state."""
        record = self.claims.records.get(claim_id)
        if self.claim is None or claim_id != self.claim.id or record is None:
            return
        if record.claim is not self.claim and record.status is not self.claim.status:
            self.claim = record.claim
            self.editor.form.show_claim(self.claim, amount_text(self.claim.depassement))
            self.render()

    def dispose(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
