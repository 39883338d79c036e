"""Connection requests: a patient asks a PRO+ practitioner found in the directory to get in touch.

The practitioner sees pending requests (« N demande(s) de mise en relation ») and accepts (the
conversation is created and opens with the patient's message) or declines (the patient is told
politely, and may ask again after 30 days). Events `connection_request.created` and
`connection_request.updated` reach both sides.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from contracts.fr_format import long_paris_date
from server.accounts.models import PractitionerProfile, User
from server.conversations.models import Conversation
from server.conversations.service import ConversationService, person_public
from server.invitations.directory import DirectoryService, practitioner_card
from server.invitations.models import ConnectionRequest
from server.kernel.core import Actor, Core, Tx
from server.kernel.errors import ConflictError, InvalidInputError, NotFoundError
from server.kernel.ratelimit import RateLimiter
from server.kernel.values import iso

MAX_MESSAGE = 500
REQUESTS_PER_DAY = 20
DECLINE_COOLDOWN = timedelta(days=30)
STATUS_LABELS = {"pending": "En attente", "accepted": "Acceptée", "declined": "Déclinée"}
STATUSES = tuple(STATUS_LABELS)


class ConnectionRequestService:
    """Use-cases of connection requests, for both roles (every read checks the actor's side)."""

    def __init__(
        self,
        core: Core,
        limiter: RateLimiter,
        conversations: ConversationService,
        directory: DirectoryService,
    ) -> None:
        self._core = core
        self._limiter = limiter
        self._conversations = conversations
        self._directory = directory

    async def _public(self, tx_or_session: Any, req: ConnectionRequest) -> dict[str, Any]:
        patient = await tx_or_session.get(User, req.patient_id)
        practitioner = await tx_or_session.get(User, req.practitioner_id)
        profile = await tx_or_session.get(PractitionerProfile, req.practitioner_id)
        return {
            "id": req.id,
            "patient": person_public(patient),
            "practitioner": practitioner_card(practitioner, profile),
            "message": req.message,
            "status": req.status,
            "status_label": STATUS_LABELS[req.status],
            "created_at": iso(req.created_at),
            "decided_at": iso(req.decided_at),
            "conversation_id": req.conversation_id,
        }

    async def _emit(self, tx: Tx, req: ConnectionRequest, event: str) -> dict[str, Any]:
        public = await self._public(tx.session, req)
        await tx.emit([req.practitioner_id, req.patient_id], event, {"request": public})
        return public

    # ---------------------------------------------------------------- patient side
    async def create(self, actor: Actor, practitioner_id: str, message: str) -> dict[str, Any]:
        """Ask a listed practitioner to get in touch.

        Returns:
            `{outcome: created|existing|existing_conversation, request, conversation_id}`.

        Raises:
            NotFoundError: the practitioner is not listed (unknown, or not PRO+).
            InvalidInputError: message too long.
            ConflictError: the practitioner declined a request less than 30 days ago.
        """
        text = message.strip()
        if len(text) > MAX_MESSAGE:
            raise InvalidInputError(
                f"Le message est trop long ({MAX_MESSAGE} caractères au plus).",
                code="message_too_long",
                field="message",
            )
        practitioner, _ = await self._directory.listed(practitioner_id)
        await self._limiter.hit(
            "connection_request",
            [f"pa:{actor.user_id}"],
            REQUESTS_PER_DAY,
            timedelta(days=1),
            "Vous avez envoyé beaucoup de demandes aujourd'hui. Réessayez demain.",
        )
        async with self._core.transaction() as tx:
            await tx.session.scalar(select(User.id).where(User.id == actor.user_id).with_for_update())
            conv_id = await tx.session.scalar(
                select(Conversation.id).where(
                    Conversation.practitioner_id == practitioner.id, Conversation.patient_id == actor.user_id
                )
            )
            if conv_id is not None:
                return {"outcome": "existing_conversation", "request": None, "conversation_id": conv_id}
            previous = list(
                (
                    await tx.session.execute(
                        select(ConnectionRequest)
                        .where(
                            ConnectionRequest.patient_id == actor.user_id,
                            ConnectionRequest.practitioner_id == practitioner.id,
                        )
                        .order_by(ConnectionRequest.created_at.desc())
                        .limit(1)
                    )
                ).scalars()
            )
            last = previous[0] if previous else None
            if last is not None and last.status == "pending":
                return {
                    "outcome": "existing",
                    "request": await self._public(tx.session, last),
                    "conversation_id": None,
                }
            if last is not None and last.status == "declined" and last.decided_at is not None:
                again = last.decided_at + DECLINE_COOLDOWN
                if again > tx.now:
                    raise ConflictError(
                        "Ce praticien n'a pas pu donner suite à votre demande récente. Vous pourrez en "
                        f"envoyer une nouvelle à partir du {long_paris_date(again)} ; vous pouvez aussi "
                        "contacter son cabinet directement.",
                        code="request_declined",
                    )
            req = ConnectionRequest(
                id=str(uuid.uuid4()),
                patient_id=actor.user_id,
                practitioner_id=practitioner.id,
                message=text,
                status="pending",
                created_at=tx.now,
                decided_at=None,
                conversation_id=None,
            )
            tx.session.add(req)
            await tx.session.flush()
            public = await self._emit(tx, req, "connection_request.created")
            await tx.audit(actor, "connection_request.create", "connection_request", req.id)
        return {"outcome": "created", "request": public, "conversation_id": None}

    # ---------------------------------------------------------------- both sides
    async def list_for(self, actor: Actor, status: str | None = None) -> list[dict[str, Any]]:
        """A practitioner's received requests (pending by default) or a patient's sent ones."""
        if status is not None and status not in STATUSES:
            raise InvalidInputError("Statut inconnu : pending, accepted ou declined.", field="status")
        column = ConnectionRequest.practitioner_id if actor.is_practitioner else ConnectionRequest.patient_id
        stmt = select(ConnectionRequest).where(column == actor.user_id)
        if status is not None:
            stmt = stmt.where(ConnectionRequest.status == status)
        stmt = stmt.order_by(ConnectionRequest.created_at.desc(), ConnectionRequest.id).limit(200)
        async with self._core.db.read() as session:
            rows = list((await session.execute(stmt)).scalars())
            out = [await self._public(session, r) for r in rows]
        self._core.audit_read(actor, "connection_request.list", "user", actor.user_id or "")
        return out

    # ---------------------------------------------------------------- practitioner side
    async def _load(self, tx: Tx, actor: Actor, request_id: str) -> ConnectionRequest:
        try:
            key = str(uuid.UUID(request_id))
        except (ValueError, AttributeError, TypeError):
            raise NotFoundError("Demande introuvable.") from None
        # Lock order: the practitioner's row first, as every transaction emitting to them does.
        await tx.session.execute(select(User.id).where(User.id == actor.user_id).with_for_update())
        req = await tx.session.scalar(
            select(ConnectionRequest).where(ConnectionRequest.id == key).with_for_update()
        )
        if req is None or req.practitioner_id != actor.user_id:
            raise NotFoundError("Demande introuvable.")
        return req

    async def accept(self, actor: Actor, request_id: str) -> dict[str, Any]:
        """Accept: the conversation is created (opening with the patient's message), both are told."""
        async with self._core.transaction() as tx:
            req = await self._load(tx, actor, request_id)
            if req.status == "accepted" and req.conversation_id:
                return {
                    "conversation_id": req.conversation_id,
                    "request": await self._public(tx.session, req),
                }
            if req.status == "declined":
                raise ConflictError("Vous avez déjà décliné cette demande.", code="request_declined")
            conv, created = await self._conversations.ensure_conversation(
                tx, req.practitioner_id, req.patient_id
            )
            if created and req.message:
                await self._conversations.append(
                    tx, conv, sender=Actor(req.patient_id, "patient"), body=req.message
                )
            req.status, req.decided_at, req.conversation_id = "accepted", tx.now, conv.id
            public = await self._emit(tx, req, "connection_request.updated")
            await tx.audit(actor, "connection_request.accept", "connection_request", req.id)
        return {"conversation_id": conv.id, "request": public}

    async def decline(self, actor: Actor, request_id: str) -> dict[str, Any]:
        """Decline: the patient is told politely; declining twice is harmless."""
        async with self._core.transaction() as tx:
            req = await self._load(tx, actor, request_id)
            if req.status == "declined":
                return {"request": await self._public(tx.session, req)}
            if req.status == "accepted":
                raise ConflictError(
                    "Cette demande est déjà acceptée : la conversation existe.", code="request_accepted"
                )
            req.status, req.decided_at = "declined", tx.now
            public = await self._emit(tx, req, "connection_request.updated")
            await tx.audit(actor, "connection_request.decline", "connection_request", req.id)
        return {"request": public}
