"""Patient self-service: sign-up, forgotten password, the directory, connection requests, help pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from contracts.wire.accounts import (
    PasswordResetConfirm,
    PasswordResetCreate,
    PasswordResetStartedPublic,
    PatientCreate,
    SessionPublic,
)
from contracts.wire.invitations import (
    ConnectionRequestAcceptedPublic,
    ConnectionRequestCreate,
    ConnectionRequestDeclinedPublic,
    ConnectionRequestOutcomePublic,
    ConnectionRequestsPublic,
    DirectoryPublic,
    HelpPagesPublic,
    ProfessionsPublic,
)
from server.api.deps import CurrentPatient, CurrentPractitioner, CurrentUser, ServicesDep, client_ip
from server.api.routes.auth import user_public
from server.domain.accounts import NewPatient
from server.domain.directory import DirectoryService
from server.domain.help_pages import HELP_PAGES, help_url
from server.domain.invitation_feature import connection_requests, directory, patient_accounts

router = APIRouter(tags=["comptes"])
requests_router = APIRouter(tags=["demandes de mise en relation"])
directory_router = APIRouter(tags=["annuaire"])
help_router = APIRouter(tags=["aide"])


@router.post("/auth/patients", response_model=SessionPublic, status_code=status.HTTP_201_CREATED)
async def signup_patient(body: PatientCreate, request: Request, services: ServicesDep) -> SessionPublic:
    """Create a patient account (email and/or phone) and sign in."""
    data = NewPatient(
        first_name=body.first_name,
        last_name=body.last_name,
        password=body.password,
        email=body.email or None,
        phone=body.phone or None,
    )
    token, user = await patient_accounts(services).sign_up(data, client_ip(request))
    return SessionPublic(token=token, user=await user_public(services, user.id))


@router.post(
    "/auth/password-reset", response_model=PasswordResetStartedPublic, status_code=status.HTTP_202_ACCEPTED
)
async def request_password_reset(
    body: PasswordResetCreate, request: Request, services: ServicesDep
) -> PasswordResetStartedPublic:
    """Send a 6-digit code if the account exists (the answer is the same either way)."""
    reset_id = await patient_accounts(services).request_reset(body.identifier, body.role, client_ip(request))
    return PasswordResetStartedPublic(
        reset_id=reset_id,
        detail="Si un compte correspond, un code vient de lui être envoyé. Il est valable 10 minutes.",
    )


@router.post("/auth/password-reset/{reset_id}/confirm", response_model=SessionPublic)
async def confirm_password_reset(
    reset_id: str, body: PasswordResetConfirm, request: Request, services: ServicesDep
) -> SessionPublic:
    """Check the code and set the new password; the other sessions are closed, a new one opens."""
    token, user = await patient_accounts(services).confirm_reset(
        reset_id, body.code, body.password, client_ip(request)
    )
    return SessionPublic(token=token, user=await user_public(services, user.id))


# ---------------------------------------------------------------- connection requests
@requests_router.post("/connection-requests", response_model=ConnectionRequestOutcomePublic)
async def create_request(
    body: ConnectionRequestCreate, principal: CurrentPatient, services: ServicesDep, response: Response
) -> ConnectionRequestOutcomePublic:
    """Ask a practitioner of the directory to get in touch, with a short message."""
    result = await connection_requests(services).create(principal.actor, body.practitioner_id, body.message)
    response.status_code = status.HTTP_201_CREATED if result["outcome"] == "created" else status.HTTP_200_OK
    return ConnectionRequestOutcomePublic.model_validate(result)


@requests_router.get("/connection-requests", response_model=ConnectionRequestsPublic)
async def list_requests(
    principal: CurrentUser,
    services: ServicesDep,
    status_filter: Annotated[str | None, Query(alias="status", max_length=20)] = None,
) -> ConnectionRequestsPublic:
    """Received requests for a practitioner (`?status=pending` for the banner), sent ones for a patient."""
    items = await connection_requests(services).list_for(principal.actor, status_filter)
    return ConnectionRequestsPublic.model_validate({"items": items})


@requests_router.post(
    "/connection-requests/{request_id}/accept", response_model=ConnectionRequestAcceptedPublic
)
async def accept_request(
    request_id: str, principal: CurrentPractitioner, services: ServicesDep
) -> ConnectionRequestAcceptedPublic:
    return ConnectionRequestAcceptedPublic.model_validate(
        await connection_requests(services).accept(principal.actor, request_id)
    )


@requests_router.post(
    "/connection-requests/{request_id}/decline", response_model=ConnectionRequestDeclinedPublic
)
async def decline_request(
    request_id: str, principal: CurrentPractitioner, services: ServicesDep
) -> ConnectionRequestDeclinedPublic:
    return ConnectionRequestDeclinedPublic.model_validate(
        await connection_requests(services).decline(principal.actor, request_id)
    )


# ---------------------------------------------------------------- directory
@directory_router.get("/directory", response_model=DirectoryPublic)
async def search_directory(
    principal: CurrentUser,
    services: ServicesDep,
    q: Annotated[str, Query(max_length=200)] = "",
    profession: Annotated[str | None, Query(max_length=40)] = None,
    city: Annotated[str, Query(max_length=100)] = "",
    limit: Annotated[int, Query(ge=1, le=50)] = 30,
) -> DirectoryPublic:
    items = await directory(services).search(
        principal.actor, query=q, profession=profession or None, city=city, limit=limit
    )
    return DirectoryPublic.model_validate({"items": items})


@directory_router.get("/directory/professions", response_model=ProfessionsPublic)
async def professions() -> ProfessionsPublic:
    return ProfessionsPublic.model_validate({"items": DirectoryService.professions()})


# ---------------------------------------------------------------- help pages
@help_router.get("/help-pages", response_model=HelpPagesPublic)
async def help_pages(services: ServicesDep) -> HelpPagesPublic:
    public_url = services.core.settings.effective_public_url
    return HelpPagesPublic.model_validate(
        {
            "items": [
                {"slug": p.slug, "title": p.title, "summary": p.summary, "url": help_url(public_url, p.slug)}
                for p in HELP_PAGES
            ]
        }
    )


ROUTERS: list[APIRouter] = [router, requests_router, directory_router, help_router]
