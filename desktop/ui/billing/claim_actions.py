"""What the claim editor does with its claim: store it, mark it ready, export it, send its note.

Split from `ClaimEditorPresenter` (which shows and edits the claim); every method here is a
coroutine run through the workspace's task runner, so a `UserFacingError` reaches the message bar
in French. Files are written where the practitioner chooses (`ask_save_path`, a `SaveDialog`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from contracts.billing.claims import Claim, ClaimStatus
from desktop.billing.claims import ClaimRecord
from desktop.billing.export import ExportKind
from desktop.domain.errors import UserFacingError
from desktop.ui.billing.payment_presenter import amount_text

if TYPE_CHECKING:
    from desktop.ui.billing.claim_editor_presenter import ClaimEditorPresenter

log = logging.getLogger(__name__)


def _tr(text: str) -> str:
    return QCoreApplication.translate("ClaimActions", text)


class ClaimActions:
    """The editor's actions on the claim it shows."""

    def __init__(self, presenter: ClaimEditorPresenter) -> None:
        self.p = presenter

    @property
    def claim(self) -> Claim:
        if self.p.claim is None:
            raise UserFacingError(_tr("Aucune feuille de soins n'est ouverte."))
        return self.p.claim

    def _replace(self, record: ClaimRecord) -> None:
        """Show the claim as the server now stores it (status, history, version)."""
        self.p.claim = record.claim
        self.p.editor.form.show_claim(record.claim, amount_text(record.claim.depassement))
        self.p.render()

    async def save(self) -> ClaimRecord:
        record = await self.p.claims.save_draft(self.claim, self.p.conversation_id)
        self.p.messages.info(_tr("Brouillon enregistré."))
        self.p.render()
        return record

    async def _stored(self) -> ClaimRecord:
        """The claim on the server, a draft saved first so the server has what is on screen."""
        if self.claim.status is ClaimStatus.BROUILLON:
            return await self.p.claims.save_draft(self.claim, self.p.conversation_id)
        return await self.p.claims.record(self.claim.id)

    async def mark_ready(self) -> None:
        record = await self.p.claims.mark_ready(self.claim, self.p.conversation_id)
        self._replace(record)
        self.p.messages.info(
            _tr("Feuille de soins prête : exportez-la vers votre logiciel agréé SESAM-Vitale.")
        )

    async def back_to_draft(self) -> None:
        record = await self.p.claims.change_status(self.claim.id, ClaimStatus.BROUILLON)
        self._replace(record)

    async def export(self, kind: str) -> None:
        chosen: ExportKind = "csv" if kind == "csv" else "json"
        record = await self._stored()
        file = self.p.claims.exporter
        if record.status not in (ClaimStatus.PRETE, ClaimStatus.EXPORTEE):
            raise UserFacingError(
                _tr("Marquez d'abord la feuille « prête » : seule une feuille validée s'exporte.")
            )
        suggested = file.export_claim(record.claim, chosen).filename
        target = await self.p.ask_save_path(suggested, chosen)
        if target is None:
            return
        await self.p.claims.export_claim(record.id, chosen, target)
        self._replace(await self.p.claims.record(record.id))
        self.p.messages.info(_tr("Feuille de soins exportée : %1").replace("%1", str(target)))

    async def recap(self) -> None:
        record = await self._stored()
        day = self.p.claims.day_of(record.claim).isoformat()
        target = await self.p.ask_save_path(f"teleconsult-recapitulatif-{day}-{record.id[:8]}.pdf", "pdf")
        if target is None:
            return
        await self.p.claims.save_recap(record.id, target)
        self.p.messages.info(_tr("Récapitulatif enregistré : %1").replace("%1", str(target)))

    async def send_note(self) -> None:
        record = await self._stored()
        sent = await self.p.billing.fee_notes.send(record.id)
        self.p.messages.info(
            _tr("La note d'honoraires N° %1 a déjà été envoyée dans la conversation.").replace(
                "%1", sent.number
            )
            if sent.already_sent
            else _tr("Note d'honoraires N° %1 envoyée dans la conversation.").replace("%1", sent.number)
        )

    async def ask_payment(self) -> None:
        if self.p.conversation_id is None:
            raise UserFacingError(_tr("Cette feuille de soins n'est liée à aucune conversation."))
        record = await self._stored()
        self.p.payment_dialog_requested.emit(self.p.conversation_id, record.id)
