"""Invitation rules shared by the practitioner side and the link side: validation, status, shapes.

- at least an email or a phone; email channel when an email is given (with or without a phone),
  SMS only with a phone alone, and then it must be a mobile number;
- "06 12 34 56 78", "+33 6 12 34 56 78" and "0033 6 12 34 56 78" are one number (E.164);
- a link is valid 15 days; `pending` past its expiry reads `expired` at once, before the
  sweep stores it (the status never depends on a background task having run).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.clock import PARIS
from contracts.text import fold, words
from server.accounts.models import PractitionerProfile, User
from server.accounts.names import PractitionerName
from server.accounts.service import check_name
from server.delivery.ports import PROVIDER_AUTH, RECIPIENT_REFUSED, DeliveryError
from server.invitations.models import Invitation, InvitationLink
from server.invitations.texts import INVITATION_DAYS
from server.kernel.contacts import normalize_email, normalize_phone
from server.kernel.core import Tx
from server.kernel.errors import InvalidInputError
from server.kernel.security import new_token, token_digest
from server.kernel.values import iso


def invitation_expiry(now: datetime) -> datetime:
    """When a link sent at `now` expires: 15 days later at the same time in France.

    Calendar days in Paris, not 15 × 24 hours: across a change of summer time the link still
    expires at the wall-clock time it was sent, on the day the message announces.
    """
    return (now.astimezone(PARIS) + timedelta(days=INVITATION_DAYS)).astimezone(UTC)


STATUS_LABELS = {
    "pending": "En attente",
    "accepted": "Acceptée",
    "expired": "Expirée",
    "cancelled": "Annulée",
    "delivery_failed": "Échec d'envoi",
}
# Statuses in which an invitation can still be corrected, resent, cancelled or linked.
OPEN_STATUSES = ("pending", "delivery_failed", "expired")
KIND = "invitation"


@dataclass(frozen=True)
class InvitationDraft:
    """What the practitioner typed."""

    first_name: str
    last_name: str
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class CleanInvitation:
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    channel: str


def validate_invitation(draft: InvitationDraft) -> CleanInvitation:
    """Names cleaned, contacts normalised, channel chosen.

    Raises:
        InvalidInputError: a French sentence naming the field at fault.
    """
    first = check_name(draft.first_name, "prénom", "first_name")
    last = check_name(draft.last_name, "nom", "last_name")
    email = normalize_email(draft.email) if draft.email and draft.email.strip() else None
    raw_phone = draft.phone.strip() if draft.phone else ""
    if email is None and not raw_phone:
        raise InvalidInputError(
            "Indiquez l'adresse e-mail ou le numéro de téléphone portable du patient.",
            code="contact_required",
            field="email",
        )
    # An SMS-only invitation needs a mobile; with an email, any valid number is kept as a contact.
    phone = normalize_phone(raw_phone, require_mobile=email is None) if raw_phone else None
    return CleanInvitation(first, last, email, phone, "email" if email else "sms")


def effective_status(inv: Invitation, now: datetime) -> str:
    if inv.status == "pending" and inv.expires_at <= now:
        return "expired"
    return inv.status


def search_key(first: str, last: str, email: str | None, phone: str | None) -> str:
    parts = [*words(f"{first} {last}")]
    if email:
        parts.append(fold(email))
    if phone:
        digits = phone.lstrip("+")
        parts.append(digits)
        if phone.startswith("+33"):
            parts.append("0" + phone[3:])  # as French people type it: 0612345678
    return " ".join(parts)[:600]


def invitation_public(inv: Invitation, now: datetime) -> dict[str, Any]:
    status = effective_status(inv, now)
    return {
        "id": inv.id,
        "first_name": inv.first_name,
        "last_name": inv.last_name,
        "email": inv.email,
        "phone": inv.phone,
        "channel": inv.channel,
        "status": status,
        "status_label": STATUS_LABELS[status],
        "created_at": iso(inv.created_at),
        "sent_at": iso(inv.sent_at),
        "expires_at": iso(inv.expires_at),
        "accepted_at": iso(inv.accepted_at),
        "conversation_id": inv.conversation_id,
        "delivery_error": inv.delivery_error,
    }


def delivery_error_text(channel: str, error: DeliveryError, attempts: int) -> str:
    """What the practitioner reads in the invitations list after a final failure."""
    if error.reason == RECIPIENT_REFUSED:
        if channel == "email":
            return (
                "L'adresse e-mail a été refusée par le serveur de messagerie : "
                "vérifiez-la et corrigez l'invitation."
            )
        return "Le numéro a été refusé par le service SMS : vérifiez-le et corrigez l'invitation."
    if error.reason == PROVIDER_AUTH:
        return (
            "Le service d'envoi refuse les identifiants du serveur : prévenez l'administrateur, "
            "puis renvoyez l'invitation."
        )
    what = "d'e-mails" if channel == "email" else "de SMS"
    if error.permanent:
        return f"Le service d'envoi {what} a refusé le message. Copiez le lien et envoyez-le vous-même."
    return (
        f"Le service d'envoi {what} n'a pas répondu après {attempts} tentative"
        f"{'s' if attempts > 1 else ''}. Renvoyez l'invitation plus tard, ou copiez le lien."
    )


async def emit_invitation(tx: Tx, inv: Invitation) -> None:
    """Tell the practitioner (every device) what the invitation looks like now."""
    await tx.emit([inv.practitioner_id], "invitation.updated", {"invitation": invitation_public(inv, tx.now)})


async def mint_link(session: AsyncSession, invitation_id: str, now: datetime) -> str:
    """A new link token (256 random bits); only its digest is stored."""
    token = new_token()
    session.add(
        InvitationLink(
            token_hash=token_digest(token), invitation_id=invitation_id, created_at=now, revoked_at=None
        )
    )
    return token


async def revoke_links(session: AsyncSession, invitation_id: str, now: datetime) -> None:
    await session.execute(
        update(InvitationLink)
        .where(InvitationLink.invitation_id == invitation_id, InvitationLink.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def lock_user(session: AsyncSession, user_id: str) -> None:
    """Lock a user row: the first lock of every transaction on that user's invitations."""
    await session.execute(select(User.id).where(User.id == user_id).with_for_update())


async def practitioner_name(session: AsyncSession, practitioner_id: str) -> PractitionerName:
    user = await session.get(User, practitioner_id)
    profile = await session.get(PractitionerProfile, practitioner_id)
    assert user is not None
    return PractitionerName(
        first_name=user.first_name,
        last_name=user.last_name,
        profession=profile.profession if profile else "",
        specialty=profile.specialty if profile else None,
        city=profile.city if profile else None,
    )


def link_url(public_url: str, token: str) -> str:
    return f"{public_url}/i/{token}"


async def contact_owners(session: AsyncSession, email: str | None, phone: str | None) -> list[str]:
    """Ids of the patient accounts holding this email or this phone."""
    conditions = []
    if email:
        conditions.append(User.email == email)
    if phone:
        conditions.append(User.phone == phone)
    if not conditions:
        return []
    rows = await session.execute(select(User.id).where(User.role == "patient", or_(*conditions)))
    return list(rows.scalars())


def mask_email(email: str) -> str:
    """ "h•••@example.fr": enough for a patient to recognise an address, not to learn it."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


def mask_phone(phone: str) -> str:
    return f"•• •• •• {phone[-4:-2]} {phone[-2:]}"
