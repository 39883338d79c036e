"""Invitations: the practitioner's side (PRO+ to send) and the patient's side of links (lookup, accept)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from contracts.wire.common import Line
from contracts.wire.invitations import (
    ConnectionRequestAcceptedPublic,
    ConnectionRequestCreate,
    ConnectionRequestDeclinedPublic,
    ConnectionRequestOutcomePublic,
    ConnectionRequestsPublic,
    DirectoryPublic,
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
    ProfessionsPublic,
)
from server.accounts.deps import CurrentPatient, CurrentPractitioner, CurrentUser
from server.api.deps import client_ip
from server.api.queries import IdPath
from server.invitations.directory import DirectoryService
from server.invitations.links import InvitationLinkService
from server.invitations.records import InvitationDraft
from server.invitations.requests import ConnectionRequestService
from server.invitations.service import UNSET, InvitationChanges, InvitationService

router = APIRouter(tags=["invitations"])
links_router = APIRouter(tags=["invitations (patient)"])


def _draft(body: InvitationCreate) -> InvitationDraft:
    return InvitationDraft(
        first_name=body.first_name, last_name=body.last_name, email=body.email, phone=body.phone
    )


def _invitations(request: Request) -> InvitationService:
    service: InvitationService = request.app.state.services.invitations
    return service


InvitationsDep = Annotated[InvitationService, Depends(_invitations)]


def _invitation_links(request: Request) -> InvitationLinkService:
    service: InvitationLinkService = request.app.state.services.invitation_links
    return service


InvitationLinksDep = Annotated[InvitationLinkService, Depends(_invitation_links)]


def _requests(request: Request) -> ConnectionRequestService:
    service: ConnectionRequestService = request.app.state.services.requests
    return service


RequestsDep = Annotated[ConnectionRequestService, Depends(_requests)]


def _directory(request: Request) -> DirectoryService:
    service: DirectoryService = request.app.state.services.directory
    return service


DirectoryDep = Annotated[DirectoryService, Depends(_directory)]


@router.post(
    "/invitations",
    response_model=InvitationOutcomePublic,
    responses={
        201: {"description": "Invitation créée"},
        200: {"description": "Invitation en attente mise à jour, ou conversation existante"},
    },
)
async def create_invitation(
    body: InvitationCreate, principal: CurrentPractitioner, invitations: InvitationsDep, response: Response
) -> InvitationOutcomePublic:
    """Invite a patient by email (if an email is given) or SMS (phone alone, a mobile)."""
    result = await invitations.create(principal.actor, _draft(body))
    response.status_code = status.HTTP_201_CREATED if result.outcome == "created" else status.HTTP_200_OK
    return result


@router.post("/invitations/validate", response_model=InvitationValidationPublic)
async def validate_invitation(
    body: InvitationCreate, principal: CurrentPractitioner, invitations: InvitationsDep
) -> InvitationValidationPublic:
    """Check the form as it is typed: the channel that would be used, or a French 422."""
    return await invitations.validate(principal.actor, _draft(body))


@router.get("/invitations", response_model=InvitationsPublic)
async def list_invitations(
    principal: CurrentPractitioner,
    invitations: InvitationsDep,
    q: Annotated[Line, Query(max_length=200)] = "",
    status_filter: Annotated[Line | None, Query(alias="status", max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> InvitationsPublic:
    return await invitations.list(principal.actor, query=q, status=status_filter, limit=limit)


@router.get("/invitations/{invitation_id}", response_model=InvitationPublic)
async def get_invitation(
    invitation_id: IdPath, principal: CurrentPractitioner, invitations: InvitationsDep
) -> InvitationPublic:
    return await invitations.get(principal.actor, invitation_id)


@router.patch("/invitations/{invitation_id}", response_model=InvitationPublic)
async def correct_invitation(
    invitation_id: IdPath, body: InvitationUpdate, principal: CurrentPractitioner, invitations: InvitationsDep
) -> InvitationPublic:
    """Correct names or contacts before acceptance: the old link stops working, a new one is sent."""
    given = body.model_fields_set
    changes = InvitationChanges(
        first_name=body.first_name if "first_name" in given else UNSET,
        last_name=body.last_name if "last_name" in given else UNSET,
        email=body.email if "email" in given else UNSET,
        phone=body.phone if "phone" in given else UNSET,
    )
    return await invitations.correct(principal.actor, invitation_id, changes)


@router.post("/invitations/{invitation_id}/resend", response_model=InvitationPublic)
async def resend_invitation(
    invitation_id: IdPath, principal: CurrentPractitioner, invitations: InvitationsDep
) -> InvitationPublic:
    return await invitations.resend(principal.actor, invitation_id)


@router.post("/invitations/{invitation_id}/cancel", response_model=InvitationPublic)
async def cancel_invitation(
    invitation_id: IdPath, principal: CurrentPractitioner, invitations: InvitationsDep
) -> InvitationPublic:
    return await invitations.cancel(principal.actor, invitation_id)


@router.post("/invitations/{invitation_id}/link", response_model=InvitationLinkPublic)
async def invitation_link(
    invitation_id: IdPath, principal: CurrentPractitioner, invitations: InvitationsDep
) -> InvitationLinkPublic:
    """A fresh working link to copy (links already sent keep working)."""
    return await invitations.copy_link(principal.actor, invitation_id)


# ---------------------------------------------------------------- patient side of the links
@links_router.post("/invitation-links/lookup", response_model=LinkViewPublic)
async def lookup_link(
    body: LinkTokenInput, request: Request, invitation_links: InvitationLinksDep
) -> LinkViewPublic:
    """Who invites and whether the link still works; unknown tokens count as guesses (30 per hour)."""
    view = await invitation_links.inspect(body.token, client_ip(request))
    return view.public()


@links_router.post("/invitation-links/accept", response_model=InvitationAcceptedPublic)
async def accept_link(
    body: LinkTokenInput, principal: CurrentPatient, invitation_links: InvitationLinksDep
) -> InvitationAcceptedPublic:
    """Accept as the signed-in patient: the conversation with the practitioner is created."""
    return await invitation_links.accept(principal.actor, body.token)


requests_router = APIRouter(tags=["demandes de mise en relation"])
directory_router = APIRouter(tags=["annuaire"])


# ---------------------------------------------------------------- connection requests
@requests_router.post("/connection-requests", response_model=ConnectionRequestOutcomePublic)
async def create_request(
    body: ConnectionRequestCreate, principal: CurrentPatient, requests: RequestsDep, response: Response
) -> ConnectionRequestOutcomePublic:
    """Ask a practitioner of the directory to get in touch, with a short message."""
    result = await requests.create(principal.actor, body.practitioner_id, body.message)
    response.status_code = status.HTTP_201_CREATED if result.outcome == "created" else status.HTTP_200_OK
    return result


@requests_router.get("/connection-requests", response_model=ConnectionRequestsPublic)
async def list_requests(
    principal: CurrentUser,
    requests: RequestsDep,
    status_filter: Annotated[Line | None, Query(alias="status", max_length=20)] = None,
) -> ConnectionRequestsPublic:
    """Received requests for a practitioner (`?status=pending` for the banner), sent ones for a patient."""
    return await requests.list_for(principal.actor, status_filter)


@requests_router.post(
    "/connection-requests/{request_id}/accept", response_model=ConnectionRequestAcceptedPublic
)
async def accept_request(
    request_id: IdPath, principal: CurrentPractitioner, requests: RequestsDep
) -> ConnectionRequestAcceptedPublic:
    return await requests.accept(principal.actor, request_id)


@requests_router.post(
    "/connection-requests/{request_id}/decline", response_model=ConnectionRequestDeclinedPublic
)
async def decline_request(
    request_id: IdPath, principal: CurrentPractitioner, requests: RequestsDep
) -> ConnectionRequestDeclinedPublic:
    return await requests.decline(principal.actor, request_id)


# ---------------------------------------------------------------- directory
@directory_router.get("/directory", response_model=DirectoryPublic)
async def search_directory(
    principal: CurrentUser,
    directory: DirectoryDep,
    q: Annotated[Line, Query(max_length=200)] = "",
    profession: Annotated[Line | None, Query(max_length=40)] = None,
    city: Annotated[Line, Query(max_length=100)] = "",
    limit: Annotated[int, Query(ge=1, le=50)] = 30,
) -> DirectoryPublic:
    return await directory.search(
        principal.actor, query=q, profession=profession or None, city=city, limit=limit
    )


@directory_router.get("/directory/professions", response_model=ProfessionsPublic)
async def professions() -> ProfessionsPublic:
    return DirectoryService.professions()


ROUTERS: list[APIRouter] = [router, links_router, requests_router, directory_router]
