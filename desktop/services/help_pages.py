"""The server's patient help pages (« Aide patient »), to paste a link into the conversation."""

from __future__ import annotations

from desktop.domain.models import HelpPage
from desktop.services.ports import ServerApi


class HelpPageService:
    """Fetched once per session, then served from memory."""

    def __init__(self, api: ServerApi) -> None:
        self._api = api
        self._pages: list[HelpPage] | None = None

    @property
    def cached(self) -> list[HelpPage] | None:
        return self._pages

    async def pages(self) -> list[HelpPage]:
        if self._pages is None:
            self._pages = await self._api.help_pages()
        return self._pages

    @staticmethod
    def snippet(page: HelpPage) -> str:
        """The text pasted into the message box."""
        return f"{page.title} : {page.url}"
