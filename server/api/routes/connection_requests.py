"""Connection requests: the patient asks, the practitioner accepts or declines."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from server.api.deps import CurrentPatient, CurrentPractitioner, CurrentUser, ServicesDep
from server.api.schemas_invitations import (
    ConnectionRequestAcceptedPublic,
    ConnectionRequestCreate,
    ConnectionRequestDeclinedPublic,
    ConnectionRequestOutcomePublic,
    ConnectionRequestsPublic,
)
from server.domain.invitation_feature import connection_requests

router = APIRouter(tags=["demandes de mise en relation"])


@router.post("/connection-requests", response_model=ConnectionRequestOutcomePublic)
async def create_request(
    body: ConnectionRequestCreate, principal: CurrentPatient, services: ServicesDep, response: Response
) -> ConnectionRequestOutcomePublic:
    """Ask a practitioner of the directory to get in touch, with a short message."""
    result = await connection_requests(services).create(principal.actor, body.practitioner_id, body.message)
    response.status_code = status.HTTP_201_CREATED if result["outcome"] == "created" else status.HTTP_200_OK
    return ConnectionRequestOutcomePublic.model_validate(result)


@router.get("/connection-requests", response_model=ConnectionRequestsPublic)
async def list_requests(
    principal: CurrentUser,
    services: ServicesDep,
    status_filter: Annotated[str | None, Query(alias="status", max_length=20)] = None,
) -> ConnectionRequestsPublic:
    """Received requests for a practitioner (`?status=pending` for the banner), sent ones for a patient."""
    items = await connection_requests(services).list_for(principal.actor, status_filter)
    return ConnectionRequestsPublic.model_validate({"items": items})


@router.post("/connection-requests/{request_id}/accept", response_model=ConnectionRequestAcceptedPublic)
async def accept_request(
    request_id: str, principal: CurrentPractitioner, services: ServicesDep
) -> ConnectionRequestAcceptedPublic:
    return ConnectionRequestAcceptedPublic.model_validate(
        await connection_requests(services).accept(principal.actor, request_id)
    )


@router.post("/connection-requests/{request_id}/decline", response_model=ConnectionRequestDeclinedPublic)
async def decline_request(
    request_id: str, principal: CurrentPractitioner, services: ServicesDep
) -> ConnectionRequestDeclinedPublic:
    return ConnectionRequestDeclinedPublic.model_validate(
        await connection_requests(services).decline(principal.actor, request_id)
    )
