"""Keeps the local state in step with the server: bootstrap, socket events, resume, outbox replay.

Order matters on the first sign-in on this machine: read `/me` (its `event_seq`), then the whole
conversation list, then open the socket from that seq; events in between are replayed and
applied idempotently. Afterwards the socket resumes from the last seq applied, which is stored
after each event is applied (a crash in between replays one harmless event).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError

from contracts.wire.accounts import AccountUpdatedEvent, UserPublic
from desktop.api.errors import ApiError, ServerUnreachableError, SessionExpiredError
from desktop.api.realtime import EventDeferred
from desktop.domain.connection_status import ConnectionStatus
from desktop.kernel.backoff import Backoff
from desktop.kernel.events import Event
from desktop.kernel.tasks import TaskRunner
from desktop.services.connection_requests import ConnectionRequestService
from desktop.services.conversations import ConversationService
from desktop.services.event_routes import EventRoutes
from desktop.services.invitations import InvitationService
from desktop.services.outbox import OutboxService
from desktop.services.ports import ConversationCache, RealtimeLink, ServerApi

log = logging.getLogger(__name__)

SocketEventHandler = Callable[[int, str, dict[str, Any]], Awaitable[None]]
StatusHandler = Callable[[ConnectionStatus], None]
RealtimeFactory = Callable[
    [str, Callable[[], str | None], Callable[[], Awaitable[int]], SocketEventHandler, StatusHandler],
    RealtimeLink,
]
INITIALIZED = "initialized"
FIRST_CONTACT = Backoff(first=0.5, ceiling=15.0)  # `/me` before the socket, while the server is away


class SyncService:
    """Owns the socket; hands each persisted event to the service `routes` names for it."""

    ACCOUNT_EVENTS = ("account.updated",)

    def __init__(
        self,
        api: ServerApi,
        cache: ConversationCache,
        realtime_factory: RealtimeFactory,
        runner: TaskRunner,
        routes: EventRoutes,
        conversations: ConversationService,
        outbox: OutboxService,
        invitations: InvitationService,
        requests: ConnectionRequestService,
    ) -> None:
        self._api = api
        self._cache = cache
        self._runner = runner
        self._routes = routes
        self._conversations = conversations
        self._outbox = outbox
        self._invitations = invitations
        self._requests = requests
        self._status = ConnectionStatus.OFFLINE
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.status_changed: Event[ConnectionStatus] = Event()
        self.account_changed: Event[UserPublic] = Event()
        self.event_applied: Event[tuple[int, str]] = Event()  # (seq, name)
        self.realtime = realtime_factory(
            api.ws_url, lambda: api.token, cache.last_event_seq, self._on_event, self._on_status
        )
        self.realtime.add_frame_handler("reset", self._on_reset)

    @property
    def status(self) -> ConnectionStatus:
        return self._status

    def start(self) -> None:
        self._task = self._runner.run(self._run(), name="sync")

    async def stop(self) -> None:
        self._stopping = True
        await self.realtime.stop()
        if self._task is not None:
            self._task.cancel()

    def reconnect_now(self) -> None:
        """Skip the backoff (a new token, or the user clicked the indicator)."""
        self.realtime.wake()

    # ---------------------------------------------------------------- lifecycle
    async def _run(self) -> None:
        attempt = 0
        while not self._stopping:
            try:
                await self._bootstrap()
                break
            except SessionExpiredError:
                self._on_status(ConnectionStatus.SIGNED_OUT)
                return
            except ServerUnreachableError:
                self._on_status(ConnectionStatus.OFFLINE)
                await asyncio.sleep(FIRST_CONTACT.delay(attempt))
                attempt += 1
        await self.realtime.run()

    async def _bootstrap(self) -> None:
        """First contact of this run: account details and, once per machine, the full list."""
        account = await self._api.me()
        self.account_changed.emit(account)
        if await self._cache.get_state(INITIALIZED) != "1":
            if await self._cache.last_event_seq() == 0:
                await self._cache.set_last_event_seq(account.event_seq)
            await self._conversations.full_refresh()
            await self._cache.set_state(INITIALIZED, "1")

    def _on_status(self, status: ConnectionStatus) -> None:
        if status is self._status:
            return
        self._status = status
        self._outbox.set_online(status.is_online)
        if status.is_online:
            self._runner.run(self._after_connect(), name="after-connect", report=False)
        self.status_changed.emit(status)

    async def _after_connect(self) -> None:
        """What the socket does not replay: current pending requests, invitations, account."""
        for refresh in (self._requests.refresh, self._refresh_account, self._invitations.refresh):
            try:
                await refresh()
            except ApiError as exc:  # a feature endpoint may be missing on an older server
                log.info("refresh after connect failed: %s", exc.code)

    async def _refresh_account(self) -> None:
        self.account_changed.emit(await self._api.me())

    async def apply_account_event(self, _name: str, _event: AccountUpdatedEvent) -> None:
        """`account.updated` (the plan changed…): read `/me` again."""
        await self._refresh_account()

    # ---------------------------------------------------------------- events
    async def _on_reset(self, frame: dict[str, Any]) -> None:
        """The socket cannot replay what we missed (`ready.reset`): reload the conversations over
        REST, then go on from the server's numbering."""
        await self._conversations.full_refresh()
        seq = frame.get("seq")
        if isinstance(seq, int):
            await self._cache.set_last_event_seq(seq)

    async def _on_event(self, seq: int, name: str, data: dict[str, Any]) -> None:
        try:
            await self._routes.apply(name, data)
        except (ServerUnreachableError, SessionExpiredError) as exc:
            # The event needs the server, which cannot answer now: leave it unacknowledged, so the
            # socket's resume delivers it again once the link is back (nothing is skipped).
            log.warning("event %s (seq %s) waits for the server (%s)", name, seq, type(exc).__name__)
            raise EventDeferred from exc
        except ValidationError as exc:  # never log the data itself: it may hold health data
            log.warning(
                "event %s (seq %s) has an unexpected shape (%d problems)", name, seq, exc.error_count()
            )
        except Exception:  # one bad event must not stall the stream; log ids only
            log.exception("event %s (seq %s) could not be applied", name, seq)
        await self._cache.set_last_event_seq(seq)
        self.event_applied.emit((seq, name))
