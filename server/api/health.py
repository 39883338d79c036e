"""GET /api/v1/health: the server and its database answer."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from contracts.wire.common import HealthPublic
from server.api.deps import CoreDep

router = APIRouter(tags=["santé du service"])


@router.get("/health", response_model=HealthPublic)
async def health(core: CoreDep) -> HealthPublic:
    async with core.db.read() as session:
        await session.execute(text("SELECT 1"))
    backend = "sqlite" if core.db.sqlite else "postgresql"
    return HealthPublic(status="ok", database=backend, version="0.1.0")
