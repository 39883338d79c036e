"""GET /api/v1/help-pages: the help pages a practitioner pastes into a conversation."""

from __future__ import annotations

from fastapi import APIRouter

from contracts.wire.invitations import (
    HelpPagesPublic,
)
from server.api.deps import SettingsDep
from server.patient_web.help_pages import HELP_PAGES, help_url

help_router = APIRouter(tags=["aide"])


# ---------------------------------------------------------------- help pages
@help_router.get("/help-pages", response_model=HelpPagesPublic)
async def help_pages(settings: SettingsDep) -> HelpPagesPublic:
    public_url = settings.effective_public_url
    return HelpPagesPublic.model_validate(
        {
            "items": [
                {"slug": p.slug, "title": p.title, "summary": p.summary, "url": help_url(public_url, p.slug)}
                for p in HELP_PAGES
            ]
        }
    )
