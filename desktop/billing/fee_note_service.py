"""« Envoyer la note d'honoraires »: number it, draw it, send it into the conversation, link it.

One click does four things, each safe to repeat after a failure:

1. `POST /billing/notes` with an id derived from the claim's: the server allocates the next number
   of the year (`2026-0042`, no gap) and a retry gets the same number back;
2. `ReportlabNoteRenderer` draws the PDF in a worker thread (the UI never waits on ReportLab);
3. the PDF is uploaded as a document of the conversation, under an id derived from the note's
   (a retry never posts it twice), and shown in the conversation at once;
4. `PATCH /billing/notes/{id}` links the document to the note.

The practitioner's identity (name, profession, RPPS, AM number, sector, address) comes from `/me`;
the payment part from what the patient paid for the consultation (`ConsultationPayment`). A claim
that contradicts that payment gets no note (a French refusal, nothing numbered). `preview` gives
the note as it will be sent, before the server numbers it (« Envoyer » / « Modifier »).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Protocol

from contracts.billing.errors import BillingError
from contracts.clock import Clock, paris_day
from contracts.wire.billing import NotePublic
from contracts.wire.conversations import MessagePublic
from desktop.api.transfers import Progress
from desktop.billing.claims import ClaimRecord, ClaimService, user_facing
from desktop.billing.consultation_payment import ConsultationPayment
from desktop.billing.fee_notes import FeeNote, PractitionerIdentity, fee_note_from_claim
from desktop.billing.payments import PaymentService
from desktop.domain.errors import UserFacingError

log = logging.getLogger(__name__)

_NAMESPACE = uuid.UUID("5d0c7a8e-3c1b-4f0e-9a57-6a1f2b7c9d40")  # ids derived for idempotent retries
PREVIEW_NUMBER = "0000-0000"  # a note shown before sending has no number yet (the server gives it)


class FeeNoteServer(Protocol):
    """The note routes (`desktop.billing.api_client.BillingApiClient`)."""

    async def create_note(
        self,
        note_id: str,
        total: Decimal,
        *,
        label: str | None = None,
        conversation_id: str | None = None,
        claim_id: str | None = None,
        payment_id: str | None = None,
    ) -> NotePublic: ...
    async def link_note(self, note_id: str, attachment_id: str) -> NotePublic: ...


class DocumentUploader(Protocol):
    """The attachments upload of the conversation (`desktop.api.client.ApiClient`)."""

    async def upload_attachment(
        self,
        conversation_id: str,
        attachment_id: str,
        path: Path,
        filename: str,
        progress: Progress | None = None,
    ) -> MessagePublic: ...


class ConversationMessages(Protocol):
    """Where a sent document appears (`desktop.services.conversations.ConversationService`)."""

    async def apply_message(self, message: MessagePublic, *, live: bool = True) -> None: ...


@dataclass(frozen=True, slots=True)
class SentFeeNote:
    """A note d'honoraires sent into the conversation."""

    id: str
    number: str
    attachment_id: str
    already_sent: bool = False


def note_id_for(claim_id: str) -> str:
    """The note's client id for a claim: the same claim always asks for the same number."""
    return str(uuid.uuid5(_NAMESPACE, f"note:{claim_id}"))


def attachment_id_for(note_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"note-pdf:{note_id}"))


class FeeNoteService:
    """Sends notes d'honoraires of stored claims."""

    def __init__(
        self,
        server: FeeNoteServer,
        billing: ClaimService,
        payments: PaymentService,
        uploader: DocumentUploader,
        conversations: ConversationMessages,
        work_dir: Path,
        clock: Clock,
    ) -> None:
        self._server = server
        self._clock = clock
        self._billing = billing
        self._payments = payments
        self._uploader = uploader
        self._conversations = conversations
        self._work_dir = work_dir

    async def _paid(self, record: ClaimRecord) -> ConsultationPayment | None:
        """What the patient paid for this claim's consultation (its conversation's payments loaded first)."""
        if record.conversation_id is None:
            return None
        if not self._payments.is_loaded(record.conversation_id):
            await self._payments.load(record.conversation_id)
        return ConsultationPayment.of(record.claim, self._payments.of(record.conversation_id))

    async def preview(self, claim_id: str) -> FeeNote:
        """The note as it will be sent (number `PREVIEW_NUMBER`: the server numbers it on sending).

        Raises:
            UserFacingError: as `send`, before anything is numbered or sent.
        """
        record = await self._billing.record(claim_id)
        self._check(record)
        profile = await self._billing.load_profile()
        return self._note(
            record, PREVIEW_NUMBER, await self._paid(record), profile.identity(record.claim.practitioner)
        )

    async def preview_pdf(self, note: FeeNote) -> bytes:
        """The PDF of a previewed note, drawn in a worker thread by the renderer `send` uses.

        It reads « N° attribué à l'envoi » and is marked « APERÇU — non envoyé » on every page;
        nothing is numbered, written or sent.
        """
        renderer = self._billing.renderer()
        return await asyncio.to_thread(lambda: renderer.render_note(note, preview=True))

    def _check(self, record: ClaimRecord) -> None:
        if record.conversation_id is None:
            raise UserFacingError(
                "Cette feuille de soins n'est liée à aucune conversation : "
                "la note ne peut pas y être envoyée."
            )
        if not record.claim.amounts_complete:
            raise UserFacingError("Saisissez tous les montants avant d'établir la note d'honoraires.")

    async def send(self, claim_id: str) -> SentFeeNote:
        """Number, render, upload and link the note of a stored claim.

        Raises:
            UserFacingError: the claim has no conversation or an amount to enter, or the server refused.
        """
        record = await self._billing.record(claim_id)
        claim, conversation_id = record.claim, record.conversation_id
        self._check(record)
        assert conversation_id is not None  # checked above
        profile = await self._billing.load_profile()
        payment = await self._paid(record)
        identity = profile.identity(claim.practitioner)
        self._note(record, PREVIEW_NUMBER, payment, identity)  # refuses a contradictory record first
        note_id = note_id_for(claim.id)
        stored = await self._server.create_note(
            note_id,
            claim.total,
            label=f"Téléconsultation du {paris_day(claim.performed_at).strftime('%d/%m/%Y')}",
            conversation_id=conversation_id,
            claim_id=claim.id,
            payment_id=payment.payment_id if payment else None,
        )
        number = stored.number
        if stored.attachment_id:
            return SentFeeNote(note_id, number, stored.attachment_id, already_sent=True)
        note = self._note(record, number, payment, identity)
        pdf = await asyncio.to_thread(lambda: self._billing.renderer().render_note(note))
        attachment_id = attachment_id_for(note_id)
        path = self._work_dir / f"{attachment_id}.pdf"
        await asyncio.to_thread(_write, path, pdf)
        try:
            message = await self._uploader.upload_attachment(
                conversation_id, attachment_id, path, f"note-honoraires-{number}.pdf"
            )
        finally:
            await asyncio.to_thread(path.unlink, True)
        await self._conversations.apply_message(message, live=False)
        stored_id = message.attachment.id if message.attachment else attachment_id
        await self._server.link_note(note_id, stored_id)
        log.info("note %s sent for claim %s", note_id, claim.id)
        return SentFeeNote(note_id, number, stored_id)

    def _note(
        self,
        record: ClaimRecord,
        number: str,
        payment: ConsultationPayment | None,
        identity: PractitionerIdentity,
    ) -> FeeNote:
        """The note of `record`, its payment part taken from what the patient paid.

        Raises:
            UserFacingError: the claim contradicts the recorded payment (its French message).
        """
        claim, catalog = record.claim, self._billing.rules.catalog
        problems = payment.problems(claim, catalog) if payment else []
        if problems:
            raise UserFacingError(
                f"La note d'honoraires n'est pas établie : {problems[0].message} "
                "Corrigez la feuille de soins, puis envoyez la note.",
                field=problems[0].field,
            )
        try:
            return fee_note_from_claim(
                claim,
                number=number,
                practitioner=identity,
                issued_on=paris_day(self._clock()),
                payment_method=payment.method if payment else None,
                paid_amount=payment.amount if payment else None,
                paid_on=payment.paid_on if payment else None,
                catalog=catalog,
            )
        except BillingError as exc:
            raise user_facing(exc) from exc


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
