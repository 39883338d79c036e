"""Inviting autonomous patients and following the invitations (issue 3's API).

The list is small (tens to hundreds), kept in memory, filtered locally as the practitioner
types, refreshed from the server when the view opens and updated by `invitation.*` events.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.text import words
from desktop.domain.models import Invitation, InvitationCheck, Wire
from desktop.kernel.events import Event
from desktop.services.ports import ServerApi

PRO_PLUS_EXPLANATION = (
    "Inviter des patients autonomes demande la formule PRO+. Avec la formule PRO, vos patients "
    "peuvent toujours s'inscrire eux-mêmes et vous envoyer une demande de mise en relation."
)

STATUS_LABELS = {
    "pending": "En attente",
    "accepted": "Acceptée",
    "expired": "Expirée",
    "cancelled": "Annulée",
    "delivery_failed": "Échec d'envoi",
}


@dataclass(frozen=True)
class InvitationDraft:
    """The form: first and last name, email and/or phone."""

    first_name: str
    last_name: str
    email: str = ""
    phone: str = ""

    def to_wire(self) -> Wire:
        out: Wire = {"first_name": self.first_name.strip(), "last_name": self.last_name.strip()}
        if self.email.strip():
            out["email"] = self.email.strip()
        if self.phone.strip():
            out["phone"] = self.phone.strip()
        return out


@dataclass(frozen=True)
class InvitationResult:
    outcome: str  # created | updated | existing_conversation
    invitation: Invitation | None
    conversation_id: str | None


def status_label(invitation: Invitation) -> str:
    return STATUS_LABELS.get(invitation.status) or invitation.status_label or invitation.status


def matches(invitation: Invitation, query: str) -> bool:
    """Every query word prefixes a word of the name, email or phone (accents and case ignored)."""
    wanted = words(query)
    if not wanted:
        return True
    phone_digits = "".join(c for c in invitation.phone or "" if c.isdigit())
    haystack = words(f"{invitation.first_name} {invitation.last_name} {invitation.email or ''}")
    return all(any(h.startswith(w) for h in haystack) or (w.isdigit() and w in phone_digits) for w in wanted)


class InvitationService:
    """Invitations of the signed-in practitioner."""

    EVENTS = ("invitation.updated", "invitation.accepted")

    def __init__(self, api: ServerApi) -> None:
        self._api = api
        self._items: dict[str, Invitation] = {}
        self.loaded = False
        self._announced: set[str] = set()
        self.changed: Event[None] = Event()
        self.invitation_accepted: Event[Invitation] = Event()

    def items(self, query: str = "", status: str = "") -> list[Invitation]:
        """Invitations, newest first, filtered by `query` and `status`."""
        found = [i for i in self._items.values() if (not status or i.status == status) and matches(i, query)]
        return sorted(found, key=lambda i: i.created_at, reverse=True)

    def get(self, invitation_id: str) -> Invitation | None:
        return self._items.get(invitation_id)

    async def refresh(self) -> None:
        items = await self._api.invitations()
        self._items = {i.id: i for i in items}
        self.loaded = True
        self.changed.emit(None)

    def _keep(self, invitation: Invitation | None) -> None:
        if invitation is not None:
            self._items[invitation.id] = invitation
            self.changed.emit(None)

    async def validate(self, draft: InvitationDraft) -> InvitationCheck:
        """The server's inline check; raises ApiError (with `field`) when something is wrong."""
        return await self._api.validate_invitation(draft.to_wire())

    async def invite(self, draft: InvitationDraft) -> InvitationResult:
        """Send an invitation (PRO+ only: the server answers 403 `plan_required` otherwise)."""
        outcome, invitation, conversation_id = await self._api.create_invitation(draft.to_wire())
        self._keep(invitation)
        return InvitationResult(outcome, invitation, conversation_id)

    async def correct(self, invitation_id: str, draft: InvitationDraft) -> Invitation:
        """Fix the patient's details: the old link dies, a new invitation is sent."""
        invitation = await self._api.update_invitation(invitation_id, draft.to_wire())
        self._keep(invitation)
        return invitation

    async def resend(self, invitation_id: str) -> None:
        await self._settle(await self._api.resend_invitation(invitation_id))

    async def cancel(self, invitation_id: str) -> None:
        await self._settle(await self._api.cancel_invitation(invitation_id))

    async def _settle(self, invitation: Invitation | None) -> None:
        if invitation is not None:
            self._keep(invitation)
        else:  # the server answered without the invitation: read the list again
            await self.refresh()

    async def link(self, invitation_id: str) -> str:
        return await self._api.invitation_link(invitation_id)

    async def apply_event(self, name: str, data: Wire) -> None:
        """`invitation.updated` / `invitation.accepted` from the socket."""
        raw = data.get("invitation")
        if not isinstance(raw, dict):
            return
        invitation = Invitation.from_wire(raw)
        self._keep(invitation)
        # `invitation.updated` (status accepted) comes first, then `invitation.accepted`: tell once.
        if name == "invitation.accepted" and invitation.id not in self._announced:
            self._announced.add(invitation.id)
            self.invitation_accepted.emit(invitation)
