"""Sends messages and documents exactly once, even across network losses and restarts.

Each send is first committed to the persisted outbox with a client-generated uuid, then tried;
the row is deleted only once the server answered 200/201. A retry after a crash or a lost answer
reuses the uuid, and the server stores a uuid once: exactly one message. Two lanes drain in
parallel, texts and documents, so a long upload never holds back a short reply; each lane keeps
its own order.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path

from contracts.clock import Clock
from contracts.wire.conversations import MessagePublic
from desktop.api.errors import ApiError, ServerUnreachableError, SessionExpiredError
from desktop.domain.errors import UserFacingError
from desktop.domain.outbox_item import MESSAGE, UPLOAD, OutboxItem, is_supported_document
from desktop.kernel.backoff import Backoff
from desktop.kernel.events import Event
from desktop.kernel.messages import Messages
from desktop.kernel.tasks import TaskRunner
from desktop.services.conversations import ConversationService
from desktop.services.ports import OutboxStorage, ServerApi

log = logging.getLogger(__name__)

MAX_BODY = 5000
RETRY = Backoff(first=1.0, ceiling=30.0)
UNSUPPORTED = "Seuls les documents PDF et les photos JPEG ou PNG peuvent être envoyés."


class OutboxService:
    """Queue, send, retry, cancel; tells the views how each item fares."""

    def __init__(
        self,
        store: OutboxStorage,
        api: ServerApi,
        conversations: ConversationService,
        runner: TaskRunner,
        messages: Messages,
        clock: Clock,
    ) -> None:
        self._store = store
        self._clock = clock
        self._api = api
        self._conversations = conversations
        self._runner = runner
        self._messages = messages
        self._items: dict[str, OutboxItem] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._current: dict[str, asyncio.Task[MessagePublic]] = {}
        self._online = False
        self._closed = False
        self.item_added: Event[OutboxItem] = Event()
        self.item_sent: Event[tuple[OutboxItem, MessagePublic]] = Event()
        self.item_failed: Event[OutboxItem] = Event()  # refused for good; `error` says why
        self.item_removed: Event[str] = Event()  # sent, refused or cancelled: drop its pending row
        self.progress: Event[tuple[str, int, int]] = Event()  # (item id, bytes sent, total)

    # ---------------------------------------------------------------- queries
    def pending(self, conversation_id: str) -> list[OutboxItem]:
        return [i for i in self._items.values() if i.conversation_id == conversation_id]

    @property
    def count(self) -> int:
        return len(self._items)

    async def load(self) -> None:
        """Items left by a previous run; they go out when the connection is up."""
        for item in await self._store.items():
            if item.failed:
                await self._store.remove(item.id)
                continue
            self._items[item.id] = item

    # ---------------------------------------------------------------- queueing
    async def send_text(self, conversation_id: str, body: str) -> OutboxItem:
        """Queue a text message (persisted before this returns) and try to send it.

        Raises:
            UserFacingError: the message is empty or too long.
        """
        text = body.strip()
        if not text:
            raise UserFacingError("Le message est vide.")
        if len(text) > MAX_BODY:
            raise UserFacingError(f"Le message est trop long ({MAX_BODY} caractères au plus).")
        item = OutboxItem(str(uuid.uuid4()), MESSAGE, conversation_id, self._clock(), body=text)
        return await self._queue(item, None)

    async def send_file(self, conversation_id: str, path: Path) -> OutboxItem:
        """Queue a document (copied into the outbox first) and try to upload it.

        Raises:
            UserFacingError: not a PDF/JPEG/PNG by name, or the file cannot be read.
        """
        if not is_supported_document(path):
            raise UserFacingError(UNSUPPORTED)
        if not await asyncio.to_thread(path.is_file):
            raise UserFacingError("Ce fichier est introuvable.")
        item = OutboxItem(str(uuid.uuid4()), UPLOAD, conversation_id, self._clock(), filename=path.name)
        return await self._queue(item, path)

    async def _queue(self, item: OutboxItem, source: Path | None) -> OutboxItem:
        stored = await self._store.add(item, source)
        self._items[stored.id] = stored
        self.item_added.emit(stored)
        self.kick()
        return stored

    async def cancel(self, item_id: str) -> None:
        """Drop a pending item; an upload in flight is interrupted."""
        task = self._current.get(item_id)
        self._items.pop(item_id, None)
        if task is not None:
            task.cancel()
        await self._store.remove(item_id)
        self.item_removed.emit(item_id)

    # ---------------------------------------------------------------- draining
    def set_online(self, online: bool) -> None:
        self._online = online
        if online:
            self.kick()

    def kick(self) -> None:
        """Start the lane workers that have work and are idle."""
        if self._closed:
            return
        for lane in (MESSAGE, UPLOAD):
            worker = self._workers.get(lane)
            if (worker is None or worker.done()) and self._next(lane) is not None:
                self._workers[lane] = self._runner.run(self._drain(lane), name=f"outbox-{lane}")

    def _next(self, lane: str) -> OutboxItem | None:
        for item in self._items.values():  # dicts keep insertion order: oldest first
            if item.kind == lane:
                return item
        return None

    async def _drain(self, lane: str) -> None:
        attempt = 0
        while (item := self._next(lane)) is not None and not self._closed:
            try:
                await self._send(item)
                attempt = 0
            except asyncio.CancelledError:
                if item.id in self._items:  # the whole lane was cancelled (closing), not the item
                    raise
            except SessionExpiredError:
                return  # the sync service asks to sign in again; the item stays queued
            except ServerUnreachableError:
                if not self._online:
                    return  # set_online(True) restarts the lane
                await asyncio.sleep(RETRY.delay(attempt))
                attempt += 1
            except ApiError as exc:
                if exc.is_permanent:
                    await self._refuse(item, exc.message)
                else:  # 5xx, 429: the server will likely accept it later
                    await asyncio.sleep(RETRY.delay(attempt))
                    attempt += 1
            except UserFacingError as exc:  # e.g. the outbox copy vanished
                await self._refuse(item, exc.message)
            except Exception:  # a bug must not stall the lane forever: log, wait, retry
                log.exception("outbox item %s failed unexpectedly", item.id)
                await asyncio.sleep(RETRY.delay(attempt))
                attempt += 1

    async def _send(self, item: OutboxItem) -> None:
        await self._store.count_attempt(item.id)
        if item.kind == MESSAGE:
            call = self._api.put_message(item.conversation_id, item.id, item.body)
        else:
            if item.file_path is None or not item.file_path.exists():
                raise UserFacingError("Le document à envoyer a disparu du dossier d'attente.")
            call = self._api.upload_attachment(
                item.conversation_id,
                item.id,
                item.file_path,
                item.filename,
                lambda sent, total: self.progress.emit((item.id, sent, total)),
            )
        task = self._runner.run(call, name="outbox-send", report=False)  # cancellable on its own
        self._current[item.id] = task
        try:
            message = await task
        finally:
            self._current.pop(item.id, None)
        log.info("outbox item %s acknowledged", item.id)
        self._items.pop(item.id, None)
        await self._store.remove(item.id)
        await self._conversations.apply_message(message, live=False)
        self.item_sent.emit((item, message))
        self.item_removed.emit(item.id)

    async def _refuse(self, item: OutboxItem, error: str) -> None:
        log.info("outbox item %s refused by the server", item.id)
        self._items.pop(item.id, None)
        await self._store.remove(item.id)
        refused = OutboxItem(
            item.id,
            item.kind,
            item.conversation_id,
            item.created_at,
            body=item.body,
            filename=item.filename,
            size=item.size,
            attempts=item.attempts,
            error=error,
        )
        self.item_failed.emit(refused)
        self.item_removed.emit(item.id)
        self._messages.error(error)

    async def close(self) -> None:
        self._closed = True
        for task in list(self._current.values()):
            task.cancel()
        for worker in list(self._workers.values()):
            worker.cancel()
