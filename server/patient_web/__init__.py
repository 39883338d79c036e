"""The patient web app: plain HTML pages, JavaScript modules and CSS served by the companion server.

No build step: files under `static/` are served as they are; pages are a shell template with a
fragment per page (`templates/`), filled on the server with escaped values only. Every response
outside the API carries a strict Content-Security-Policy (no inline script or style at all).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from server.patient_web.pages import router
from server.settings import Settings

STATIC_DIR = Path(__file__).parent / "static"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; "
    "img-src 'self' blob: data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
# Camera and microphone stay possible for the call page of this origin; nothing else.
PERMISSIONS_POLICY = "camera=(self), microphone=(self), geolocation=(), payment=(), usb=()"


class PatientPageHeaders:
    """ASGI middleware: CSP and related headers on every response outside `/api/`."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith("/api/"):
            await self.app(scope, receive, send)
            return
        is_static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                names = {name.lower() for name, _ in headers}
                extra = [
                    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
                    (b"permissions-policy", PERMISSIONS_POLICY.encode()),
                    (b"cross-origin-opener-policy", b"same-origin"),
                    # Pages may show invitation details: never cached; assets revalidated (no hashes).
                    (b"cache-control", b"no-cache" if is_static else b"no-store"),
                ]
                headers += [(k, v) for k, v in extra if k not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def mount(app: FastAPI, settings: Settings) -> None:
    """Serve the patient pages, the help pages and their static files on `app`."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="patient-static")
    app.add_middleware(PatientPageHeaders)
