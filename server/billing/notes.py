"""Notes d'honoraires: one gap-free, duplicate-free numbering per practitioner and calendar year.

The number is allocated in the transaction that records the note: the practitioner's counter row
for the year is created if missing (INSERT … ON CONFLICT DO NOTHING), then incremented with
``UPDATE … RETURNING``, which locks it until the commit. Concurrent requests therefore queue on
that row (PostgreSQL) or on the single writer (SQLite), and a transaction that fails rolls its
increment back with it: no gap, no duplicate. The year is the French calendar year of issue. A
client-generated id makes a retried request return the note already numbered instead of a second
number. The desktop renders the PDF with the number, uploads it to the conversation, then links it.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.clock import PARIS
from contracts.fr_format import eur
from contracts.wire.billing import NoteEvent, NotePublic, NotesPublic
from server.attachments.models import Attachment
from server.billing.claims import ClaimService
from server.billing.models import BillingNote, NoteCounter
from server.conversations.models import Conversation
from server.conversations.service import ConversationService
from server.db.base import insert_ignoring_conflict
from server.kernel.core import Actor, Core, Tx
from server.kernel.errors import ConflictError, InvalidInputError, NotFoundError
from server.kernel.values import check_label, check_uuid, euros, parse_amount

NOT_FOUND = "Note d'honoraires introuvable."


def note_number(year: int, sequence: int) -> str:
    """ "2026-0042" (at least four digits, more past 9 999)."""
    return f"{year}-{sequence:04d}"


def note_public(row: BillingNote) -> NotePublic:
    return NotePublic(
        id=row.id,
        number=note_number(row.year, row.sequence),
        year=row.year,
        sequence=row.sequence,
        total=euros(row.total_cents),
        label=row.label,
        conversation_id=row.conversation_id,
        claim_id=row.claim_id,
        payment_id=row.payment_id,
        attachment_id=row.attachment_id,
        issued_at=row.issued_at,
        updated_at=row.updated_at,
    )


class PaymentOwners(Protocol):
    """Who asked a payment request (the payments feature answers; billing does not read its tables)."""

    async def practitioner_of(self, session: AsyncSession, payment_id: str) -> str | None: ...
    async def paid_cents(self, session: AsyncSession, payment_id: str) -> int | None: ...


class NoteService:
    """Numbered notes of the calling practitioner only."""

    def __init__(
        self, core: Core, conversations: ConversationService, claims: ClaimService, payments: PaymentOwners
    ) -> None:
        self._payments = payments
        self._core = core
        self._conversations = conversations
        self._claims = claims

    async def _load_own(
        self, session: AsyncSession, actor: Actor, note_id: str, *, lock: bool = False
    ) -> BillingNote:
        try:
            key = str(uuid.UUID(note_id))
        except (ValueError, AttributeError, TypeError):
            raise NotFoundError(NOT_FOUND) from None
        stmt = select(BillingNote).where(BillingNote.id == key)
        row = await session.scalar(stmt.with_for_update() if lock else stmt)
        if row is None or row.practitioner_id != actor.user_id:
            raise NotFoundError(NOT_FOUND)
        return row

    async def _next_number(self, tx: Tx, practitioner_id: str, year: int) -> int:
        await insert_ignoring_conflict(
            tx.session, NoteCounter, {"practitioner_id": practitioner_id, "year": year, "last_number": 0}
        )
        return int(
            (
                await tx.session.execute(
                    update(NoteCounter)
                    .where(NoteCounter.practitioner_id == practitioner_id, NoteCounter.year == year)
                    .values(last_number=NoteCounter.last_number + 1)
                    .returning(NoteCounter.last_number)
                )
            ).scalar_one()
        )

    async def _check_links(
        self,
        session: AsyncSession,
        actor: Actor,
        conversation_id: str | None,
        claim_id: str | None,
        payment_id: str | None,
    ) -> None:
        if conversation_id is not None:
            conv = await self._conversations.load_for(session, actor, conversation_id)
            if conv.practitioner_id != actor.user_id:
                raise NotFoundError("Conversation introuvable.")
        if claim_id is not None:
            try:
                await self._claims.load_own(session, actor, claim_id)
            except NotFoundError as exc:
                exc.field = "claim_id"
                raise
        if payment_id is not None:
            owner = await self._payments.practitioner_of(session, payment_id)
            if owner is None or owner != actor.user_id:
                raise NotFoundError("Demande de paiement introuvable.", field="payment_id")

    async def create(
        self,
        actor: Actor,
        *,
        total: object,
        label: str | None = None,
        conversation_id: str | None = None,
        claim_id: str | None = None,
        payment_id: str | None = None,
        note_id: str | None = None,
    ) -> tuple[NotePublic, bool]:
        """Number and record a note; a retry with the same `note_id` returns it (created False).

        Raises:
            InvalidInputError: bad total or label, or a paid request above the total (no number used).
            NotFoundError: a linked conversation, claim or payment that is not the practitioner's.
            ConflictError: `note_id` belongs to another note.
        """
        cents = parse_amount(total, "total")
        text = check_label(label, "label") if label else ""
        key = check_uuid(note_id, "id") if note_id else str(uuid.uuid4())
        conversation_key = check_uuid(conversation_id, "conversation_id") if conversation_id else None
        claim_key = check_uuid(claim_id, "claim_id") if claim_id else None
        payment_key = check_uuid(payment_id, "payment_id") if payment_id else None
        content = (cents, text, conversation_key, claim_key, payment_key)
        try:
            async with self._core.transaction() as tx:
                existing = await tx.session.get(BillingNote, key)
                if existing is not None:
                    return self._retried(existing, actor, content), False
                await self._check_links(tx.session, actor, conversation_key, claim_key, payment_key)
                paid = await self._payments.paid_cents(tx.session, payment_key) if payment_key else None
                if paid is not None and paid > cents:  # the note and its payment are one record
                    raise InvalidInputError(
                        f"Le paiement cité ({eur(Decimal(paid) / 100)}) dépasse le total de la note "
                        f"({eur(Decimal(cents) / 100)}) : vérifiez la feuille de soins.",
                        field="payment_id",
                    )
                year = tx.now.astimezone(PARIS).year
                sequence = await self._next_number(tx, actor.user_id or "", year)
                row = BillingNote(
                    id=key,
                    practitioner_id=actor.user_id,
                    year=year,
                    sequence=sequence,
                    conversation_id=conversation_key,
                    claim_id=claim_key,
                    payment_id=payment_key,
                    total_cents=cents,
                    label=text,
                    issued_at=tx.now,
                    updated_at=tx.now,
                )
                tx.session.add(row)
                await tx.session.flush()
                public = note_public(row)
                await tx.emit([row.practitioner_id], "note.created", NoteEvent(note=public))
                await tx.audit(actor, "note.create", "note", row.id)
                return public, True
        except IntegrityError:
            # A concurrent retry with the same id committed first (its number stands, ours rolled back).
            async with self._core.db.read() as session:
                existing = await session.get(BillingNote, key)
            if existing is None:
                raise
            return self._retried(existing, actor, content), False

    @staticmethod
    def _retried(
        row: BillingNote, actor: Actor, content: tuple[int, str, str | None, str | None, str | None]
    ) -> NotePublic:
        """The stored note of a retry; 409 when the id is another practitioner's or another note's."""
        stored = (row.total_cents, row.label, row.conversation_id, row.claim_id, row.payment_id)
        if row.practitioner_id != actor.user_id or stored != content:
            raise ConflictError("Cet identifiant de note est déjà utilisé.", code="id_in_use")
        return note_public(row)

    async def attach(self, actor: Actor, note_id: str, attachment_id: str) -> NotePublic:
        """Link the note's PDF, uploaded by the practitioner as a document of the conversation.

        Raises:
            NotFoundError: the note or the document is not the practitioner's.
            InvalidInputError: not a PDF, or a document of another conversation than the note's.
            ConflictError: the note already has another PDF (a numbered note is never replaced).
        """
        async with self._core.transaction() as tx:
            row = await self._load_own(tx.session, actor, note_id, lock=True)
            found = (
                await tx.session.execute(
                    select(Attachment, Conversation)
                    .join(Conversation, Conversation.id == Attachment.conversation_id)
                    .where(Attachment.id == check_uuid(attachment_id, "attachment_id"))
                )
            ).first()
            if (
                found is None
                or found[1].practitioner_id != actor.user_id
                or found[0].uploader_id != actor.user_id
            ):
                raise NotFoundError("Document introuvable.", field="attachment_id")
            attachment: Attachment = found[0]
            if attachment.content_type != "application/pdf":
                raise InvalidInputError("La note d'honoraires doit être un PDF.", field="attachment_id")
            if row.conversation_id is not None and attachment.conversation_id != row.conversation_id:
                raise InvalidInputError(
                    "Ce document a été envoyé dans une autre conversation que celle de la note.",
                    field="attachment_id",
                )
            if row.attachment_id == attachment.id:
                return note_public(row)
            if row.attachment_id is not None:
                raise ConflictError(
                    "Cette note d'honoraires a déjà son PDF : une note numérotée ne se remplace pas.",
                    code="note_already_linked",
                )
            row.attachment_id, row.updated_at = attachment.id, tx.now
            if row.conversation_id is None:
                row.conversation_id = attachment.conversation_id
            await tx.session.flush()
            public = note_public(row)
            await tx.emit([row.practitioner_id], "note.updated", NoteEvent(note=public))
            await tx.audit(actor, "note.update", "note", row.id)
            return public

    async def list(
        self,
        actor: Actor,
        *,
        year: int | None = None,
        conversation_id: str | None = None,
        claim_id: str | None = None,
        limit: int = 200,
    ) -> NotesPublic:
        """The practitioner's notes, latest number first."""
        stmt = select(BillingNote).where(BillingNote.practitioner_id == actor.user_id)
        if year is not None:
            stmt = stmt.where(BillingNote.year == year)
        if conversation_id is not None:
            stmt = stmt.where(BillingNote.conversation_id == conversation_id)
        if claim_id is not None:
            stmt = stmt.where(BillingNote.claim_id == claim_id)
        stmt = stmt.order_by(BillingNote.year.desc(), BillingNote.sequence.desc()).limit(
            max(1, min(limit, 1000))
        )
        async with self._core.db.read() as session:
            rows = (await session.scalars(stmt)).all()
        self._core.audit_read(actor, "note.list", "user", actor.user_id or "")
        return NotesPublic(items=[note_public(row) for row in rows])

    async def get(self, actor: Actor, note_id: str) -> NotePublic:
        async with self._core.db.read() as session:
            row = await self._load_own(session, actor, note_id)
        self._core.audit_read(actor, "note.read", "note", row.id)
        return note_public(row)
