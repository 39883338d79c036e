"""Inviting autonomous patients and following the invitations.

The list is small (tens to hundreds), kept in memory, filtered locally as the practitioner
types, refreshed from the server when the view opens and updated by `invitation.*` events.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.text import words
from contracts.wire.invitations import (
    InvitationAcceptedEvent,
    InvitationCreate,
    InvitationEvent,
    InvitationOutcomePublic,
    InvitationPublic,
    InvitationUpdate,
    InvitationValidationPublic,
)
from desktop.api.http import request_body
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

    def create(self) -> InvitationCreate:
        """The invitation to send (empty contacts left out).

        Raises:
            ApiError: 422 `invalid_input`, in the server's words, when the server would refuse it.
        """
        fields = {"first_name": self.first_name.strip(), "last_name": self.last_name.strip()}
        fields |= {k: v for k, v in self._contacts().items() if v is not None}
        return request_body(InvitationCreate, fields)

    def update(self) -> InvitationUpdate:
        """The correction: every field given, so that a contact emptied in the form is removed."""
        fields: dict[str, str | None] = {
            "first_name": self.first_name.strip(),
            "last_name": self.last_name.strip(),
        }
        return request_body(InvitationUpdate, fields | self._contacts())

    def _contacts(self) -> dict[str, str | None]:
        return {"email": self.email.strip() or None, "phone": self.phone.strip() or None}


def status_label(invitation: InvitationPublic) -> str:
    return STATUS_LABELS.get(invitation.status) or invitation.status_label or invitation.status


def matches(invitation: InvitationPublic, query: str) -> bool:
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
        self._items: dict[str, InvitationPublic] = {}
        self.loaded = False
        self._announced: set[str] = set()
        self.changed: Event[None] = Event()
        self.invitation_accepted: Event[InvitationPublic] = Event()

    def items(self, query: str = "", status: str = "") -> list[InvitationPublic]:
        """Invitations, newest first, filtered by `query` and `status`."""
        found = [i for i in self._items.values() if (not status or i.status == status) and matches(i, query)]
        return sorted(found, key=lambda i: i.created_at, reverse=True)

    def get(self, invitation_id: str) -> InvitationPublic | None:
        return self._items.get(invitation_id)

    async def refresh(self) -> None:
        items = await self._api.invitations()
        self._items = {i.id: i for i in items}
        self.loaded = True
        self.changed.emit(None)

    def _keep(self, invitation: InvitationPublic | None) -> None:
        if invitation is not None:
            self._items[invitation.id] = invitation
            self.changed.emit(None)

    async def validate(self, draft: InvitationDraft) -> InvitationValidationPublic:
        """The server's inline check; raises ApiError (with `field`) when something is wrong."""
        return await self._api.validate_invitation(draft.create())

    async def invite(self, draft: InvitationDraft) -> InvitationOutcomePublic:
        """Send an invitation (PRO+ only: the server answers 403 `plan_required` otherwise)."""
        result = await self._api.create_invitation(draft.create())
        self._keep(result.invitation)
        return result

    async def correct(self, invitation_id: str, draft: InvitationDraft) -> InvitationPublic:
        """Fix the patient's details: the old link dies, a new invitation is sent."""
        invitation = await self._api.update_invitation(invitation_id, draft.update())
        self._keep(invitation)
        return invitation

    async def resend(self, invitation_id: str) -> None:
        self._keep(await self._api.resend_invitation(invitation_id))

    async def cancel(self, invitation_id: str) -> None:
        self._keep(await self._api.cancel_invitation(invitation_id))

    async def link(self, invitation_id: str) -> str:
        return await self._api.invitation_link(invitation_id)

    async def apply_event(self, name: str, event: InvitationEvent | InvitationAcceptedEvent) -> None:
        """`invitation.updated` / `invitation.accepted` from the socket."""
        invitation = event.invitation
        self._keep(invitation)
        # `invitation.updated` (status accepted) comes first, then `invitation.accepted`: tell once.
        if name == "invitation.accepted" and invitation.id not in self._announced:
            self._announced.add(invitation.id)
            self.invitation_accepted.emit(invitation)
