"""Documents: upload as a raw streamed body (PUT, idempotent), download streamed and decrypted (GET)."""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator
from email.message import Message
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from starlette.requests import ClientDisconnect

from contracts.wire.common import ErrorPublic
from contracts.wire.conversations import MessagePublic
from server.accounts.deps import CurrentUser
from server.api.queries import IdPath
from server.attachments.service import AttachmentService
from server.kernel.errors import InvalidInputError

router = APIRouter(tags=["documents"])

_ERRORS: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorPublic, "description": "Conversation ou document introuvable"},
}


class UploadInterruptedError(InvalidInputError):
    code = "upload_interrupted"


async def _body(request: Request) -> AsyncIterator[bytes]:
    """The request body as it arrives; a client that goes away mid-way ends the upload."""
    try:
        async for chunk in request.stream():
            if chunk:
                yield chunk
    except ClientDisconnect:
        raise UploadInterruptedError("L'envoi du fichier a été interrompu. Réessayez.") from None


def _header_filename(request: Request) -> str:
    """The name in `Content-Disposition: attachment; filename*=UTF-8''…` (RFC 6266/8187), if sent.

    Clients may send the name there rather than in `?filename=`: URLs end up in proxy access logs,
    and a file name can be health data.
    """
    value = request.headers.get("content-disposition")
    if not value or len(value) > 4000:
        return ""
    parsed = Message()
    parsed["content-disposition"] = value
    name = parsed.get_filename()
    return name if isinstance(name, str) else ""


def _declared_size(request: Request) -> int | None:
    value = request.headers.get("content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _attachments(request: Request) -> AttachmentService:
    service: AttachmentService = request.app.state.services.attachments
    return service


AttachmentsDep = Annotated[AttachmentService, Depends(_attachments)]


@router.put(
    "/conversations/{conversation_id}/attachments/{attachment_id}",
    response_model=MessagePublic,
    responses={
        200: {"description": "Déjà reçu (renvoi idempotent)"},
        201: {"description": "Document enregistré et envoyé"},
        403: {"model": ErrorPublic, "description": "Conversation fermée au patient"},
        413: {"model": ErrorPublic, "description": "Fichier trop volumineux (25 Mo au plus)"},
        415: {"model": ErrorPublic, "description": "Ni un PDF, ni un JPEG, ni un PNG valide"},
        **_ERRORS,
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "Le fichier lui-même (PDF, JPEG ou PNG, 25 Mo au plus).",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def put_attachment(
    conversation_id: IdPath,
    attachment_id: IdPath,
    request: Request,
    principal: CurrentUser,
    attachments: AttachmentsDep,
    response: Response,
    # Not under the input policy: a name from the user's disk is cleaned (`clean_filename`), not refused.
    filename: Annotated[str | None, Query(max_length=1000)] = None,
) -> MessagePublic:
    """Send a document whose id the client generated; a retry with the same id never duplicates.

    The file name comes from `?filename=` or, when absent, from a `Content-Disposition` header.
    """
    message, created = await attachments.upload(
        principal.actor,
        conversation_id,
        attachment_id,
        filename if filename is not None else _header_filename(request),
        _body(request),
        declared_size=_declared_size(request),
    )
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return message


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the exact UTF-8 name (RFC 6266 / RFC 8187)."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    ascii_name = "".join(c if c.isprintable() and c not in '"\\;' else "_" for c in ascii_name).strip()
    fallback = ascii_name if ascii_name and not ascii_name.startswith(".") else "document"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get(
    "/attachments/{attachment_id}",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "Le document déchiffré",
            "content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}},
        },
        409: {"model": ErrorPublic, "description": "Document endommagé sur le serveur"},
        **_ERRORS,
    },
)
async def get_attachment(
    attachment_id: IdPath, principal: CurrentUser, attachments: AttachmentsDep
) -> StreamingResponse:
    """The document, for the two participants of its conversation only."""
    download = await attachments.open_download(principal.actor, attachment_id)
    headers = {
        "Content-Length": str(download.size),
        "Content-Disposition": content_disposition(download.filename),
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    return StreamingResponse(download.chunks, media_type=download.content_type, headers=headers)
