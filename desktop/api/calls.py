"""REST client of the call routes (`/api/v1/conversations/{id}/calls`, `/calls/…`).

Kept beside `ApiClient` rather than in it: the video feature is loaded only when the practitioner
uses it. It follows the same rules: the server's French `detail` as an `ApiError`, network
failures as `ServerUnreachableError`, the bearer token read from the session at each request (a
re-authentication replaces it without rebuilding this client).
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
from pydantic import TypeAdapter

from contracts.wire.calls import CallPublic, IceServerPublic
from desktop.api.http import JsonHttp, read_json

_ICE_SERVERS = TypeAdapter(list[IceServerPublic])


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

    async def start_call(self, conversation_id: str) -> CallPublic:
        """Open the conversation's call (or get the open one); the patient is told by the server."""
        return await self._model(CallPublic, "POST", f"/conversations/{conversation_id}/calls")

    async def end_call(self, call_id: str) -> None:
        await self._send("POST", f"/calls/{call_id}/end", json={"reason": "ended"})

    async def ice_servers(self) -> list[IceServerPublic]:
        """STUN/TURN servers with fresh credentials; `[]` means host candidates only."""
        response = await self._call("GET", "/calls/ice-servers")
        return read_json(_ICE_SERVERS.validate_json, "ICE server list", response)
