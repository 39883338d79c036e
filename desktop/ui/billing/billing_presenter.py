"""Gives the billing view life: claims from the server by status and days, payment requests of the
conversations, and the actions on both (status, exports, recap, note, cancel, mark paid, refund).

Claims come from `GET /billing/claims` and payment requests from `GET /billing/payments`, both
with the view's days; requests seen live since are kept too.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from contracts.billing.claims import TRANSITIONS, ClaimStatus
from contracts.clock import paris_day, to_paris
from contracts.fr_format import eur, long_date, paris_datetime
from contracts.wire.payments import PaymentPublic
from desktop.billing.billing_services import BillingServices
from desktop.billing.claims import ClaimRecord
from desktop.billing.export import EXPORTABLE, ExportKind
from desktop.billing.fee_notes import FeeNote
from desktop.kernel.messages import Messages
from desktop.kernel.tasks import TaskRunner
from desktop.services.conversations import ConversationService
from desktop.ui.billing.billing_page import BillingPage, ClaimRowView, PaymentRowView
from desktop.ui.billing.note_preview_dialog import NotePreviewDialog
from desktop.ui.dialogs.confirm_box import ConfirmBox
from desktop.ui.dialogs.save_dialog import SaveDialog, documents_folder

log = logging.getLogger(__name__)

PAYMENT_STATUSES = (
    ("en attente", "pending"),
    ("payées", "paid"),
    ("annulées", "cancelled"),
    ("remboursées", "refunded"),
)


class BillingPresenter(QObject):
    """One per main window."""

    claim_opened = Signal(str)  # claim id: the controller shows the editor

    def __init__(
        self,
        page: BillingPage,
        billing: BillingServices,
        conversations: ConversationService,
        runner: TaskRunner,
        messages: Messages,
    ) -> None:
        super().__init__(page)
        self.page = page
        self.billing = billing
        self.claims = billing.claims
        self.payments = billing.payments
        self.conversations = conversations
        self.runner = runner
        self.messages = messages
        self.ask_save_path: Callable[[str, str], Awaitable[Path | None]] = lambda name, kind: (
            SaveDialog.choose(page, self.tr("Enregistrer"), documents_folder() / name, kind)
        )  # tests replace it
        self.confirm: Callable[[str], Awaitable[bool]] = lambda text: ConfirmBox.ask(
            page.window(), self.tr("Rembourser"), text, self.tr("Rembourser")
        )  # tests replace it
        self.confirm_note: Callable[[FeeNote, bytes], Awaitable[bool]] = lambda note, pdf: (
            NotePreviewDialog.ask(page.window(), note, pdf)
        )
        page.set_status_choices(
            [(self.tr("Toutes les feuilles"), None)] + [(self.tr(s.label), s.value) for s in ClaimStatus],
            [(self.tr("Tous les paiements"), None)]
            + [(self.tr(text), value) for text, value in PAYMENT_STATUSES],
        )
        page.refresh_requested.connect(self.activate)
        page.open_requested.connect(self.claim_opened)
        page.status_requested.connect(self._on_page_status_requested)
        page.export_requested.connect(self._on_page_export_requested)
        page.recap_requested.connect(self._on_page_recap_requested)
        page.note_requested.connect(self._on_page_note_requested)
        page.export_day_requested.connect(self._on_page_export_day_requested)
        page.payment_cancel_requested.connect(
            lambda pid: runner.run(self.payments.cancel(pid), name="payment-cancel")
        )
        page.payment_mark_paid_requested.connect(
            lambda pid, method: runner.run(self.payments.mark_paid(pid, method), name="payment-mark-paid")
        )
        page.payment_refund_requested.connect(
            lambda pid: runner.run(self._refund(pid), name="payment-refund")
        )
        self._unsubscribe = [
            self.claims.claims_changed.connect(lambda _id: self.render_claims()),
            self.payments.changed.connect(lambda _id: self.render_payments()),
        ]
        page.destroyed.connect(self.dispose)

    # ---------------------------------------------------------------- loading
    def activate(self) -> None:
        """Load claims and payments for the current filters (the view was opened or refreshed)."""
        self.runner.run(self.load(), name="billing-load")

    async def load(self) -> None:
        status, _payment_status, day_from, day_to = self.page.filters()
        await self.claims.refresh(
            status=ClaimStatus(status) if status else None, day_from=day_from, day_to=day_to
        )
        self.render_claims()
        await self.payments.load_all(day_from, day_to)
        self.render_payments()

    # ---------------------------------------------------------------- rendering
    def _patient(self, conversation_id: str | None) -> str:
        summary = self.conversations.get(conversation_id) if conversation_id else None
        return summary.patient.full_name if summary is not None else "—"

    def visible_claims(self) -> list[ClaimRecord]:
        status, _payment_status, day_from, day_to = self.page.filters()
        records = [
            r
            for r in self.claims.records.values()
            if r.version is not None
            and (status is None or r.status.value == status)
            and day_from <= paris_day(r.claim.performed_at) <= day_to
        ]
        return sorted(records, key=lambda r: r.claim.performed_at, reverse=True)

    def render_claims(self) -> None:
        rows = []
        for record in self.visible_claims():
            claim = record.claim
            moves = sorted(TRANSITIONS[claim.status] - {ClaimStatus.PRETE}, key=list(ClaimStatus).index)
            rows.append(
                ClaimRowView(
                    record.id,
                    paris_datetime(claim.performed_at),
                    claim.patient.full_name.strip() or self._patient(record.conversation_id),
                    " + ".join(line.code for line in claim.lines) or "—",
                    eur(claim.total),
                    claim.status.label,
                    tuple((s.value, self.tr("Marquer « %1 »").replace("%1", s.label)) for s in moves),
                    claim.status in EXPORTABLE,
                )
            )
        self.page.show_claims(rows)

    def visible_payments(self) -> list[PaymentPublic]:
        _status, payment_status, day_from, day_to = self.page.filters()
        return [
            p
            for p in self.payments.all()
            if (payment_status is None or p.status == payment_status)
            and day_from <= to_paris(p.created_at).date() <= day_to
        ]

    def render_payments(self) -> None:
        rows = [
            PaymentRowView(
                p.id,
                paris_datetime(p.created_at),
                self._patient(p.conversation_id),
                p.label,
                p.amount_label,
                p.status_label,
                p.method_label or "",
                p.pending,
                p.refundable,
            )
            for p in self.visible_payments()
        ]
        self.page.show_payments(rows)

    async def _refund(self, payment_id: str) -> None:
        known = self.payments.get(payment_id)
        if known is None:
            return
        question = self.tr("Rembourser %1 au patient ? Le remboursement ne peut pas être annulé.").replace(
            "%1", known.amount_label
        )
        if await self.confirm(question):
            payment = await self.payments.refund(payment_id)
            self.messages.info(self.tr("Paiement remboursé : %1.").replace("%1", payment.amount_label))

    # ---------------------------------------------------------------- claim actions
    def _on_page_status_requested(self, claim_id: str, value: str) -> None:
        self.runner.run(self._status(claim_id, ClaimStatus(value)), name="claim-status")

    async def _status(self, claim_id: str, status: ClaimStatus) -> None:
        record = await self.claims.change_status(claim_id, status)
        self.messages.info(self.tr("Feuille de soins marquée « %1 ».").replace("%1", record.status.label))

    def _on_page_export_requested(self, claim_id: str, kind: str) -> None:
        self.runner.run(self._export(claim_id, "csv" if kind == "csv" else "json"), name="claim-export")

    async def _export(self, claim_id: str, kind: ExportKind) -> None:
        record = await self.claims.record(claim_id)
        target = await self.ask_save_path(
            self.claims.exporter.export_claim(record.claim, kind).filename, kind
        )
        if target is not None:
            await self.claims.export_claim(claim_id, kind, target)
            self.messages.info(self.tr("Feuille de soins exportée : %1").replace("%1", str(target)))

    def _on_page_recap_requested(self, claim_id: str) -> None:
        self.runner.run(self._recap(claim_id), name="claim-recap")

    async def _recap(self, claim_id: str) -> None:
        record = await self.claims.record(claim_id)
        day = paris_day(record.claim.performed_at).isoformat()
        target = await self.ask_save_path(f"teleconsult-recapitulatif-{day}-{record.id[:8]}.pdf", "pdf")
        if target is not None:
            await self.claims.save_recap(claim_id, target)
            self.messages.info(self.tr("Récapitulatif enregistré : %1").replace("%1", str(target)))

    def _on_page_note_requested(self, claim_id: str) -> None:
        self.runner.run(self._note(claim_id), name="fee-note")

    async def _note(self, claim_id: str) -> None:
        """Show the note (« Envoyer » / « Modifier »), then number and send it."""
        note = await self.billing.fee_notes.preview(claim_id)
        if not await self.confirm_note(note, await self.billing.fee_notes.preview_pdf(note)):
            return
        sent = await self.billing.fee_notes.send(claim_id)
        self.messages.info(
            self.tr("La note d'honoraires N° %1 a déjà été envoyée dans la conversation.").replace(
                "%1", sent.number
            )
            if sent.already_sent
            else self.tr("Note d'honoraires N° %1 envoyée dans la conversation.").replace("%1", sent.number)
        )

    def _on_page_export_day_requested(self, day: date, kind: str) -> None:
        self.runner.run(self._export_day(day, "csv" if kind == "csv" else "json"), name="day-export")

    async def _export_day(self, day: date, kind: ExportKind) -> None:
        target = await self.ask_save_path(f"teleconsult-demandes-{day.isoformat()}.{kind}", kind)
        if target is None:
            return
        _path, count = await self.claims.export_day(day, kind, target)
        what = (
            self.tr("1 feuille de soins")
            if count == 1
            else self.tr("%1 feuilles de soins").replace("%1", str(count))
        )
        self.messages.info(
            self.tr("Journée du %1 exportée (%2) : %3")
            .replace("%1", long_date(day))
            .replace("%2", what)
            .replace("%3", str(target))
        )

    def dispose(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
