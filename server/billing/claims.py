"""SESAM-sans-Vitale claims stored for their practitioner: created, edited as drafts, moved along.

A claim is the desktop's document (checked by `claim_documents`) plus the columns the server
filters on. Only its practitioner ever reads or changes it (anyone else gets 404, a patient 403
at the route), and every access is audited. The status and its history are the server's: a PUT
edits a draft's content, `set_status` moves it along the same machine as the desktop
(brouillon → prête → exportée → télétransmise → payée / rejetée, and back to brouillon from prête,
exportée or rejetée), each step appended to the document's history in the same transaction.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.billing.claims import ClaimStatus
from contracts.billing.document import read_document
from contracts.billing.validation import ClaimValidator
from contracts.wire.billing import ClaimEvent, ClaimPublic, ClaimsPublic, ClaimSummaryPublic
from contracts.wire.common import find_text_problem
from server.accounts.models import User
from server.billing.documents import (
    CREATABLE,
    CheckedClaim,
    check_document,
    check_ready,
    check_transition,
)
from server.billing.models import Claim
from server.conversations.service import ConversationService
from server.kernel.core import Actor, Core, Tx
from server.kernel.errors import ConflictError, InvalidInputError, NotFoundError
from server.kernel.values import euros, iso, paris_days

NOT_FOUND = "Demande de prise en charge introuvable."


MAX_NOTE = 500


TRANSPORT_FIELDS = ("conversation_id", "version")


# The document's free texts written on several lines (an override's reason, a status change's note).
MULTILINE_KEYS = frozenset({"reason", "note"})


def claim_summary(row: Claim) -> ClaimSummaryPublic:
    """What events carry: no patient data."""
    return ClaimSummaryPublic(
        id=row.id,
        status=row.status,
        status_label=ClaimStatus(row.status).label,
        conversation_id=row.conversation_id,
        performed_at=row.performed_at,
        total=euros(row.total_cents),
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def claim_public(row: Claim) -> ClaimPublic:
    return ClaimPublic(**dict(claim_summary(row)), document=row.document)


class ClaimService:
    """Claims of the calling practitioner only."""

    def __init__(self, core: Core, conversations: ConversationService) -> None:
        self._core = core
        self._validator = ClaimValidator(core.clock)
        self._conversations = conversations

    async def load_own(
        self, session: AsyncSession, actor: Actor, claim_id: str, *, lock: bool = False
    ) -> Claim:
        """The claim if it is the actor's; NotFoundError otherwise (no existence leak)."""
        try:
            key = str(uuid.UUID(claim_id))
        except (ValueError, AttributeError, TypeError):
            raise NotFoundError(NOT_FOUND) from None
        stmt = select(Claim).where(Claim.id == key)
        row = await session.scalar(stmt.with_for_update() if lock else stmt)
        if row is None or row.practitioner_id != actor.user_id:
            raise NotFoundError(NOT_FOUND)
        return row

    async def _conversation_id(self, session: AsyncSession, actor: Actor, value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise InvalidInputError("Identifiant de conversation invalide.", field="conversation_id")
        conv = await self._conversations.load_for(session, actor, value)
        if conv.practitioner_id != actor.user_id:
            raise NotFoundError("Conversation introuvable.")
        return conv.id

    @staticmethod
    def _split(body: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        if not isinstance(body, dict):
            raise InvalidInputError("Le corps de la requête doit être un objet JSON.")
        found = find_text_problem(body, multiline_keys=MULTILINE_KEYS)
        if found is not None:  # the input policy of every request body (contracts.wire.common)
            where, problem = found
            raise InvalidInputError(f"Le champ « {where} » est invalide : {problem}.", field=where)
        document = {k: v for k, v in body.items() if k not in TRANSPORT_FIELDS}
        return document, {k: body[k] for k in TRANSPORT_FIELDS if k in body}

    async def _changed(self, tx: Tx, actor: Actor, row: Claim, action: str) -> None:
        await tx.emit([row.practitioner_id], "claim.updated", ClaimEvent(claim=claim_summary(row)))
        await tx.audit(actor, action, "claim", row.id)

    # ---------------------------------------------------------------- writes
    async def create(self, actor: Actor, body: Any) -> tuple[ClaimPublic, bool]:
        """Store a new claim (brouillon, or prête when already validated on the desktop).

        A retry of the same document returns the stored claim (created False).

        Raises:
            InvalidInputError: the document fails the checks (nothing stored).
            NotFoundError: the conversation is not the practitioner's.
            ConflictError: the id is taken by a different document, or the status is further on.
        """
        document, transport = self._split(body)
        checked = check_document(document)
        if checked.status is ClaimStatus.PRETE:
            check_ready(checked.claim, self._core.clock, self._validator)
        if checked.status not in CREATABLE:
            raise ConflictError(
                "Une nouvelle demande est enregistrée en brouillon (ou prête, si elle est déjà validée) ; "
                "les étapes suivantes passent par le changement de statut.",
                code="claim_status_refused",
            )
        try:
            async with self._core.transaction() as tx:
                conversation_id = await self._conversation_id(
                    tx.session, actor, transport.get("conversation_id")
                )
                existing = await tx.session.get(Claim, checked.id)
                if existing is not None:
                    return self._retried(existing, actor, checked), False
                row = Claim(
                    id=checked.id,
                    practitioner_id=actor.user_id,
                    conversation_id=conversation_id,
                    status=checked.status,
                    performed_at=checked.performed_at,
                    total_cents=checked.total_cents,
                    document=checked.document,
                    version=1,
                    created_at=tx.now,
                    updated_at=tx.now,
                )
                tx.session.add(row)
                await tx.session.flush()
                await self._changed(tx, actor, row, "claim.create")
                return claim_public(row), True
        except IntegrityError:
            async with self._core.db.read() as session:
                existing = await session.get(Claim, checked.id)
            if existing is None:
                raise
            return self._retried(existing, actor, checked), False

    @staticmethod
    def _retried(row: Claim, actor: Actor, checked: CheckedClaim) -> ClaimPublic:
        if row.practitioner_id != actor.user_id:
            raise ConflictError("Cet identifiant de demande est déjà utilisé.", code="id_in_use")
        if row.document != checked.document:
            raise ConflictError(
                "Cette demande existe déjà sur le serveur : modifiez-la (PUT) au lieu de la recréer.",
                code="claim_exists",
            )
        return claim_public(row)

    async def update(self, actor: Actor, claim_id: str, body: Any) -> ClaimPublic:
        """Replace a draft's content (its status and history stay the server's).

        Raises:
            ConflictError: not a draft, the document's status differs, or `version` is stale.
        """
        document, transport = self._split(body)
        async with self._core.transaction() as tx:
            row = await self.load_own(tx.session, actor, claim_id, lock=True)
            checked = check_document(document, row.id)
            version = transport.get("version")
            if version is not None and version != row.version:
                raise ConflictError(
                    "Cette demande a été modifiée entre-temps (sur un autre poste) : rechargez-la avant "
                    "de la modifier.",
                    code="claim_changed",
                )
            if row.status != "brouillon":
                raise ConflictError(
                    f"La demande est « {ClaimStatus(row.status).label} » : repassez-la en brouillon pour la "
                    "modifier.",
                    code="claim_locked",
                )
            if checked.status != row.status:
                raise ConflictError(
                    "Le statut d'une demande se change avec POST /billing/claims/{id}/status, pas en la "
                    "modifiant.",
                    code="claim_status_refused",
                )
            content = {**checked.document, "history": row.document.get("history", [])}
            conversation_id = row.conversation_id
            if "conversation_id" in transport:
                conversation_id = await self._conversation_id(tx.session, actor, transport["conversation_id"])
            if content == row.document and conversation_id == row.conversation_id:
                return claim_public(row)
            row.document, row.conversation_id = content, conversation_id
            row.performed_at, row.total_cents = checked.performed_at, checked.total_cents
            row.version, row.updated_at = row.version + 1, tx.now
            await tx.session.flush()
            await self._changed(tx, actor, row, "claim.update")
            return claim_public(row)

    async def set_status(self, actor: Actor, claim_id: str, status: str, note: str | None) -> ClaimPublic:
        """Move a claim to `status`; the same status again is a no-op (a retried call).

        Raises:
            InvalidInputError: unknown status or note too long.
            ConflictError: the machine does not allow this step (French reason).
        """
        note = (note or "").strip()
        if len(note) > MAX_NOTE:
            raise InvalidInputError(f"La note est trop longue ({MAX_NOTE} caractères au plus).", field="note")
        async with self._core.transaction() as tx:
            row = await self.load_own(tx.session, actor, claim_id, lock=True)
            target = check_transition(row.status, status)
            if row.status == status:
                return claim_public(row)
            if target is ClaimStatus.PRETE:
                check_ready(read_document(row.document).to_claim(), self._core.clock, self._validator)
            user = await tx.session.get(User, actor.user_id)
            by = f"{user.first_name} {user.last_name}" if user is not None else ""
            change = {"from": row.status, "to": status, "by": by, "at": iso(tx.now), "note": note}
            history = list(row.document.get("history") or [])
            row.document = {**row.document, "status": status, "history": [*history, change]}
            row.status, row.version, row.updated_at = status, row.version + 1, tx.now
            await tx.session.flush()
            await self._changed(tx, actor, row, "claim.status")
            return claim_public(row)

    # ---------------------------------------------------------------- reads
    async def list(
        self,
        actor: Actor,
        *,
        status: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        limit: int = 200,
    ) -> ClaimsPublic:
        """The practitioner's claims, most recent act first; days are French calendar days."""
        if status is not None and status not in {s.value for s in ClaimStatus}:
            raise InvalidInputError("Statut inconnu.", field="status")
        stmt = select(Claim).where(
            Claim.practitioner_id == actor.user_id, *paris_days(Claim.performed_at, date_from, date_to)
        )
        if status is not None:
            stmt = stmt.where(Claim.status == status)
        stmt = stmt.order_by(Claim.performed_at.desc(), Claim.id).limit(max(1, min(limit, 500)))
        async with self._core.db.read() as session:
            rows = (await session.scalars(stmt)).all()
        self._core.audit_read(actor, "claim.list", "user", actor.user_id or "")
        return ClaimsPublic(items=[claim_public(row) for row in rows])

    async def get(self, actor: Actor, claim_id: str) -> ClaimPublic:
        async with self._core.db.read() as session:
            row = await self.load_own(session, actor, claim_id)
        self._core.audit_read(actor, "claim.read", "claim", row.id)
        return claim_public(row)
