"""The server's patient help pages (« Aide patient »), to paste a link into the conversation."""

from __future__ import annotations

from contracts.wire.invitations import HelpPagePublic
from desktop.services.outbox import OutboxService
from desktop.services.ports import ServerApi


class HelpPageService:
    """Fetched once per session, then served from memory."""

    def __init__(self, api: ServerApi, outbox: OutboxService) -> None:
        self._api = api
        self._outbox = outbox
        self._pages: list[HelpPagePublic] | None = None

    @property
    def cached(self) -> list[HelpPagePublic] | None:
        return self._pages

    async def pages(self) -> list[HelpPagePublic]:
        if self._pages is None:
            self._pages = await self._api.help_pages()
        return self._pages

    async def page(self, slug: str) -> HelpPagePublic | None:
        """The help page `slug`, or None when the server has no such page."""
        return next((p for p in await self.pages() if p.slug == slug), None)

    async def send(self, conversation_id: str, page: HelpPagePublic) -> None:
        """Post `page` into the conversation, as a message from the practitioner, once previewed."""
        await self._outbox.send_text(conversation_id, self.snippet(page))

    @staticmethod
    def snippet(page: HelpPagePublic) -> str:
        """The text pasted into the message box."""
        return f"{page.title} : {page.url}"
