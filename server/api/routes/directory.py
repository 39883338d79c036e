"""The directory of PRO+ practitioners, searched by signed-in users (patients, mostly)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from server.api.deps import CurrentUser, ServicesDep
from server.api.schemas_invitations import DirectoryPublic, ProfessionsPublic
from server.domain.directory import DirectoryService
from server.domain.invitation_feature import directory

router = APIRouter(tags=["annuaire"])


@router.get("/directory", response_model=DirectoryPublic)
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


@router.get("/directory/professions", response_model=ProfessionsPublic)
async def professions() -> ProfessionsPublic:
    return ProfessionsPublic.model_validate({"items": DirectoryService.professions()})
