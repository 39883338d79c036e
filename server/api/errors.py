"""Every error leaves as `{"code": "...", "detail": "<phrase en français>"}` with the right status.

An unexpected exception is answered with a French 500 by `CatchAll`, inside the application, and
logged by type and place only (`server.kernel.failures`): Starlette's outermost error middleware
would log it again with its text, which for a database error holds other people's data.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from contracts.wire.common import french_validation
from server.kernel.errors import (
    DiskFullError,
    DomainError,
    RateLimitedError,
    StorageFullError,
    is_storage_full,
)
from server.kernel.failures import failure

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


_INTERNAL = error_body("internal_error", "Erreur interne du serveur. Réessayez dans un instant.")
_FULL = StorageFullError()
_STORAGE_FULL = error_body(_FULL.code, _FULL.detail)
STORAGE_RETRY_AFTER = "60"


def _mark_storage_full(app: Any) -> None:
    """A disk-full error outside a database write (a document's file): writes are refused now."""
    runtime = getattr(getattr(app, "state", None), "runtime", None)
    db = getattr(runtime, "db", None)
    if db is not None:
        db.storage.mark_full()


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class CatchAll:
    """Answer what the application did not handle with the French 500 (a socket: close 1011), and
    log it as `failure()` says: nothing of it propagates to the server's own error log."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] in ("http.response.start", "websocket.accept", "websocket.close"):
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            full = is_storage_full(exc)
            if full:
                _mark_storage_full(scope.get("app"))
            else:
                log.error("unexpected error: %s", failure(exc))
            try:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1011})
                elif not started:
                    body = json.dumps(_STORAGE_FULL if full else _INTERNAL, ensure_ascii=False).encode()
                    headers = [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ]
                    if full:
                        headers.append((b"retry-after", STORAGE_RETRY_AFTER.encode()))
                    status = 503 if full else 500
                    await send({"type": "http.response.start", "status": status, "headers": headers})
                    await send({"type": "http.response.body", "body": body})
            except Exception:  # the client went away, or the answer had already begun
                log.warning("unexpected error: the answer could not be completed")


def install_error_handlers(app: FastAPI) -> None:
    """The French error answers, and `CatchAll` (call before adding the other middlewares, so that
    they wrap its answer too: security headers, body caps)."""
    app.add_middleware(CatchAll)

    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimitedError) else None
        if isinstance(exc, StorageFullError):
            headers = {"Retry-After": STORAGE_RETRY_AFTER}
        return JSONResponse(
            error_body(exc.code, exc.detail, field=exc.field), status_code=exc.status, headers=headers
        )

    @app.exception_handler(DiskFullError)
    async def _storage_full(_request: Request, _exc: DiskFullError) -> JSONResponse:
        return JSONResponse(_STORAGE_FULL, status_code=503, headers={"Retry-After": STORAGE_RETRY_AFTER})

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
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Reached only by an exception of a middleware outside `CatchAll`.
        if is_storage_full(exc):
            _mark_storage_full(request.app)
            return JSONResponse(_STORAGE_FULL, status_code=503, headers={"Retry-After": STORAGE_RETRY_AFTER})
        log.error("unexpected error: %s", failure(exc))
        return JSONResponse(_INTERNAL, status_code=500)
