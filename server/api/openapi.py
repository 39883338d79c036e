"""The OpenAPI document says what the server answers, errors included (issue 11, §5).

FastAPI documents its own 422 shape (`HTTPValidationError`) and only the statuses a route declares;
the server answers a French `InvalidInputPublic` for a 422 and an `ErrorPublic` for the errors the
kernel raises anywhere (no session, wrong role, not found, a rate limit...). `document_errors`
rewrites the generated document once, so that a client generated from it, or a fuzzer checking the
answers against it (`tests/server/test_fuzz_openapi.py`), sees the answers as they are.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema

from contracts.wire.common import ErrorPublic, InvalidInputPublic

_REF = "#/components/schemas/{model}"

# Statuses any operation may answer, whatever its route declares (`ErrorPublic`).
_ANY = {
    401: "Session absente ou expirée, ou identifiants refusés",
    403: "Refusé pour ce rôle ou ce compte",
    404: "Introuvable, ou hors de vos conversations",
    429: "Trop de tentatives : réessayer plus tard (en-tête Retry-After)",
}
# Statuses of the operations that read a request body, or change something.
_WITH_BODY = {
    400: "Requête illisible",
    413: "Requête trop volumineuse",
    415: "Type de contenu non pris en charge",
}
_WRITES = {409: "Conflit avec l'état actuel : rien n'a changé"}


def _content(model: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": _REF.format(model=model)}}}


def error_responses(doc: dict[str, Any], prefix: str) -> dict[str, Any]:
    """`doc` with the server's real error answers on every operation under `prefix`."""
    _, defs = models_json_schema(
        [(ErrorPublic, "serialization"), (InvalidInputPublic, "serialization")],
        ref_template=_REF,
    )
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(defs.get("$defs", {}))
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for path, operations in doc.get("paths", {}).items():
        if not path.startswith(prefix):
            continue
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            if "requestBody" in operation or operation.get("parameters") or "422" in responses:
                responses["422"] = {
                    "description": "Saisie refusée",
                    "content": _content("InvalidInputPublic"),
                }
            statuses = dict(_ANY)
            if "requestBody" in operation:
                statuses.update(_WITH_BODY)
            if method in ("post", "put", "patch", "delete"):
                statuses.update(_WRITES)
            for status, description in statuses.items():
                responses.setdefault(
                    str(status), {"description": description, "content": _content("ErrorPublic")}
                )
    return doc


def document_errors(app: FastAPI, prefix: str) -> None:
    """Serve the OpenAPI document with the error answers of every operation under `prefix`."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(
                title=app.title, version=app.version, openapi_version=app.openapi_version, routes=app.routes
            )
            app.openapi_schema = error_responses(doc, prefix)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
