"""Video calls over REST: start, current call, end, and the ICE servers of the caller.

Signaling itself goes over the realtime socket (server/api/call_relay.py); these routes are for
what must be acknowledged or is read once: the practitioner starting or ending a call, a page
loading the open call, and the STUN/TURN list (with short-lived TURN credentials).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from contracts.wire.calls import CallEnd, CallPublic, CurrentCallPublic, IceServerPublic
from server.accounts.deps import CurrentPractitioner, CurrentUser
from server.api.deps import CoreDep
from server.api.queries import IdPath
from server.calls.ice_servers import ice_servers
from server.calls.service import CallService

router = APIRouter(tags=["appels vidéo"])


def _calls(request: Request) -> CallService:
    service: CallService = request.app.state.services.calls
    return service


CallsDep = Annotated[CallService, Depends(_calls)]


@router.post(
    "/conversations/{conversation_id}/calls",
    response_model=CallPublic,
    responses={200: {"description": "Un appel était déjà ouvert"}, 201: {"description": "Appel démarré"}},
)
async def start_call(
    conversation_id: IdPath, principal: CurrentPractitioner, calls: CallsDep, response: Response
) -> CallPublic:
    """Start the conversation's call (the patient is told at once), or return the open one."""
    call, created = await calls.start(principal.actor, conversation_id)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return call


@router.get("/conversations/{conversation_id}/calls/current", response_model=CurrentCallPublic)
async def current_call(conversation_id: IdPath, principal: CurrentUser, calls: CallsDep) -> CurrentCallPublic:
    return await calls.current(principal.actor, conversation_id)


@router.post("/calls/{call_id}/end", response_model=CallPublic)
async def end_call(
    call_id: IdPath, principal: CurrentUser, calls: CallsDep, body: CallEnd | None = None
) -> CallPublic:
    """End a call for both participants (idempotent)."""
    reason = body.reason if body is not None else "ended"
    return await calls.end(principal.actor, call_id, reason)


@router.get("/calls/ice-servers", response_model=list[IceServerPublic], response_model_exclude_none=True)
async def get_ice_servers(principal: CurrentUser, core: CoreDep) -> list[IceServerPublic]:
    """STUN/TURN servers for the caller's peer connections; `[]` means host candidates only."""
    return ice_servers(core.settings, principal.user_id, core.clock().timestamp())
