"""Every error leaves as `{"code": "...", "detail": "<phrase en français>"}` with the right status."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from contracts.wire.common import french_validation
from server.kernel.errors import DomainError, RateLimitedError

log = logging.getLogger(__name__)

_HTTP_DETAILS = {
    400: ("bad_request", "Requête invalide."),
    401: ("unauthenticated", "Connectez-vous pour continuer."),
    403: ("forbidden", "Accès refusé."),
    404: ("not_found", "Ressource introuvable."),
    405: ("method_not_allowed", "Méthode non autorisée pour cette adresse."),
    406: ("not_acceptable", "Format de réponse non disponible."),
    413: ("payload_too_large", "La requête est trop volumineuse."),
    415: ("unsupported_media_type", "Type de contenu non pris en charge."),
    429: ("rate_limited", "Trop de requêtes. Réessayez dans un instant."),
}


def error_body(code: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "detail": detail, **{k: v for k, v in extra.items() if v is not None}}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimitedError) else None
        return JSONResponse(
            error_body(exc.code, exc.detail, field=exc.field), status_code=exc.status, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first, items = french_validation(list(exc.errors()))
        return JSONResponse(error_body("invalid_input", first, errors=items), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, detail = _HTTP_DETAILS.get(exc.status_code, ("error", "La requête n'a pas pu aboutir."))
        if isinstance(exc.detail, str) and exc.detail and not exc.detail.isascii():
            detail = exc.detail  # already French (raised by our own code)
        return JSONResponse(error_body(code, detail), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error: %s", type(exc).__name__, exc_info=exc)
        return JSONResponse(
            error_body("internal_error", "Erreur interne du serveur. Réessayez dans un instant."),
            status_code=500,
        )
