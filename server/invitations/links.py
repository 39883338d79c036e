"""Invitation links, patient side: what a link shows, and accepting it (conversation created).

A link is single use: accepting revokes every link of the invitation. Guesses are limited per
address: after 30 unknown tokens in an hour the address gets 429 on every unknown token for the
rest of the hour (R7). Only unknown tokens count, and a token that exists always gets its answer:
it is 256 random bits, never guessed, and patients behind one address (a mobile carrier's) keep
their genuine links while someone among them guesses. An invitation addressed to a contact that already has a
patient account can only be accepted from that account; otherwise any signed-in patient holding
the link may accept it (the patient may have signed up with another address).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from contracts.fr_format import long_paris_date
from contracts.wire.invitations import (
    InvitationAcceptedEvent,
    InvitationAcceptedPublic,
    InvitationEvent,
    LinkInvitationPublic,
    LinkPractitionerPublic,
    LinkViewPublic,
)
from server.accounts.names import PractitionerName
from server.conversations.service import ConversationService
from server.delivery.queue import DeliveryQueue
from server.invitations.models import Invitation, InvitationLink
from server.invitations.records import (
    KIND,
    contact_owners,
    effective_status,
    invitation_public,
    lock_user,
    mask_email,
    mask_phone,
    practitioner_name,
    revoke_links,
)
from server.kernel.core import Actor, Core
from server.kernel.errors import ConflictError, DomainError, GoneError, NotFoundError
from server.kernel.ratelimit import RateLimiter
from server.kernel.security import token_digest

GUESSES_PER_HOUR = 30
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # new_token(): 32 bytes, URL-safe base64, no padding


@dataclass(frozen=True)
class LinkView:
    """What the landing page shows for a link."""

    state: str  # valid | expired | used | cancelled | replaced | unknown
    invitation: Invitation | None = None
    practitioner: PractitionerName | None = None
    account_exists: bool = False

    def public(self) -> LinkViewPublic:
        practitioner = None
        if self.practitioner is not None:
            p = self.practitioner
            practitioner = LinkPractitionerPublic(
                display_name=p.display,
                first_name=p.first_name,
                last_name=p.last_name,
                profession=p.profession,
                title=p.title,
            )
        if self.state != "valid" or self.invitation is None:
            return LinkViewPublic(state=self.state, detail=state_detail(self), practitioner=practitioner)
        inv = self.invitation
        invitation = LinkInvitationPublic(
            first_name=inv.first_name,
            last_name=inv.last_name,
            email=inv.email,
            phone=inv.phone,
            expires_at=inv.expires_at,
            valid_until=long_paris_date(inv.expires_at),
        )
        return LinkViewPublic(
            state=self.state,
            detail=state_detail(self),
            practitioner=practitioner,
            invitation=invitation,
            account_exists=self.account_exists,
        )


def state_detail(view: LinkView) -> str:
    """The French sentence saying what happened to a link and what to do."""
    who = view.practitioner.display if view.practitioner else "votre praticien"
    if view.state == "valid":
        return f"{who} vous invite à échanger sur Teleconsult."
    if view.state == "expired":
        return (
            f"Cette invitation a expiré (elle était valable 15 jours). Demandez à {who} de vous la renvoyer."
        )
    if view.state == "used":
        return (
            "Cette invitation a déjà été utilisée. Connectez-vous pour retrouver votre conversation, "
            f"ou demandez à {who} de vous renvoyer une invitation."
        )
    if view.state == "cancelled":
        return f"Cette invitation a été annulée par {who}. Contactez son cabinet si besoin."
    if view.state == "replaced":
        return (
            "Ce lien a été remplacé par un lien plus récent : utilisez le dernier message reçu, "
            f"ou demandez à {who} de vous renvoyer l'invitation."
        )
    return (
        "Ce lien d'invitation n'est pas valide. Vérifiez que vous l'avez copié en entier, "
        "ou demandez à votre praticien de vous renvoyer l'invitation."
    )


_STATE_ERRORS: dict[str, tuple[type[DomainError], str]] = {
    "unknown": (NotFoundError, "invitation_unknown"),
    "expired": (GoneError, "invitation_expired"),
    "used": (GoneError, "invitation_used"),
    "cancelled": (GoneError, "invitation_cancelled"),
    "replaced": (GoneError, "invitation_replaced"),
}


def link_state(inv: Invitation, link: InvitationLink, now: datetime) -> str:
    status = effective_status(inv, now)
    if status == "accepted":
        return "used"
    if status in ("cancelled", "expired"):
        return status
    if link.revoked_at is not None:
        return "replaced"
    return "valid"


class InvitationLinkService:
    """Reading and accepting invitation links (rate-limited per address)."""

    def __init__(
        self, core: Core, limiter: RateLimiter, conversations: ConversationService, queue: DeliveryQueue
    ) -> None:
        self._core = core
        self._limiter = limiter
        self._conversations = conversations
        self._queue = queue

    async def _check_guesses(self, ip: str | None) -> None:
        await self._limiter.check(
            "invitation_link",
            [f"ip:{ip or '-'}"],
            GUESSES_PER_HOUR,
            timedelta(hours=1),
            "Trop de liens d'invitation essayés depuis cette connexion. Réessayez dans une heure.",
        )

    async def _record_guess(self, ip: str | None) -> None:
        """Count an unknown token; 429 when the address already guessed too many."""
        await self._check_guesses(ip)
        await self._limiter.record("invitation_link", [f"ip:{ip or '-'}"])

    async def inspect(self, token: str, ip: str | None) -> LinkView:
        """The state of a link, who invites, and whether the invited contact has an account.

        Raises:
            RateLimitedError: an unknown token, after too many from this address in the last hour.
        """
        row = None
        if _TOKEN.match(token):
            async with self._core.db.read() as session:
                row = (
                    await session.execute(
                        select(InvitationLink, Invitation)
                        .join(Invitation, Invitation.id == InvitationLink.invitation_id)
                        .where(InvitationLink.token_hash == token_digest(token))
                    )
                ).first()
                if row is not None:
                    link, inv = row
                    who = await practitioner_name(session, inv.practitioner_id)
                    owners = await contact_owners(session, inv.email, inv.phone)
        if row is None:
            await self._record_guess(ip)
            return LinkView(state="unknown")
        state = link_state(inv, link, self._core.clock())
        self._core.audit_read(Actor(None, "anonymous", ip), "invitation.open", "invitation", inv.id)
        return LinkView(state=state, invitation=inv, practitioner=who, account_exists=bool(owners))

    async def accept(self, actor: Actor, token: str) -> InvitationAcceptedPublic:
        """Accept an invitation as the signed-in patient: conversation created, practitioner told.

        Accepting again from the same account returns the same conversation.

        Raises:
            NotFoundError: unknown token (counted as a guess).
            RateLimitedError: an unknown token, after too many from this address in the last hour.
            GoneError: expired, used, cancelled or replaced link.
            ConflictError: the invitation belongs to another patient account.
        """
        refused: DomainError | None = None
        result: InvitationAcceptedPublic | None = None
        async with self._core.transaction() as tx:
            link = await tx.session.get(InvitationLink, token_digest(token)) if _TOKEN.match(token) else None
            inv = None
            if link is not None:
                owner = await tx.session.scalar(
                    select(Invitation.practitioner_id).where(Invitation.id == link.invitation_id)
                )
                await lock_user(tx.session, owner or "")  # lock order: practitioner, invitation
                inv = await tx.session.scalar(
                    select(Invitation)
                    .where(Invitation.id == link.invitation_id)
                    .with_for_update()
                    .execution_options(populate_existing=True)
                )
                link = await tx.session.get(InvitationLink, link.token_hash, populate_existing=True)
            if link is None or inv is None:
                refused = NotFoundError(state_detail(LinkView("unknown")), code="invitation_unknown")
            else:
                who = await practitioner_name(tx.session, inv.practitioner_id)
                state = link_state(inv, link, tx.now)
                if state == "used" and inv.patient_id == actor.user_id and inv.conversation_id:
                    return InvitationAcceptedPublic(conversation_id=inv.conversation_id, invitation_id=inv.id)
                if state != "valid":
                    error_type, code = _STATE_ERRORS[state]
                    raise error_type(state_detail(LinkView(state, inv, who)), code=code)
                owners = await contact_owners(tx.session, inv.email, inv.phone)
                if owners and actor.user_id not in owners:
                    contact = mask_email(inv.email) if inv.email else mask_phone(inv.phone or "")
                    raise ConflictError(
                        f"Cette invitation est destinée à un autre compte patient ({contact}). "
                        "Déconnectez-vous, puis connectez-vous avec ce compte-là.",
                        code="invitation_for_another_account",
                    )
                conv, _ = await self._conversations.ensure_conversation(
                    tx, inv.practitioner_id, actor.user_id or ""
                )
                inv.status, inv.accepted_at, inv.updated_at = "accepted", tx.now, tx.now
                inv.patient_id, inv.conversation_id = actor.user_id, conv.id
                await revoke_links(tx.session, inv.id, tx.now)
                await self._queue.cancel_for(tx, KIND, inv.id)
                public = invitation_public(inv, tx.now)
                await tx.emit([inv.practitioner_id], "invitation.updated", InvitationEvent(invitation=public))
                accepted = InvitationAcceptedEvent(invitation=public, conversation_id=conv.id)
                await tx.emit([inv.practitioner_id], "invitation.accepted", accepted)
                await tx.audit(actor, "invitation.accept", "invitation", inv.id)
                result = InvitationAcceptedPublic(conversation_id=conv.id, invitation_id=inv.id)
        if refused is not None:
            await self._record_guess(actor.ip)  # after the transaction: one writer on SQLite
            raise refused
        assert result is not None
        return result
