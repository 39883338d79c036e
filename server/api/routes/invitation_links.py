"""Invitation links, patient side: what a link shows, and accepting it (token in the body, not the URL)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from server.api.deps import CurrentPatient, ServicesDep, client_ip
from server.api.schemas_invitations import InvitationAcceptedPublic, LinkTokenInput, LinkViewPublic
from server.domain.invitation_feature import invitation_links

router = APIRouter(tags=["invitations (patient)"])


@router.post("/invitation-links/lookup", response_model=LinkViewPublic)
async def lookup_link(body: LinkTokenInput, request: Request, services: ServicesDep) -> LinkViewPublic:
    """Who invites and whether the link still works; unknown tokens count as guesses (30 per hour)."""
    view = await invitation_links(services).inspect(body.token, client_ip(request))
    return LinkViewPublic.model_validate(view.public())


@router.post("/invitation-links/accept", response_model=InvitationAcceptedPublic)
async def accept_link(
    body: LinkTokenInput, principal: CurrentPatient, services: ServicesDep
) -> InvitationAcceptedPublic:
    """Accept as the signed-in patient: the conversation with the practitioner is created."""
    return InvitationAcceptedPublic.model_validate(
        await invitation_links(services).accept(principal.actor, body.token)
    )
