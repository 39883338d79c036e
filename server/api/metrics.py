"""GET /metrics: the Prometheus exposition, for the operator's scraper only.

Not under /api/v1 and not in the OpenAPI document: it is not part of the product's API. Disabled
(404) until `TELECONSULT_METRICS_TOKEN` is set; then it asks for that token as a bearer
(`Authorization: Bearer …`), compared in constant time (docs/deploy.md, docs/decisions.md).
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from starlette.responses import Response

from server.api.deps import SettingsDep
from server.kernel.errors import AuthenticationError, NotFoundError
from server.kernel.metrics import CONTENT_TYPE, Metrics

router = APIRouter(include_in_schema=False)


@router.get("/metrics")
async def metrics(request: Request, settings: SettingsDep) -> Response:
    expected = settings.metrics_token.get_secret_value()
    if not expected:
        raise NotFoundError("Ressource introuvable.")
    given = request.headers.get("authorization", "")
    scheme, _, token = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise AuthenticationError("Jeton des métriques absent ou invalide.")
    registry: Metrics = request.app.state.metrics
    return Response(await registry.render(), media_type=CONTENT_TYPE)
