"""Invitations, practitioner side: create, list, correct, resend, cancel, copy the link; delivery.

Only a PRO+ practitioner sends invitations. Inviting a contact who already has a conversation
with the practitioner returns that conversation; inviting a contact with an open invitation
updates that invitation (new link, 15 days again) instead of creating a second one, unless it is
the same invitation asked again while its message is on its way or just sent (`DUPLICATE_WINDOW`):
a double click, a retry or ten identical requests at once send one message. Every send
goes through the persisted delivery queue, after the commit; this service is also the queue's
handler for invitation jobs (it mints the link when the job is claimed).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select

from contracts.text import words
from contracts.wire.invitations import (
    InvitationLinkPublic,
    InvitationOutcomePublic,
    InvitationPublic,
    InvitationsPublic,
    InvitationValidationPublic,
)
from server.accounts.models import PractitionerProfile, User
from server.conversations.models import Conversation
from server.conversations.service import ConversationService
from server.delivery.models import DeliveryJob
from server.delivery.queue import DeliveryQueue
from server.invitations.models import Invitation
from server.invitations.records import (
    KIND,
    OPEN_STATUSES,
    CleanInvitation,
    InvitationDraft,
    effective_status,
    emit_invitation,
    invitation_expiry,
    invitation_public,
    link_url,
    lock_user,
    mint_link,
    revoke_links,
    search_key,
    validate_invitation,
)
from server.kernel.core import Actor, Core, Tx
from server.kernel.errors import ConflictError, InvalidInputError, NotFoundError, PlanRequiredError
from server.kernel.ratelimit import RateLimiter, record_in

UNSET: Any = object()
# An identical invitation asked again within this time of its message being sent sends nothing.
DUPLICATE_WINDOW = timedelta(minutes=2)


@dataclass(frozen=True)
class InvitationChanges:
    """A correction: only the fields given change (UNSET = keep; "" or None = remove a contact)."""

    first_name: Any = UNSET
    last_name: Any = UNSET
    email: Any = UNSET
    phone: Any = UNSET


class InvitationService:
    """Use-cases of the practitioner's invitations, and the delivery handler of invitation jobs."""

    def __init__(
        self, core: Core, limiter: RateLimiter, conversations: ConversationService, queue: DeliveryQueue
    ) -> None:
        self._core = core
        self._limiter = limiter
        self._conversations = conversations
        self._queue = queue

    # ---------------------------------------------------------------- checks
    async def _require_plus(self, actor: Actor) -> None:
        async with self._core.db.read() as session:
            plan = await session.scalar(
                select(PractitionerProfile.plan).where(PractitionerProfile.user_id == actor.user_id)
            )
        if plan != "PRO+":
            raise PlanRequiredError(
                "Inviter un patient autonome nécessite la formule PRO+. Votre formule actuelle est "
                f"{plan or 'PRO'} : passez à la formule PRO+ pour envoyer des invitations."
            )

    async def _check_sends(self, actor: Actor) -> None:
        """Refuse a send past the daily cap (counted by `_count_send` inside the send's transaction)."""
        await self._limiter.check(
            "invitation_send",
            [f"pr:{actor.user_id}"],
            self._core.settings.invitations_per_day,
            timedelta(days=1),
            "Vous avez envoyé beaucoup d'invitations aujourd'hui. Réessayez demain.",
        )

    @staticmethod
    async def _count_send(tx: Tx, actor: Actor) -> None:
        # In the invitation's own transaction: one commit (one disk sync) per invitation, not two.
        await record_in(tx.session, "invitation_send", [f"pr:{actor.user_id}"], tx.now)

    async def _load(self, tx: Tx, actor: Actor, invitation_id: str) -> Invitation:
        """The actor's invitation, locked; NotFoundError for any other id (no existence leak)."""
        try:
            key = str(uuid.UUID(invitation_id))
        except (ValueError, AttributeError, TypeError):
            raise NotFoundError("Invitation introuvable.") from None
        await lock_user(tx.session, actor.user_id or "")  # lock order: practitioner, invitation, job
        inv = await tx.session.scalar(select(Invitation).where(Invitation.id == key).with_for_update())
        if inv is None or inv.practitioner_id != actor.user_id:
            raise NotFoundError("Invitation introuvable.")
        return inv

    @staticmethod
    def _require_open(inv: Invitation) -> None:
        if inv.status == "accepted":
            raise ConflictError(
                "Cette invitation a déjà été acceptée : le patient est dans vos conversations.",
                code="invitation_accepted",
            )
        if inv.status == "cancelled":
            raise ConflictError(
                "Cette invitation a été annulée : créez-en une nouvelle.", code="invitation_cancelled"
            )

    async def _conversation_with(self, tx: Tx, practitioner_id: str, clean: CleanInvitation) -> str | None:
        contact = []
        if clean.email:
            contact.append(User.email == clean.email)
        if clean.phone:
            contact.append(User.phone == clean.phone)
        return await tx.session.scalar(
            select(Conversation.id)
            .join(User, User.id == Conversation.patient_id)
            .where(Conversation.practitioner_id == practitioner_id, User.role == "patient", or_(*contact))
            .limit(1)
        )

    async def _open_for_contact(
        self, tx: Tx, practitioner_id: str, clean: CleanInvitation, exclude: str | None = None
    ) -> Invitation | None:
        contact = []
        if clean.email:
            contact.append(Invitation.email == clean.email)
        if clean.phone:
            contact.append(Invitation.phone == clean.phone)
        stmt = select(Invitation).where(
            Invitation.practitioner_id == practitioner_id,
            Invitation.status.in_(OPEN_STATUSES),
            or_(*contact),
        )
        if exclude is not None:
            stmt = stmt.where(Invitation.id != exclude)
        return await tx.session.scalar(stmt.order_by(Invitation.created_at.desc()).limit(1))

    # ---------------------------------------------------------------- use-cases
    async def validate(self, actor: Actor, draft: InvitationDraft) -> InvitationValidationPublic:
        """The channel and normalised contacts a creation would use (inline form checks)."""
        await self._require_plus(actor)
        clean = validate_invitation(draft)
        return InvitationValidationPublic(channel=clean.channel, email=clean.email, phone=clean.phone)

    async def create(self, actor: Actor, draft: InvitationDraft) -> InvitationOutcomePublic:
        """Invite a patient; or return their conversation; or update their open invitation.

        Raises:
            PlanRequiredError: the practitioner is not PRO+.
            InvalidInputError: a field is invalid (French sentence naming it).
        """
        await self._require_plus(actor)
        clean = validate_invitation(draft)
        await self._check_sends(actor)
        async with self._core.transaction() as tx:
            # Serialise a practitioner's invitations: two quick clicks must not invite twice.
            await lock_user(tx.session, actor.user_id or "")
            conversation_id = await self._conversation_with(tx, actor.user_id or "", clean)
            if conversation_id is not None:
                await tx.audit(actor, "invitation.existing_conversation", "conversation", conversation_id)
                return InvitationOutcomePublic(
                    outcome="existing_conversation", invitation=None, conversation_id=conversation_id
                )
            inv = await self._open_for_contact(tx, actor.user_id or "", clean)
            if inv is not None and await self._same_on_its_way(tx, inv, clean):
                # The same request again (double click, retry, concurrent copies): one message.
                renewed = inv.expires_at != invitation_expiry(inv.created_at)
                return InvitationOutcomePublic(
                    outcome="updated" if renewed else "created",
                    invitation=invitation_public(inv, tx.now),
                    conversation_id=None,
                )
            outcome = "updated" if inv is not None else "created"
            if inv is None:
                inv = Invitation(
                    id=str(uuid.uuid4()),
                    practitioner_id=actor.user_id,
                    created_at=tx.now,
                    updated_at=tx.now,
                    expires_at=invitation_expiry(tx.now),
                    status="pending",
                    search_key="",
                )
                tx.session.add(inv)
            self._apply(inv, clean)
            await self._renew(tx, inv)
            await self._count_send(tx, actor)
            await tx.audit(
                actor, f"invitation.{'create' if outcome == 'created' else 'update'}", "invitation", inv.id
            )
            public = invitation_public(inv, tx.now)
        self._queue.notify()
        return InvitationOutcomePublic(outcome=outcome, invitation=public, conversation_id=None)

    @staticmethod
    async def _same_on_its_way(tx: Tx, inv: Invitation, clean: CleanInvitation) -> bool:
        """Whether `inv` already is `clean`, pending, with its message queued, in flight or just sent."""
        current = (inv.first_name, inv.last_name, inv.email, inv.phone, inv.channel)
        if current != (clean.first_name, clean.last_name, clean.email, clean.phone, clean.channel):
            return False
        if effective_status(inv, tx.now) != "pending":
            return False
        job = await tx.session.scalar(
            select(DeliveryJob.id)
            .where(
                DeliveryJob.kind == KIND,
                DeliveryJob.ref_id == inv.id,
                DeliveryJob.channel == inv.channel,
                or_(
                    DeliveryJob.status == "queued",
                    and_(DeliveryJob.status == "sent", DeliveryJob.sent_at >= tx.now - DUPLICATE_WINDOW),
                ),
            )
            .limit(1)
        )
        return job is not None

    @staticmethod
    def _apply(inv: Invitation, clean: CleanInvitation) -> None:
        inv.first_name, inv.last_name = clean.first_name, clean.last_name
        inv.email, inv.phone, inv.channel = clean.email, clean.phone, clean.channel
        inv.search_key = search_key(clean.first_name, clean.last_name, clean.email, clean.phone)

    async def _renew(self, tx: Tx, inv: Invitation) -> None:
        """Old links die, the 15 days restart and a new message is queued."""
        await revoke_links(tx.session, inv.id, tx.now)
        await self._queue.cancel_for(tx, KIND, inv.id)
        inv.status, inv.delivery_error, inv.sent_at = "pending", None, None
        inv.expires_at, inv.updated_at = invitation_expiry(tx.now), tx.now
        await tx.session.flush()
        await self._queue.enqueue(tx, KIND, inv.id, inv.channel)
        await self._emit(tx, inv)

    async def _emit(self, tx: Tx, inv: Invitation) -> None:
        await emit_invitation(tx, inv)

    async def list(
        self, actor: Actor, *, query: str = "", status: str | None = None, limit: int = 100
    ) -> InvitationsPublic:
        """The practitioner's invitations, newest first, filtered by name/contact words and status."""
        now = self._core.clock()
        stmt = select(Invitation).where(Invitation.practitioner_id == actor.user_id)
        if status:
            if status == "pending":
                stmt = stmt.where(Invitation.status == "pending", Invitation.expires_at > now)
            elif status == "expired":
                stmt = stmt.where(
                    or_(
                        Invitation.status == "expired",
                        and_(Invitation.status == "pending", Invitation.expires_at <= now),
                    )
                )
            elif status in ("accepted", "cancelled", "delivery_failed"):
                stmt = stmt.where(Invitation.status == status)
            else:
                raise InvalidInputError(
                    "Statut inconnu : pending, accepted, expired, cancelled ou delivery_failed.",
                    field="status",
                )
        for word in words(query)[:6]:
            stmt = stmt.where(Invitation.search_key.contains(word[:64], autoescape=True))
        stmt = stmt.order_by(Invitation.created_at.desc(), Invitation.id).limit(max(1, min(limit, 500)))
        async with self._core.db.read() as session:
            rows = list((await session.execute(stmt)).scalars())
        self._core.audit_read(actor, "invitation.list", "user", actor.user_id or "")
        return InvitationsPublic(items=[invitation_public(inv, now) for inv in rows])

    async def get(self, actor: Actor, invitation_id: str) -> InvitationPublic:
        async with self._core.transaction() as tx:
            inv = await self._load(tx, actor, invitation_id)
        self._core.audit_read(actor, "invitation.read", "invitation", inv.id)
        return invitation_public(inv, self._core.clock())

    async def correct(self, actor: Actor, invitation_id: str, changes: InvitationChanges) -> InvitationPublic:
        """Change names or contacts before acceptance: the old link dies, a new one is sent."""
        await self._require_plus(actor)
        async with self._core.transaction() as tx:
            inv = await self._load(tx, actor, invitation_id)
            self._require_open(inv)
            current = (inv.first_name, inv.last_name, inv.email, inv.phone)
        merged = InvitationDraft(
            first_name=current[0] if changes.first_name is UNSET else changes.first_name or "",
            last_name=current[1] if changes.last_name is UNSET else changes.last_name or "",
            email=current[2] if changes.email is UNSET else changes.email,
            phone=current[3] if changes.phone is UNSET else changes.phone,
        )
        clean = validate_invitation(merged)
        if (clean.first_name, clean.last_name, clean.email, clean.phone) == current:
            return await self.get(actor, invitation_id)  # nothing changed: nothing to send
        await self._check_sends(actor)
        async with self._core.transaction() as tx:
            inv = await self._load(tx, actor, invitation_id)
            self._require_open(inv)
            if await self._conversation_with(tx, inv.practitioner_id, clean) is not None:
                raise ConflictError(
                    "Ce patient a déjà une conversation avec vous : retrouvez-la dans votre liste.",
                    code="existing_conversation",
                )
            if await self._open_for_contact(tx, inv.practitioner_id, clean, exclude=inv.id) is not None:
                raise ConflictError(
                    "Une autre invitation est déjà ouverte pour ce contact : corrigez ou annulez-la.",
                    code="duplicate_invitation",
                )
            self._apply(inv, clean)
            await self._renew(tx, inv)
            await self._count_send(tx, actor)
            await tx.audit(actor, "invitation.correct", "invitation", inv.id)
            public = invitation_public(inv, tx.now)
        self._queue.notify()
        return public

    async def resend(self, actor: Actor, invitation_id: str) -> InvitationPublic:
        """A new link by the same channel; the 15 days restart."""
        await self._require_plus(actor)
        await self._check_sends(actor)
        async with self._core.transaction() as tx:
            inv = await self._load(tx, actor, invitation_id)
            self._require_open(inv)
            await self._renew(tx, inv)
            await self._count_send(tx, actor)
            await tx.audit(actor, "invitation.resend", "invitation", inv.id)
            public = invitation_public(inv, tx.now)
        self._queue.notify()
        return public

    async def cancel(self, actor: Actor, invitation_id: str) -> InvitationPublic:
        """Links die and nothing more is sent; cancelling twice is harmless."""
        async with self._core.transaction() as tx:
            inv = await self._load(tx, actor, invitation_id)
            if inv.status == "cancelled":
                return invitation_public(inv, tx.now)
            self._require_open(inv)
            await revoke_links(tx.session, inv.id, tx.now)
            await self._queue.cancel_for(tx, KIND, inv.id)
            inv.status, inv.cancelled_at, inv.updated_at = "cancelled", tx.now, tx.now
            await self._emit(tx, inv)
            await tx.audit(actor, "invitation.cancel", "invitation", inv.id)
            return invitation_public(inv, tx.now)

    async def copy_link(self, actor: Actor, invitation_id: str) -> InvitationLinkPublic:
        """A fresh working link to send by hand; links already sent stay valid; 15 days from now."""
        await self._require_plus(actor)
        async with self._core.transaction() as tx:
            inv = await self._load(tx, actor, invitation_id)
            self._require_open(inv)
            token = await mint_link(tx.session, inv.id, tx.now)
            inv.status, inv.expires_at, inv.updated_at = "pending", invitation_expiry(tx.now), tx.now
            await self._emit(tx, inv)
            await tx.audit(actor, "invitation.link", "invitation", inv.id)
            public = invitation_public(inv, tx.now)
        return InvitationLinkPublic(
            url=link_url(self._core.settings.effective_public_url, token),
            expires_at=public.expires_at,
            invitation=public,
        )
