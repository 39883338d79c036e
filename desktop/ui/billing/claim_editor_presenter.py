"""Gives the claim editor life: binds its widgets to a `ClaimDraft` and its buttons to `ClaimActions`.

Three parts, each owning its state, calling in one direction only:

- `ClaimDraft` (desktop.billing, no Qt) holds the claim being edited, what was touched and its
  problems; it validates again at every edit (`ClaimService.validate`: one French message per
  field) and announces what to show again (`changed`);
- `ClaimActions` stores, marks ready, exports, sends the note… and puts the server's answer back
  into the draft;
- this presenter turns the editor's edit intents into draft calls, its action intents into
  actions run through the task runner (a refusal reaches the message bar in French), and renders
  the draft whenever it changes.
"""

from __future__ import annotations

import logging
from collections.abc import Coroutine
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, Signal

from contracts.billing.claim_parts import Parcours
from contracts.billing.claims import TRANSITIONS, Claim, ClaimStatus
from contracts.billing.professions import Activity, Profession
from contracts.fr_format import eur
from contracts.wire.accounts import PersonPublic
from desktop.billing.billing_services import BillingServices
from desktop.billing.claim_draft import Change, ClaimDraft
from desktop.domain.errors import UserFacingError
from desktop.kernel.messages import Messages
from desktop.kernel.tasks import TaskRunner
from desktop.ui.billing.claim_actions import ClaimActions
from desktop.ui.billing.claim_editor import ClaimEditor
from desktop.ui.billing.claim_line_views import activities, line_views, optional_views, setting_choices
from desktop.ui.billing.payment_presenter import amount_text

log = logging.getLogger(__name__)


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
        self.claims = billing.claims
        self.payments = billing.payments
        self.runner = runner
        self.messages = messages
        self.draft = ClaimDraft(self.claims, account_id, billing.payments)
        self.actions = ClaimActions(self.draft, billing, messages, editor)
        self._unsubscribe = [self.draft.changed.connect(self._on_draft_changed)]
        draft, actions = self.draft, self.actions
        editor.form.edited.connect(draft.edit)
        editor.lines.amount_committed.connect(draft.commit_amount)
        editor.lines.coefficient_committed.connect(draft.commit_coefficient)
        editor.lines.add_requested.connect(self._on_lines_add_requested)
        editor.lines.remove_requested.connect(draft.remove_majoration)
        editor.performed_at_edited.connect(draft.set_performed_at)
        editor.activity_edited.connect(draft.set_activity)
        editor.setting_edited.connect(draft.set_setting)
        editor.flag_toggled.connect(draft.toggle_flag)
        editor.resuggest_requested.connect(draft.resuggest)
        editor.back_requested.connect(self.closed)
        editor.save_requested.connect(lambda: self.run(actions.save(), "claim-save"))
        editor.ready_requested.connect(self._on_editor_ready_requested)
        editor.draft_requested.connect(lambda: self.run(actions.back_to_draft(), "claim-draft"))
        editor.export_requested.connect(lambda kind: self.run(actions.export(kind), "claim-export"))
        editor.recap_requested.connect(lambda: self.run(actions.recap(), "claim-recap"))
        editor.note_requested.connect(lambda: self.run(actions.send_note(), "fee-note"))
        editor.payment_requested.connect(lambda: self.run(self._ask_payment(), "claim-payment"))
        editor.destroyed.connect(self.dispose)

    @property
    def claim(self) -> Claim | None:
        return self.draft.claim

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
        await self._load_payments(conversation_id)
        self.draft.show(claim, conversation_id, suggestion, activity)
        self._focus_first_to_fill()
        return claim

    async def open_claim(self, claim_id: str) -> Claim:
        """A stored claim; every remaining problem shows at once."""
        record = await self.claims.record(claim_id)
        await self.claims.load_profile()
        claim = record.claim
        await self._load_payments(record.conversation_id)
        self.draft.show(claim, record.conversation_id, self.claims.suggest_for(claim), None, show_all=True)
        self._focus_first_to_fill()
        return claim

    async def _load_payments(self, conversation_id: str | None) -> None:
        """The conversation's payment requests: the claim's tiers payant and checks follow them."""
        if conversation_id is not None and not self.payments.is_loaded(conversation_id):
            await self.payments.load(conversation_id)

    def _focus_first_to_fill(self) -> None:
        """The keyboard starts where there is something to do: the first field with a problem,
        else « Marquer prête » (a returning patient's claim is often complete at once)."""
        editor, problems = self.editor, self.draft.problems()
        claim = self.draft.claim
        if claim is None or claim.status is not ClaimStatus.BROUILLON:
            editor.back.setFocus()
            return
        for name, widget in editor.form.inputs.items():
            if name in problems and widget.isVisibleTo(editor) and widget.isEnabled():
                widget.setFocus()
                return
        for code, amount in editor.lines.amounts.items():
            if not amount.isReadOnly() and any(code in m for m in problems.values()):
                amount.setFocus()
                return
        (editor.ready if not problems else editor.performed_at).setFocus()

    # ---------------------------------------------------------------- rendering
    def _on_draft_changed(self, change: Change) -> None:
        claim = self.draft.claim
        if claim is None:
            return
        if change is Change.CLAIM:
            self.editor.form.show_claim(claim, amount_text(claim.depassement))
        if change is not Change.CHECKS:
            self._render_lines(claim)
        self._render_parcours(claim)
        self._render_totals(claim)
        self._render_problems(claim)
        self.editor.set_payment_note(self.tr(self.draft.payment_note) if self.draft.payment_note else None)
        if change is not Change.CHECKS:
            self.editor.chain_tab_order()

    def _render_lines(self, claim: Claim) -> None:
        editor, catalog, draft = self.editor, self.claims.rules.catalog, self.draft
        editor.set_performed_at(claim.performed_at)
        kinds = activities(catalog, claim.practitioner.profile.profession)
        editor.set_choices(
            editor.activity,
            [(self.tr(a.label), a.value) for a in kinds],
            draft.activity.value if draft.activity else None,
        )
        accompaniment = draft.activity is Activity.ACCOMPAGNEMENT
        editor.set_setting_visible(accompaniment)
        if accompaniment:
            editor.set_choices(
                editor.setting, setting_choices(), claim.setting.value if claim.setting else None
            )
        editor.set_flags(
            [(code, self.tr(text)) for code, text in catalog.flags.items() if code != "depassement"],
            set(claim.flags),
        )
        suggestion = draft.suggestion
        notes = list(suggestion.notes) if suggestion else []
        if draft.lines_edited and suggestion is not None:
            notes.append(
                self.tr("Cotation modifiée par vous : « Recalculer la cotation » reprend la proposition.")
            )
        editor.set_notes(notes)
        editor.lines.show_lines(line_views(claim, suggestion, catalog), optional_views(claim, suggestion))
        act = catalog.acts.get(claim.act.code) if claim.act else None
        editor.form.set_prescriber_visible(
            bool(act and act.prescriber_required) or bool(claim.prescriber_rpps)
        )
        is_draft = claim.status is ClaimStatus.BROUILLON
        editor.set_editable(
            is_draft,
            can_go_back_to_draft=not is_draft and ClaimStatus.BROUILLON in TRANSITIONS[claim.status],
            stored=draft.stored is not None,
        )

    def _render_parcours(self, claim: Claim) -> None:
        self.editor.form.set_row_visible(
            "referring_rpps", claim.parcours is Parcours.ORIENTE_PAR_MT or bool(claim.referring_rpps)
        )
        indicator = claim.parcours_indicator(self.claims.rules.catalog)
        self.editor.form.set_parcours_indicator(
            indicator.code if indicator else None,
            indicator.verified if indicator else False,
            indicator.reason if indicator else None,
            claim.parcours_indicator_confirmed,
        )

    def _render_totals(self, claim: Claim) -> None:
        name = claim.patient.full_name.strip() or self.tr("patient")
        self.editor.set_heading(self.tr("Feuille de soins — %1").replace("%1", name), claim.status.label)
        estimate = self.claims.estimate(claim)
        pays = self.tr(" Le patient règle maintenant environ %1 (estimation).").replace(
            "%1", eur(estimate.patient_pays_now)
        )
        self.editor.set_totals(self.tr("Total : %1").replace("%1", eur(claim.total)), estimate.summary + pays)

    def _render_problems(self, claim: Claim) -> None:
        if claim.status is not ClaimStatus.BROUILLON:
            self.editor.show_problems({}, "")
            return
        every = self.draft.problems()
        if not every:
            summary = self.tr("Feuille complète : elle peut être marquée « prête ».")
        elif len(every) == 1:
            summary = self.tr("1 point à compléter avant de marquer la feuille « prête ».")
        else:
            summary = self.tr("%1 points à compléter avant de marquer la feuille « prête ».").replace(
                "%1", str(len(every))
            )
        self.editor.show_problems(self.draft.shown_problems(), summary, complete=not every)

    # ---------------------------------------------------------------- intents
    def _on_lines_add_requested(self, code: str) -> None:
        try:
            self.draft.add_majoration(code)
        except UserFacingError as exc:
            self.messages.warning(exc.message)

    def _on_editor_ready_requested(self) -> None:
        """Show every remaining problem; mark ready only when there is none."""
        if not self.draft.reveal_problems():
            self.messages.warning(
                self.tr("La feuille de soins n'est pas prête : corrigez les points signalés.")
            )
            return
        self.run(self.actions.mark_ready(), "claim-ready")

    async def _ask_payment(self) -> None:
        conversation_id, claim_id = await self.actions.ask_payment()
        self.payment_dialog_requested.emit(conversation_id, claim_id)

    def dispose(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        self.draft.dispose()
