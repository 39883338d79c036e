"""Feeds the conversation list from `ConversationService`; filters synchronously per keystroke."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from desktop.services.conversations import ConversationService
from desktop.ui.pages.conversation_list_page import ConversationListPage


class ConversationListPresenter(QObject):
    """The in-memory index answers in milliseconds, so no debounce and no thread is needed."""

    conversation_opened = Signal(str)

    def __init__(self, page: ConversationListPage, conversations: ConversationService) -> None:
        super().__init__(page)
        self.page = page
        self._conversations = conversations
        self.query = ""
        self.selected: str | None = None
        self._unsubscribe: list[Callable[[], None]] = [
            conversations.list_changed.connect(self._on_conversations_list_changed),
            conversations.conversation_changed.connect(self._on_conversations_conversation_changed),
        ]
        page.search_requested.connect(self._on_page_search_requested)
        page.open_requested.connect(self._on_page_open_requested)
        page.destroyed.connect(self.dispose)
        self.refresh()

    def refresh(self) -> None:
        self.page.show_results(self._conversations.search(self.query), self.query, self.selected)

    def _on_page_search_requested(self, text: str) -> None:
        self.query = text
        self.refresh()

    def _on_page_open_requested(self, conversation_id: str) -> None:
        self.selected = conversation_id
        self.conversation_opened.emit(conversation_id)

    def _on_conversations_list_changed(self, _: None) -> None:
        self.refresh()

    def _on_conversations_conversation_changed(self, conversation_id: str) -> None:
        self.page.model.refresh(conversation_id)

    def dispose(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
