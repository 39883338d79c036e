"""REST client of the companion server (`/api/v1`, docs/api-contracts.md), on `httpx.AsyncClient`.

Every answer is read with its `contracts.wire` model, the very model the server returns, and
handed to the services as is (conversations as the list's `ConversationSummary` rows). Failures
raise an `ApiError` with the server's French message; network failures become
`ServerUnreachableError` so callers can queue work for later.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from contracts.wire.accounts import PasswordResetStartedPublic, PractitionerCreate, SessionPublic, UserPublic
from contracts.wire.common import HealthPublic
from contracts.wire.conversations import (
    ConversationPublic,
    ConversationsPublic,
    MessagePublic,
    MessagesPublic,
)
from contracts.wire.invitations import (
    ConnectionRequestAcceptedPublic,
    ConnectionRequestPublic,
    ConnectionRequestsPublic,
    HelpPagePublic,
    HelpPagesPublic,
    InvitationCreate,
    InvitationLinkPublic,
    InvitationOutcomePublic,
    InvitationPublic,
    InvitationsPublic,
    InvitationUpdate,
    InvitationValidationPublic,
)
from desktop.api.errors import ServerUnreachableError
from desktop.api.http import API_PREFIX, JsonHttp, error_of, read_model, wire_json
from desktop.api.transfers import Progress, download_to, file_chunks
from desktop.domain.conversation_summary import ConversationSummary

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
    async def health(self) -> HealthPublic:
        return await self._model(HealthPublic, "GET", "/health")

    async def login(self, email: str, password: str) -> SessionPublic:
        body = {"role": "practitioner", "identifier": email, "password": password}
        return await self._model(SessionPublic, "POST", "/auth/login", json=body)

    async def sign_up(self, body: PractitionerCreate) -> SessionPublic:
        return await self._model(SessionPublic, "POST", "/auth/practitioners", json=wire_json(body))

    async def request_password_reset(self, email: str) -> PasswordResetStartedPublic:
        """« Mot de passe oublié ? »: a code is emailed if the account exists (same answer either way)."""
        body = {"identifier": email, "role": "practitioner"}
        return await self._model(PasswordResetStartedPublic, "POST", "/auth/password-reset", json=body)

    async def confirm_password_reset(self, reset_id: str, code: str, password: str) -> SessionPublic:
        """Set the new password with the emailed code; the other sessions close, this one opens."""
        path = f"/auth/password-reset/{reset_id}/confirm"
        return await self._model(SessionPublic, "POST", path, json={"code": code, "password": password})

    async def logout(self) -> None:
        await self._send("POST", "/auth/logout")

    async def me(self) -> UserPublic:
        return await self._model(UserPublic, "GET", "/me")

    # ---------------------------------------------------------------- conversations
    async def conversations(
        self, *, limit: int = 200, before: str | None = None, query: str = ""
    ) -> tuple[list[ConversationSummary], str | None]:
        params: dict[str, Any] = {"limit": limit}
        if before:
            params["before"] = before
        if query:
            params["q"] = query
        page = await self._model(ConversationsPublic, "GET", "/conversations", params=params)
        return [ConversationSummary.of(c) for c in page.items], page.next_before

    async def all_conversations(self) -> AsyncIterator[list[ConversationSummary]]:
        """Every conversation, page by page (most recent first)."""
        before: str | None = None
        while True:
            items, before = await self.conversations(before=before)
            yield items
            if not before or not items:
                return

    async def conversation(self, conversation_id: str) -> ConversationSummary:
        return ConversationSummary.of(
            await self._model(ConversationPublic, "GET", f"/conversations/{conversation_id}")
        )

    async def messages(
        self, conversation_id: str, *, after: int | None = None, before: int | None = None, limit: int = 100
    ) -> list[MessagePublic]:
        params: dict[str, Any] = {"limit": limit}
        if after is not None:
            params["after"] = after
        if before is not None:
            params["before"] = before
        path = f"/conversations/{conversation_id}/messages"
        return (await self._model(MessagesPublic, "GET", path, params=params)).items

    async def put_message(self, conversation_id: str, message_id: str, body: str) -> MessagePublic:
        """Send a text message; a retry with the same `message_id` returns the stored one."""
        path = f"/conversations/{conversation_id}/messages/{message_id}"
        return await self._model(MessagePublic, "PUT", path, json={"body": body})

    async def mark_read(self, conversation_id: str, seq: int) -> None:
        await self._send("POST", f"/conversations/{conversation_id}/read", json={"seq": seq})

    async def set_patient_write(
        self, conversation_id: str, mode: str, until: date | None
    ) -> ConversationSummary:
        body = {"patient_write": {"mode": mode, "until": until.isoformat() if until else None}}
        path = f"/conversations/{conversation_id}"
        return ConversationSummary.of(await self._model(ConversationPublic, "PATCH", path, json=body))

    # ---------------------------------------------------------------- attachments
    async def upload_attachment(
        self,
        conversation_id: str,
        attachment_id: str,
        path: Path,
        filename: str,
        progress: Progress | None = None,
    ) -> MessagePublic:
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
        return read_model(MessagePublic, response)

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
    async def validate_invitation(self, body: InvitationCreate) -> InvitationValidationPublic:
        path = "/invitations/validate"
        return await self._model(InvitationValidationPublic, "POST", path, json=wire_json(body))

    async def create_invitation(self, body: InvitationCreate) -> InvitationOutcomePublic:
        """Outcome: created | updated | existing_conversation (then no invitation, a conversation id)."""
        return await self._model(InvitationOutcomePublic, "POST", "/invitations", json=wire_json(body))

    async def invitations(self, *, query: str = "", status: str = "") -> list[InvitationPublic]:
        params = {k: v for k, v in (("q", query), ("status", status)) if v}
        return (await self._model(InvitationsPublic, "GET", "/invitations", params=params)).items

    async def update_invitation(self, invitation_id: str, body: InvitationUpdate) -> InvitationPublic:
        path = f"/invitations/{invitation_id}"
        return await self._model(InvitationPublic, "PATCH", path, json=wire_json(body))

    async def resend_invitation(self, invitation_id: str) -> InvitationPublic:
        return await self._model(InvitationPublic, "POST", f"/invitations/{invitation_id}/resend")

    async def cancel_invitation(self, invitation_id: str) -> InvitationPublic:
        return await self._model(InvitationPublic, "POST", f"/invitations/{invitation_id}/cancel")

    async def invitation_link(self, invitation_id: str) -> str:
        path = f"/invitations/{invitation_id}/link"
        return (await self._model(InvitationLinkPublic, "POST", path)).url

    # ---------------------------------------------------------------- connection requests, help
    async def connection_requests(self, status: str = "pending") -> list[ConnectionRequestPublic]:
        params = {"status": status}
        return (
            await self._model(ConnectionRequestsPublic, "GET", "/connection-requests", params=params)
        ).items

    async def accept_request(self, request_id: str) -> str:
        path = f"/connection-requests/{request_id}/accept"
        return (await self._model(ConnectionRequestAcceptedPublic, "POST", path)).conversation_id

    async def decline_request(self, request_id: str) -> None:
        await self._send("POST", f"/connection-requests/{request_id}/decline")

    async def help_pages(self) -> list[HelpPagePublic]:
        pages = (await self._model(HelpPagesPublic, "GET", "/help-pages")).items
        # The server may answer with paths ("/aide/…"): the patient needs a full link.
        return [p if "://" in p.url else p.model_copy(update={"url": self.server_url + p.url}) for p in pages]
