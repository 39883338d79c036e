"""Conversations and their messages: the local cache first, the server second, events in between.

The list lives in memory (summaries + a `SearchIndex`) fed from SQLite at start-up, so filtering
is instant and works offline. Server events (`message.created`, `conversation.*`) update memory
and the cache in place; replays after a reconnect are harmless because every update is keyed by
id and ignores what is not newer.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import date

from contracts.wire.conversations import (
    ConversationEvent,
    ConversationReadEvent,
    ConversationUpdatedEvent,
    MessageEvent,
    MessagePublic,
)
from desktop.domain.conversation_summary import ConversationSummary
from desktop.domain.search_index import SearchIndex
from desktop.kernel.events import Event
from desktop.services.ports import CachedConversations, ConversationCache, ServerApi

log = logging.getLogger(__name__)

PAGE = 100


class ConversationService:
    """The practitioner's conversations, searchable offline, and the messages of opened ones."""

    MESSAGE_EVENTS = ("message.created",)
    CREATED_EVENTS = ("conversation.created",)
    READ_EVENTS = ("conversation.read",)
    UPDATED_EVENTS = ("conversation.updated",)

    def __init__(self, api: ServerApi, cache: ConversationCache, account_id: str) -> None:
        self._api = api
        self._cache = cache
        self._account_id = account_id
        self._rows: dict[str, ConversationSummary] = {}
        self._cached: CachedConversations | None = None  # rows not decoded yet
        self._index = SearchIndex()
        self._messages: dict[str, dict[str, MessagePublic]] = {}
        self.list_changed: Event[None] = Event()  # membership or order changed
        self.conversation_changed: Event[str] = Event()  # one summary changed (badge, preview…)
        self.messages_changed: Event[str] = Event()  # messages of an opened conversation changed
        self.message_received: Event[MessagePublic] = Event()  # a new message from the patient or system

    # ---------------------------------------------------------------- list and search
    def __len__(self) -> int:
        return len(self._rows) + (len(self._cached) if self._cached is not None else 0)

    def get(self, conversation_id: str) -> ConversationSummary | None:
        summary = self._rows.get(conversation_id)
        if summary is None and self._cached is not None:
            summary = self._cached.take(conversation_id)
            if summary is not None:
                self._rows[conversation_id] = summary
        return summary

    def search(self, query: str) -> list[str]:
        """Ids matching `query` (every word a prefix of a name word, accents and case ignored)."""
        return self._index.search(query)

    async def load_cache(self) -> None:
        """Fill the index from the local cache (built off the UI thread); summaries decode lazily."""
        cached = await self._cache.load_rows()
        index = SearchIndex()
        await asyncio.to_thread(lambda: index.rebuild(cached.index_rows()))
        self._rows = {}
        self._cached = cached
        self._index = index
        self.list_changed.emit(None)

    async def full_refresh(self) -> int:
        """Fetch every conversation from the server into the cache (first sign-in on this machine)."""
        count = 0
        async for page in self._api.all_conversations():
            await self._cache.save_conversations(page)
            for summary in page:
                self._store(summary)
            count += len(page)
            self.list_changed.emit(None)
        return count

    def _store(self, summary: ConversationSummary) -> bool:
        """Keep `summary` in memory and the index; True when the list order or membership changed."""
        old = self.get(summary.id)
        self._rows[summary.id] = summary
        stamp = summary.updated_at.timestamp()
        if old is None or old.patient != summary.patient:
            self._index.upsert(summary.id, summary.patient.first_name, summary.patient.last_name, stamp)
            return True
        if old.updated_at != summary.updated_at:
            self._index.touch(summary.id, stamp)
            return True
        return False

    async def _save(self, summary: ConversationSummary) -> None:
        moved = self._store(summary)
        await self._cache.save_conversations([summary])
        if moved:
            self.list_changed.emit(None)
        self.conversation_changed.emit(summary.id)

    async def refresh_one(self, conversation_id: str) -> ConversationSummary:
        """Fetch one conversation's summary (just accepted, or unknown locally)."""
        summary = await self._api.conversation(conversation_id)
        await self._save(summary)
        return summary

    # ---------------------------------------------------------------- events from the server
    async def apply_message_event(self, _name: str, event: MessageEvent) -> None:
        """`message.created`: a message of any conversation, ours included (another desktop's)."""
        await self.apply_message(event.message)

    async def apply_created(self, _name: str, event: ConversationEvent) -> None:
        summary = ConversationSummary.of(event.conversation)
        current = self.get(summary.id)
        if current is None or current.last_seq <= summary.last_seq:
            await self._save(summary)

    async def apply_message(self, message: MessagePublic, *, live: bool = True) -> None:
        """A message of ours or theirs: store it, update the summary, tell the views."""
        await self._cache.save_messages([message])
        opened = self._messages.get(message.conversation_id)
        if opened is not None:
            opened[message.id] = message
            self.messages_changed.emit(message.conversation_id)
        summary = self.get(message.conversation_id)
        mine = message.sender_id == self._account_id
        if summary is None:
            try:
                summary = await self._api.conversation(message.conversation_id)
            except Exception:  # offline: the conversation.created event will bring it
                log.info("summary of a new conversation not available yet")
                return
            await self._save(summary)
            return
        updated = summary.with_message(message, mine=mine)
        if updated is not summary:
            await self._save(updated)
            if live and not mine:
                self.message_received.emit(message)

    async def apply_read(self, _name: str, event: ConversationReadEvent) -> None:
        summary = self.get(event.conversation_id)
        if summary is None:
            return
        mine = event.reader_role == "practitioner"
        if mine:
            changed = replace(summary, read_seq=max(summary.read_seq, event.read_seq), unread=event.unread)
        else:
            changed = replace(summary, other_read_seq=max(summary.other_read_seq, event.read_seq))
        if changed != summary:
            await self._save(changed)
            if not mine and summary.id in self._messages:
                self.messages_changed.emit(summary.id)  # read marks ✓✓

    async def apply_updated(self, _name: str, event: ConversationUpdatedEvent) -> None:
        summary = self.get(event.conversation_id)
        if summary is None:
            return
        changed = replace(
            summary, patient_write=event.patient_write, patient_can_write=event.patient_can_write
        )
        if changed != summary:
            await self._save(changed)

    # ---------------------------------------------------------------- one conversation
    def messages(self, conversation_id: str) -> list[MessagePublic]:
        """The loaded messages of a conversation, in seq order."""
        return sorted(self._messages.get(conversation_id, {}).values(), key=lambda m: m.seq)

    async def open(self, conversation_id: str) -> None:
        """Show cached messages at once, then fetch newer ones, then mark them read."""
        if conversation_id not in self._messages:
            cached = await self._cache.messages(conversation_id)
            self._messages[conversation_id] = {m.id: m for m in cached}
            self.messages_changed.emit(conversation_id)
        await self.fetch_new(conversation_id)
        await self.mark_read(conversation_id)

    async def fetch_new(self, conversation_id: str) -> None:
        loaded = self._messages.setdefault(conversation_id, {})
        after = max((m.seq for m in loaded.values()), default=0)
        while True:
            page = (
                await self._api.messages(conversation_id, after=after, limit=PAGE)
                if after
                else await self._api.messages(conversation_id, limit=PAGE)
            )
            if not page:
                break
            await self._cache.save_messages(page)
            loaded.update((m.id, m) for m in page)
            self.messages_changed.emit(conversation_id)
            if not after or len(page) < PAGE:
                break
            after = page[-1].seq

    async def load_older(self, conversation_id: str) -> bool:
        """One page of earlier messages; False when the beginning is reached."""
        loaded = self._messages.setdefault(conversation_id, {})
        first = min((m.seq for m in loaded.values()), default=0)
        if first <= 1:
            return False
        page = await self._api.messages(conversation_id, before=first, limit=PAGE)
        if not page:
            return False
        await self._cache.save_messages(page)
        loaded.update((m.id, m) for m in page)
        self.messages_changed.emit(conversation_id)
        return True

    def close(self, conversation_id: str) -> None:
        """Forget the loaded messages of a conversation no longer shown (memory)."""
        self._messages.pop(conversation_id, None)

    async def mark_read(self, conversation_id: str) -> None:
        summary = self.get(conversation_id)
        if summary is None or (summary.unread == 0 and summary.read_seq >= summary.last_seq):
            return
        await self._api.mark_read(conversation_id, summary.last_seq)
        await self._save(replace(summary, unread=0, read_seq=summary.last_seq))

    async def set_patient_write(
        self, conversation_id: str, mode: str, until: date | None
    ) -> ConversationSummary:
        """« Le patient peut écrire » : toujours / jamais / jusqu'au <date>."""
        updated = await self._api.set_patient_write(conversation_id, mode, until)
        current = self.get(conversation_id)
        if current is not None:  # keep our newer list fields; take the setting from the answer
            updated = replace(
                current, patient_write=updated.patient_write, patient_can_write=updated.patient_can_write
            )
        await self._save(updated)
        return updated
