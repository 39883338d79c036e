"""Every error leaves as `{"code": "...", "detail": "<phrase en français>"}` with the right status."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from server.domain.errors import DomainError, RateLimitedError

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

_TYPE_MESSAGES = {
    "missing": "Le champ « {f} » est obligatoire.",
    "extra_forbidden": "Le champ « {f} » n'est pas accepté.",
    "string_too_long": "Le champ « {f} » est trop long.",
    "string_too_short": "Le champ « {f} » est trop court.",
    "too_long": "Le champ « {f} » contient trop d'éléments.",
    "too_short": "Le champ « {f} » ne contient pas assez d'éléments.",
    "date_parsing": "Le champ « {f} » doit être une date au format AAAA-MM-JJ.",
    "date_from_datetime_parsing": "Le champ « {f} » doit être une date au format AAAA-MM-JJ.",
    "date_type": "Le champ « {f} » doit être une date au format AAAA-MM-JJ.",
    "datetime_parsing": "Le champ « {f} » doit être une date et une heure (ISO 8601).",
    "datetime_type": "Le champ « {f} » doit être une date et une heure (ISO 8601).",
    "uuid_parsing": "Le champ « {f} » doit être un identifiant (UUID).",
    "uuid_type": "Le champ « {f} » doit être un identifiant (UUID).",
    "literal_error": "Le champ « {f} » a une valeur non acceptée.",
    "enum": "Le champ « {f} » a une valeur non acceptée.",
    "greater_than": "Le champ « {f} » est trop petit.",
    "greater_than_equal": "Le champ « {f} » est trop petit.",
    "less_than": "Le champ « {f} » est trop grand.",
    "less_than_equal": "Le champ « {f} » est trop grand.",
    "decimal_max_places": "Le champ « {f} » a trop de décimales.",
    "decimal_parsing": "Le champ « {f} » doit être un nombre.",
    "value_error": "Le champ « {f} » est invalide.",
}


def error_body(code: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "detail": detail, **{k: v for k, v in extra.items() if v is not None}}


def french_validation(errors: list[dict[str, Any]]) -> tuple[str, list[dict[str, str]]]:
    """The first problem as a French sentence, and one entry per problem."""
    items = []
    for err in errors:
        kind = str(err.get("type", ""))
        loc = [str(p) for p in err.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header", "cookie"):
            loc = loc[1:]
        name = ".".join(loc)
        if kind == "json_invalid":
            name = ""
            text = "Le corps de la requête n'est pas un JSON valide."
        elif kind in ("model_attributes_type", "dict_type", "model_type") and not loc:
            text = "Le corps de la requête doit être un objet JSON."
        elif kind == "missing" and not loc:
            text = "Le corps de la requête est vide."
        elif kind in _TYPE_MESSAGES:
            text = _TYPE_MESSAGES[kind].format(f=name)
        elif kind.endswith("_type") or kind.endswith("_parsing"):
            text = f"Le champ « {name} » n'a pas le bon type."
        else:
            text = f"Le champ « {name} » est invalide."
        items.append({"field": name, "detail": text})
    first = items[0]["detail"] if items else "Requête invalide."
    return first, items


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
