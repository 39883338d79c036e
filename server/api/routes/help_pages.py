"""GET /help-pages: the patient help pages, for the practitioner's « paste a help link » menu."""

from __future__ import annotations

from fastapi import APIRouter

from server.api.deps import ServicesDep
from server.api.schemas_invitations import HelpPagesPublic
from server.domain.help_pages import HELP_PAGES, help_url

router = APIRouter(tags=["aide"])


@router.get("/help-pages", response_model=HelpPagesPublic)
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
