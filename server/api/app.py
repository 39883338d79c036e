"""The FastAPI application: routes under /api/v1, errors in French, body caps, security headers."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.requests import Request
from starlette.responses import Response

from server.accounts.routes import router as accounts_router
from server.api.errors import install_error_handlers
from server.api.health import router as health_router
from server.api.limits import BodySizeLimit
from server.attachments.routes import router as attachments_router
from server.billing.routes import router as billing_router
from server.calls.routes import router as calls_router
from server.conversations.routes import router as conversations_router
from server.invitations.routes import ROUTERS as INVITATION_ROUTERS
from server.patient_web.help_routes import help_router
from server.payments.routes import router as payments_router
from server.realtime.hub import Hub, realtime_router
from server.settings import Settings

API_PREFIX = "/api/v1"

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def api_routers() -> list[APIRouter]:
    """Every REST router, one or more per feature."""
    return [
        health_router,
        accounts_router,
        conversations_router,
        attachments_router,
        *INVITATION_ROUTERS,
        help_router,
        billing_router,
        payments_router,
        calls_router,
    ]


def create_app(
    settings: Settings, lifespan: Lifespan, extra_routers: list[APIRouter] | None = None
) -> FastAPI:
    """The application; `lifespan` (from server.main) sets `app.state.services` and `app.state.hub`."""
    app = FastAPI(
        title="Teleconsult — serveur compagnon",
        version="0.1.0",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    for router in [*api_routers(), *(extra_routers or [])]:
        app.include_router(router, prefix=API_PREFIX)

    def get_hub() -> Hub:
        hub: Hub = app.state.hub
        return hub

    app.include_router(realtime_router(get_hub), prefix=API_PREFIX)

    @app.middleware("http")
    async def _security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.url.path.startswith(API_PREFIX):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    app.add_middleware(
        BodySizeLimit, json_limit=settings.max_json_bytes, upload_limit=settings.max_upload_bytes + 65536
    )
    return app
