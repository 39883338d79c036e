"""Structured logs: one JSON object per line, tagged with the request id and the route template.

`RequestContext` (pure ASGI middleware) gives each HTTP request and socket a request id — the
client's or proxy's `X-Request-ID` when it is a short plain token, a new one otherwise — echoes it
in the response and keeps it, with the scope, in a context variable for the log records written
while it runs. `JsonFormatter` writes `time`, `level`, `logger`, `message`, `request_id`, `route`
and, for a record carrying an exception, `error` as `server.kernel.failures.failure` describes it
(types, SQL operation, our frames): never the exception's text or a traceback, which may quote
values (health data). The message itself is the product's: the product logs ids, never content
(tests/server/test_log_secrets.py scans both formats).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from server.kernel.failures import failure
from server.kernel.metrics import Asgi, Message, Receive, Scope, Send, route_template

HEADER = b"x-request-id"
_ACCEPTED_ID = re.compile(rb"[A-Za-z0-9._:-]{1,64}")


@dataclass(frozen=True)
class RequestInfo:
    """The request a log record was written under."""

    request_id: str
    scope: Scope


CURRENT: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar(
    "teleconsult_request", default=None
)


def request_id_of(scope: Scope) -> str:
    """The `X-Request-ID` the request came with when it is a plain token, else a new random one."""
    for name, value in scope.get("headers", ()):
        if name == HEADER and _ACCEPTED_ID.fullmatch(value):
            return str(value.decode("ascii"))
    return uuid.uuid4().hex


class RequestContext:
    """ASGI middleware: the request id of each HTTP request and socket, echoed in the response."""

    def __init__(self, app: Asgi) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        info = RequestInfo(request_id_of(scope), scope)
        token = CURRENT.set(info)
        header = (HEADER, info.request_id.encode("ascii"))

        async def send_with_id(message: Message) -> None:
            if message["type"] in ("http.response.start", "websocket.accept"):
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            CURRENT.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; no exception text nor traceback (see the module docstring)."""

    def format(self, record: logging.LogRecord) -> str:
        info = CURRENT.get()
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": info.request_id if info is not None else None,
            "route": route_template(info.scope) if info is not None else None,
        }
        if record.exc_info and record.exc_info[1] is not None:
            entry["error"] = failure(record.exc_info[1])
        return json.dumps(entry, ensure_ascii=False)


def log_handler(log_format: str) -> logging.Handler:
    """The process's log handler (standard error) in `log_format` (« text » or « json »)."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    return handler
