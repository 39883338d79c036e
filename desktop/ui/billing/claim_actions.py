"""What the claim editor does with its claim: store it, mark it ready, export it, send its note.

`ClaimEditorPresenter` shows the claim and turns edits into calls on the `ClaimDraft`; it runs
these actions through the workspace's task runner, so a `UserFacingError` reaches the message bar
in French. An action reads the draft's claim and puts the server's answer back into the draft
(`ClaimDraft.replace`), whose `changed` event re-renders the editor: nothing here calls back into
the presenter. Files are written where the practitioner chooses (`ask_save_path`, a `SaveDialog`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from contracts.billing.claims import Claim, ClaimStatus
from desktop.billing.billing_services import BillingServices
from desktop.billing.claim_draft import ClaimDraft
from desktop.billing.claims import ClaimRecord
from desktop.billing.export import ExportKind
from desktop.billing.fee_notes import FeeNote
from desktop.domain.errors import UserFacingError
from desktop.kernel.messages import Messages
from desktop.ui.billing.note_preview_dialog import NotePreviewDialog
from desktop.ui.dialogs.save_dialog import SaveDialog, documents_folder

AskSavePath = Callable[[str, str], Awaitable[Path | None]]  # (suggested file name, kind) → path
ConfirmNote = Callable[
    [FeeNote, bytes], Awaitable[bool]
]  # the note and its PDF, before sending → « Envoyer »?

log = logging.getLogger(__name__)


def _tr(text: str) -> str:
    return QCoreApplication.translate("ClaimActions", text)


class ClaimActions:
    """The editor's actions on the claim of its draft."""

    def __init__(
        self, draft: ClaimDraft, billing: BillingServices, messages: Messages, parent: QWidget
    ) -> None:
        self.draft = draft
        self.billing = billing
        self.messages = messages
        self.ask_save_path: AskSavePath = lambda name, kind: SaveDialog.choose(
            parent, _tr("Enregistrer"), documents_folder() / name, kind
        )  # tests replace it
        self.confirm_note: ConfirmNote = lambda note, pdf: NotePreviewDialog.ask(parent, note, pdf)

    @property
    def claim(self) -> Claim:
        if self.draft.claim is None:
            raise UserFacingError(_tr("Aucune feuille de soins n'est ouverte."))
        return self.draft.claim

    async def save(self) -> ClaimRecord:
        record = await self.billing.claims.save_draft(self.claim, self.draft.conversation_id)
        self.messages.info(_tr("Brouillon enregistré."))
        self.draft.saved()
        return record

    async def _stored(self) -> ClaimRecord:
        """The claim on the server, a draft saved first so the server has what is on screen."""
        if self.claim.status is ClaimStatus.BROUILLON:
            return await self.billing.claims.save_draft(self.claim, self.draft.conversation_id)
        return await self.billing.claims.record(self.claim.id)

    async def mark_ready(self) -> None:
        record = await self.billing.claims.mark_ready(self.claim, self.draft.conversation_id)
        self.draft.replace(record)
        self.messages.info(
            _tr("Feuille de soins prête : exportez-la vers votre logiciel agréé SESAM-Vitale.")
        )

    async def back_to_draft(self) -> None:
        record = await self.billing.claims.change_status(self.claim.id, ClaimStatus.BROUILLON)
        self.draft.replace(record)

    async def export(self, kind: str) -> None:
        chosen: ExportKind = "csv" if kind == "csv" else "json"
        record = await self._stored()
        file = self.billing.claims.exporter
        if record.status not in (ClaimStatus.PRETE, ClaimStatus.EXPORTEE):
            raise UserFacingError(
                _tr("Marquez d'abord la feuille « prête » : seule une feuille validée s'exporte.")
            )
        suggested = file.export_claim(record.claim, chosen).filename
        target = await self.ask_save_path(suggested, chosen)
        if target is None:
            return
        await self.billing.claims.export_claim(record.id, chosen, target)
        self.draft.replace(await self.billing.claims.record(record.id))
        self.messages.info(_tr("Feuille de soins exportée : %1").replace("%1", str(target)))

    async def recap(self) -> None:
        record = await self._stored()
        day = self.billing.claims.day_of(record.claim).isoformat()
        target = await self.ask_save_path(f"teleconsult-recapitulatif-{day}-{record.id[:8]}.pdf", "pdf")
        if target is None:
            return
        await self.billing.claims.save_recap(record.id, target)
        self.messages.info(_tr("Récapitulatif enregistré : %1").replace("%1", str(target)))

    async def send_note(self) -> None:
        """Show the note (« Envoyer » / « Modifier »), then number and send it."""
        record = await self._stored()
        note = await self.billing.fee_notes.preview(record.id)
        if not await self.confirm_note(note, await self.billing.fee_notes.preview_pdf(note)):
            return
        sent = await self.billing.fee_notes.send(record.id)
        self.messages.info(
            _tr("La note d'honoraires N° %1 a déjà été envoyée dans la conversation.").replace(
                "%1", sent.number
            )
            if sent.already_sent
            else _tr("Note d'honoraires N° %1 envoyée dans la conversation.").replace("%1", sent.number)
        )

    async def ask_payment(self) -> tuple[str, str]:
        """Store the claim; returns the (conversation, claim) a payment request should be linked to."""
        conversation_id = self.draft.conversation_id
        if conversation_id is None:
            raise UserFacingError(_tr("Cette feuille de soins n'est liée à aucune conversation."))
        record = await self._stored()
        return conversation_id, record.id
