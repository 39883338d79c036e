"""REST client of the companion server (`/api/v1`, docs/api-contracts.md), on `httpx.AsyncClient`.

Every method returns domain values or raises an `ApiError` with the server's French message;
network failures become `ServerUnreachableError` so callers can queue work for later.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from desktop.api.errors import ServerUnreachableError
from desktop.api.http import API_PREFIX, JsonHttp, error_of
from desktop.api.transfers import Progress, download_to, file_chunks
from desktop.domain.models import (
    Account,
    ConnectionRequest,
    ConversationSummary,
    HelpPage,
    Invitation,
    InvitationCheck,
    Message,
    Wire,
)

log = logging.getLogger(__name__)


class ApiClient(JsonHttp):
    """One signed-in (or anonymous) client of a server."""

    def __init__(
        self,
        server_url: str,
        token: str | None = None,
        *,
        timeout: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(server_url, lambda: self._token, timeout=timeout, transport=transport)
        self._token = token

    @property
    def ws_url(self) -> str:
        scheme = "wss" if self.server_url.startswith("https://") else "ws"
        return f"{scheme}://{self.server_url.split('://', 1)[1]}{API_PREFIX}/ws"

    @property
    def token(self) -> str | None:
        return self._token

    def set_token(self, token: str | None) -> None:
        self._token = token

    # ---------------------------------------------------------------- server and account
    async def health(self) -> Wire:
        data: Wire = await self._json("GET", "/health")
        return data

    async def login(self, email: str, password: str) -> tuple[str, Account]:
        data = await self._json(
            "POST", "/auth/login", json={"role": "practitioner", "identifier": email, "password": password}
        )
        return str(data["token"]), Account.from_wire(data["user"])

    async def sign_up(self, fields: Wire) -> tuple[str, Account]:
        data = await self._json("POST", "/auth/practitioners", json=fields)
        return str(data["token"]), Account.from_wire(data["user"])

    async def logout(self) -> None:
        await self._json("POST", "/auth/logout")

    async def me(self) -> Account:
        return Account.from_wire(await self._json("GET", "/me"))

    # ---------------------------------------------------------------- conversations
    async def conversations(
        self, *, limit: int = 200, before: str | None = None, query: str = ""
    ) -> tuple[list[ConversationSummary], str | None]:
        params: dict[str, Any] = {"limit": limit}
        if before:
            params["before"] = before
        if query:
            params["q"] = query
        data = await self._json("GET", "/conversations", params=params)
        items = [ConversationSummary.from_wire(c) for c in data.get("items", [])]
        next_before = data.get("next_before")
        return items, next_before if isinstance(next_before, str) else None

    async def all_conversations(self) -> AsyncIterator[list[ConversationSummary]]:
        """Every conversation, page by page (most recent first)."""
        before: str | None = None
        while True:
            items, before = await self.conversations(before=before)
            yield items
            if not before or not items:
                return

    async def conversation(self, conversation_id: str) -> ConversationSummary:
        return ConversationSummary.from_wire(await self._json("GET", f"/conversations/{conversation_id}"))

    async def messages(
        self, conversation_id: str, *, after: int | None = None, before: int | None = None, limit: int = 100
    ) -> list[Message]:
        params: dict[str, Any] = {"limit": limit}
        if after is not None:
            params["after"] = after
        if before is not None:
            params["before"] = before
        data = await self._json("GET", f"/conversations/{conversation_id}/messages", params=params)
        return [Message.from_wire(m) for m in data.get("items", [])]

    async def put_message(self, conversation_id: str, message_id: str, body: str) -> Message:
        """Send a text message; a retry with the same `message_id` returns the stored one."""
        data = await self._json(
            "PUT", f"/conversations/{conversation_id}/messages/{message_id}", json={"body": body}
        )
        return Message.from_wire(data)

    async def mark_read(self, conversation_id: str, seq: int) -> None:
        await self._json("POST", f"/conversations/{conversation_id}/read", json={"seq": seq})

    async def set_patient_write(
        self, conversation_id: str, mode: str, until: date | None
    ) -> ConversationSummary:
        body = {"patient_write": {"mode": mode, "until": until.isoformat() if until else None}}
        return ConversationSummary.from_wire(
            await self._json("PATCH", f"/conversations/{conversation_id}", json=body)
        )

    # ---------------------------------------------------------------- attachments
    async def upload_attachment(
        self,
        conversation_id: str,
        attachment_id: str,
        path: Path,
        filename: str,
        progress: Progress | None = None,
    ) -> Message:
        """Stream a file as the raw request body; idempotent on `attachment_id`."""
        size = (await asyncio.to_thread(path.stat)).st_size
        response = await self._call(
            "PUT",
            f"/conversations/{conversation_id}/attachments/{attachment_id}",
            params={"filename": filename},
            content=file_chunks(path, size, progress),
            headers={
                "Content-Type": "application/octet-stream",
                "Content-Length": str(size),
            },
            timeout=httpx.Timeout(120.0, connect=5.0),
        )
        return Message.from_wire(response.json())

    async def download_attachment(
        self, attachment_id: str, target: Path, progress: Progress | None = None
    ) -> Path:
        """Stream an attachment into `target` (written to a temporary name, then renamed)."""
        try:
            async with self._http.stream(
                "GET", f"/attachments/{attachment_id}", headers=self._headers(), timeout=120.0
            ) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise error_of(response)
                await download_to(response, target, progress)
        except (httpx.TransportError, httpx.TimeoutException) as exc:
            raise ServerUnreachableError() from exc
        return target

    # ---------------------------------------------------------------- invitations
    async def validate_invitation(self, fields: Wire) -> InvitationCheck:
        data = await self._json("POST", "/invitations/validate", json=fields)
        return InvitationCheck(str(data.get("channel", "email")), data.get("email"), data.get("phone"))

    async def create_invitation(self, fields: Wire) -> tuple[str, Invitation | None, str | None]:
        """(outcome, invitation, conversation_id); outcome: created | updated | existing_conversation."""
        data = await self._json("POST", "/invitations", json=fields)
        raw = data.get("invitation")
        invitation = Invitation.from_wire(raw) if isinstance(raw, dict) else None
        conversation_id = data.get("conversation_id")
        return (
            str(data.get("outcome", "created")),
            invitation,
            conversation_id if isinstance(conversation_id, str) else None,
        )

    async def invitations(self, *, query: str = "", status: str = "") -> list[Invitation]:
        params = {k: v for k, v in (("q", query), ("status", status)) if v}
        data = await self._json("GET", "/invitations", params=params)
        return [Invitation.from_wire(i) for i in data.get("items", [])]

    async def update_invitation(self, invitation_id: str, fields: Wire) -> Invitation:
        return Invitation.from_wire(await self._json("PATCH", f"/invitations/{invitation_id}", json=fields))

    async def resend_invitation(self, invitation_id: str) -> Invitation | None:
        return _maybe_invitation(await self._json("POST", f"/invitations/{invitation_id}/resend"))

    async def cancel_invitation(self, invitation_id: str) -> Invitation | None:
        return _maybe_invitation(await self._json("POST", f"/invitations/{invitation_id}/cancel"))

    async def invitation_link(self, invitation_id: str) -> str:
        data = await self._json("POST", f"/invitations/{invitation_id}/link")
        return str(data["url"])

    # ---------------------------------------------------------------- connection requests, help
    async def connection_requests(self, status: str = "pending") -> list[ConnectionRequest]:
        data = await self._json("GET", "/connection-requests", params={"status": status})
        return [ConnectionRequest.from_wire(r) for r in data.get("items", [])]

    async def accept_request(self, request_id: str) -> str:
        data = await self._json("POST", f"/connection-requests/{request_id}/accept")
        return str(data["conversation_id"])

    async def decline_request(self, request_id: str) -> None:
        await self._json("POST", f"/connection-requests/{request_id}/decline")

    async def help_pages(self) -> list[HelpPage]:
        data = await self._json("GET", "/help-pages")
        pages = [HelpPage.from_wire(p) for p in data.get("items", [])]
        # The server may answer with paths ("/aide/…"): the patient needs a full link.
        return [
            HelpPage(p.slug, p.title, p.url if "://" in p.url else self.server_url + p.url) for p in pages
        ]


def _maybe_invitation(data: Any) -> Invitation | None:
    if isinstance(data, dict):
        raw = data.get("invitation", data)
        if isinstance(raw, dict) and "id" in raw:
            return Invitation.from_wire(raw)
    return None
