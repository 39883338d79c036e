"""GET /api/v1/health: the server and its database answer.

Always 200 while the server answers: a degraded bus (Redis away or hung) is reported in the body
(`status: degraded`, `bus: degraded`), not by a 503 that would take every process of a deployment
sharing that Redis out of its load balancer at once (docs/decisions-security-faults.md).
"""

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
    bus = core.bus.state  # read from memory: a hung Redis does not hang /health
    core.db.storage.probe()
    storage = "full" if core.db.storage.full else "ok"
    status = "ok" if bus == "ok" and storage == "ok" else "degraded"
    return HealthPublic(status=status, database=backend, version="0.1.0", bus=bus, storage=storage)
