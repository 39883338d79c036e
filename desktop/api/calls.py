"""REST client of the call routes (`/api/v1/conversations/{id}/calls`, `/calls/…`).

Kept beside `ApiClient` rather than in it: the video feature is loaded only when the practitioner
uses it. It follows the same rules: the server's French `detail` as an `ApiError`, network
failures as `ServerUnreachableError`, the bearer token read from the session at each request (a
re-authentication replaces it without rebuilding this client).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

from desktop.api.http import JsonHttp
from desktop.domain.models import Wire


@dataclass(frozen=True)
class CallInfo:
    """A call as the server describes it (CallPublic)."""

    id: str
    conversation_id: str
    active: bool

    @classmethod
    def from_wire(cls, data: Wire) -> CallInfo:
        return cls(str(data["id"]), str(data["conversation_id"]), data.get("status") == "active")


class CallApiClient(JsonHttp):
    """Start and end calls, and fetch the ICE servers (fresh TURN credentials each time)."""

    def __init__(
        self,
        server_url: str,
        token: Callable[[], str | None],
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(server_url, token, timeout=timeout, transport=transport)

    async def start_call(self, conversation_id: str) -> CallInfo:
        """Open the conversation's call (or get the open one); the patient is told by the server."""
        return CallInfo.from_wire(await self._json("POST", f"/conversations/{conversation_id}/calls"))

    async def end_call(self, call_id: str) -> None:
        await self._json("POST", f"/calls/{call_id}/end", json={"reason": "ended"})

    async def ice_servers(self) -> list[Wire]:
        """STUN/TURN as WebRTC `iceServers` dicts; `[]` means host candidates only."""
        data = await self._json("GET", "/calls/ice-servers")
        return [entry for entry in data if isinstance(entry, dict)] if isinstance(data, list) else []
