"""Invitations: the practitioner's side (PRO+ to send) and the patient's side of links (lookup, accept)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from contracts.wire.invitations import (
    InvitationAcceptedPublic,
    InvitationCreate,
    InvitationLinkPublic,
    InvitationOutcomePublic,
    InvitationPublic,
    InvitationsPublic,
    InvitationUpdate,
    InvitationValidationPublic,
    LinkTokenInput,
    LinkViewPublic,
)
from server.api.deps import CurrentPatient, CurrentPractitioner, ServicesDep, client_ip
from server.api.routes import patients
from server.domain.invitation_feature import invitation_links, invitations
from server.domain.invitation_rules import InvitationDraft
from server.domain.invitations import UNSET, InvitationChanges

router = APIRouter(tags=["invitations"])
links_router = APIRouter(tags=["invitations (patient)"])


def _draft(body: InvitationCreate) -> InvitationDraft:
    return InvitationDraft(
        first_name=body.first_name, last_name=body.last_name, email=body.email, phone=body.phone
    )


@router.post(
    "/invitations",
    response_model=InvitationOutcomePublic,
    responses={
        201: {"description": "Invitation créée"},
        200: {"description": "Invitation en attente mise à jour, ou conversation existante"},
    },
)
async def create_invitation(
    body: InvitationCreate, principal: CurrentPractitioner, services: ServicesDep, response: Response
) -> InvitationOutcomePublic:
    """Invite a patient by email (if an email is given) or SMS (phone alone, a mobile)."""
    result = await invitations(services).create(principal.actor, _draft(body))
    response.status_code = status.HTTP_201_CREATED if result["outcome"] == "created" else status.HTTP_200_OK
    return InvitationOutcomePublic.model_validate(result)


@router.post("/invitations/validate", response_model=InvitationValidationPublic)
async def validate_invitation(
    body: InvitationCreate, principal: CurrentPractitioner, services: ServicesDep
) -> InvitationValidationPublic:
    """Check the form as it is typed: the channel that would be used, or a French 422."""
    return InvitationValidationPublic.model_validate(
        await invitations(services).validate(principal.actor, _draft(body))
    )


@router.get("/invitations", response_model=InvitationsPublic)
async def list_invitations(
    principal: CurrentPractitioner,
    services: ServicesDep,
    q: Annotated[str, Query(max_length=200)] = "",
    status_filter: Annotated[str | None, Query(alias="status", max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> InvitationsPublic:
    items = await invitations(services).list(principal.actor, query=q, status=status_filter, limit=limit)
    return InvitationsPublic.model_validate({"items": items})


@router.get("/invitations/{invitation_id}", response_model=InvitationPublic)
async def get_invitation(
    invitation_id: str, principal: CurrentPractitioner, services: ServicesDep
) -> InvitationPublic:
    return InvitationPublic.model_validate(await invitations(services).get(principal.actor, invitation_id))


@router.patch("/invitations/{invitation_id}", response_model=InvitationPublic)
async def correct_invitation(
    invitation_id: str, body: InvitationUpdate, principal: CurrentPractitioner, services: ServicesDep
) -> InvitationPublic:
    """Correct names or contacts before acceptance: the old link stops working, a new one is sent."""
    given = body.model_fields_set
    changes = InvitationChanges(
        first_name=body.first_name if "first_name" in given else UNSET,
        last_name=body.last_name if "last_name" in given else UNSET,
        email=body.email if "email" in given else UNSET,
        phone=body.phone if "phone" in given else UNSET,
    )
    return InvitationPublic.model_validate(
        await invitations(services).correct(principal.actor, invitation_id, changes)
    )


@router.post("/invitations/{invitation_id}/resend", response_model=InvitationPublic)
async def resend_invitation(
    invitation_id: str, principal: CurrentPractitioner, services: ServicesDep
) -> InvitationPublic:
    return InvitationPublic.model_validate(await invitations(services).resend(principal.actor, invitation_id))


@router.post("/invitations/{invitation_id}/cancel", response_model=InvitationPublic)
async def cancel_invitation(
    invitation_id: str, principal: CurrentPractitioner, services: ServicesDep
) -> InvitationPublic:
    return InvitationPublic.model_validate(await invitations(services).cancel(principal.actor, invitation_id))


@router.post("/invitations/{invitation_id}/link", response_model=InvitationLinkPublic)
async def invitation_link(
    invitation_id: str, principal: CurrentPractitioner, services: ServicesDep
) -> InvitationLinkPublic:
    """A fresh working link to copy (links already sent keep working)."""
    return InvitationLinkPublic.model_validate(
        await invitations(services).copy_link(principal.actor, invitation_id)
    )


# ---------------------------------------------------------------- patient side of the links
@links_router.post("/invitation-links/lookup", response_model=LinkViewPublic)
async def lookup_link(body: LinkTokenInput, request: Request, services: ServicesDep) -> LinkViewPublic:
    """Who invites and whether the link still works; unknown tokens count as guesses (30 per hour)."""
    view = await invitation_links(services).inspect(body.token, client_ip(request))
    return LinkViewPublic.model_validate(view.public())


@links_router.post("/invitation-links/accept", response_model=InvitationAcceptedPublic)
async def accept_link(
    body: LinkTokenInput, principal: CurrentPatient, services: ServicesDep
) -> InvitationAcceptedPublic:
    """Accept as the signed-in patient: the conversation with the practitioner is created."""
    return InvitationAcceptedPublic.model_validate(
        await invitation_links(services).accept(principal.actor, body.token)
    )


ROUTERS: list[APIRouter] = [router, links_router, *patients.ROUTERS]
