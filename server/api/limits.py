"""Request body size caps, enforced before and while the body streams in (ASGI middleware)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[Message], Any]

_UPLOAD_PATH = re.compile(r"^/api/v1/(conversations/[^/]+/attachments|billing/.+/pdf)(/[^/]*)?$")


class BodySizeLimit:
    """Refuse bodies over `json_limit` (or `upload_limit` on upload routes) with a French 413."""

    def __init__(self, app: Any, json_limit: int, upload_limit: int) -> None:
        self.app = app
        self.json_limit = json_limit
        self.upload_limit = upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = bool(_UPLOAD_PATH.match(scope.get("path", "")))
        limit = self.upload_limit if upload else self.json_limit
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                too_big = True
            if too_big:
                await _refuse(send, upload)
                return
        received = 0
        state = {"started": False, "refused": False}

        async def limited_receive() -> Message:
            nonlocal received
            if state["refused"]:
                return {"type": "http.disconnect"}
            message: Message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Answer now and tell the app the client went away: it stops reading.
                    state["refused"] = True
                    if not state["started"]:
                        state["started"] = True
                        await _refuse(send, upload)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if state["refused"]:
                return  # the 413 already went out
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        await self.app(scope, limited_receive, guarded_send)


async def _refuse(send: Send, upload: bool) -> None:
    error = (
        {"code": "file_too_large", "detail": "Le fichier dépasse la taille maximale de 25 Mo."}
        if upload
        else {"code": "payload_too_large", "detail": "La requête est trop volumineuse."}
    )
    body = json.dumps(error, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
