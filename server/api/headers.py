"""Security headers on every HTTP response, as a plain ASGI middleware.

Starlette's `@app.middleware("http")` (BaseHTTPMiddleware) wraps each request in a task group
and memory streams: about a tenth of a REST request's CPU on the hot send path (profile in
docs/decisions.md, « Throughput under a mixed load »). This one only rewrites the start message.
"""

from __future__ import annotations

from typing import Any

Message = dict[str, Any]

_ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
_NO_STORE = (b"cache-control", b"no-store")


class SecurityHeaders:
    """Add the headers a response does not set itself; API answers are never cached."""

    def __init__(self, app: Any, api_prefix: str) -> None:
        self.app = app
        self.api_prefix = api_prefix

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = [*_ALWAYS, _NO_STORE] if scope.get("path", "").startswith(self.api_prefix) else list(_ALWAYS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                names = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in extra if k not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
