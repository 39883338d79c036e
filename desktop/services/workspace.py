"""Everything that belongs to one signed-in account on one server, built and torn down together.

`Workspace.build` makes every service of the account — conversations, outbox, sync, invitations,
requests, attachments, notifications, help pages, calls and billing — wires the events they follow
in each other, and builds the table routing the socket's persisted events to them (`EventRoutes`).
Presenters and controllers receive the `Workspace` and bind screens to its services; they build
none. The call engine (aiortc, av) is loaded when the first call starts, the act catalog when the
practitioner first bills.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from contracts.clock import Clock
from contracts.wire.accounts import AccountUpdatedEvent, UserPublic
from contracts.wire.billing import ClaimEvent
from contracts.wire.conversations import (
    ConversationEvent,
    ConversationReadEvent,
    ConversationUpdatedEvent,
    MessageEvent,
)
from contracts.wire.invitations import ConnectionRequestEvent, InvitationAcceptedEvent, InvitationEvent
from contracts.wire.payments import PaymentEvent
from desktop.api.calls import CallApiClient
from desktop.billing.billing_services import BillingServices
from desktop.billing.payments import PaymentService
from desktop.kernel.messages import Messages
from desktop.kernel.tasks import TaskRunner
from desktop.services.attachments import AttachmentService
from desktop.services.call_media import MediaFactory, choice_factory
from desktop.services.calls import CallService
from desktop.services.config import AppConfig
from desktop.services.connection_requests import ConnectionRequestService
from desktop.services.conversations import ConversationService
from desktop.services.event_routes import EventRoutes
from desktop.services.help_pages import HelpPageService
from desktop.services.invitations import InvitationService
from desktop.services.notifications import NotificationService
from desktop.services.outbox import OutboxService
from desktop.services.ports import ConversationCache, Notifier, OutboxStorage, ServerApi
from desktop.services.session import SessionService, SignedIn
from desktop.services.sync import RealtimeFactory, SyncService

log = logging.getLogger(__name__)


@dataclass
class WorkspaceParts:
    """The adapters of one account, made by the composition root (`desktop.app`)."""

    api: ServerApi
    cache: ConversationCache
    outbox_store: OutboxStorage
    realtime_factory: RealtimeFactory
    close_storage: Callable[[], None]


@dataclass
class Workspace:
    """The services of the signed-in account."""

    config: AppConfig
    signed_in: SignedIn
    session: SessionService
    runner: TaskRunner
    messages: Messages
    api: ServerApi
    conversations: ConversationService
    outbox: OutboxService
    attachments: AttachmentService
    invitations: InvitationService
    requests: ConnectionRequestService
    help_pages: HelpPageService
    sync: SyncService
    notifications: NotificationService
    calls: CallService
    billing: BillingServices
    clock: Clock
    _parts: WorkspaceParts
    _calls_api: CallApiClient
    _closed: bool = False

    @property
    def account(self) -> UserPublic:
        return self.signed_in.account

    @classmethod
    def build(
        cls,
        config: AppConfig,
        signed_in: SignedIn,
        session: SessionService,
        parts: WorkspaceParts,
        notifier: Notifier,
        messages: Messages,
        clock: Clock,
        media: MediaFactory,
    ) -> Workspace:
        """Every service of the account, wired to each other; `media` gives each call its devices."""
        # The workspace's own runner: its tasks end with it, before its API client closes.
        runner = TaskRunner(messages)
        api = parts.api
        conversations = ConversationService(api, parts.cache, signed_in.account.id)

        def patient_name(conversation_id: str) -> str | None:
            summary = conversations.get(conversation_id)
            return summary.patient.full_name if summary is not None else None

        def show_names() -> bool:
            return session.settings.show_patient_names_in_notifications

        outbox = OutboxService(parts.outbox_store, api, conversations, runner, messages, clock)
        invitations = InvitationService(api)
        requests = ConnectionRequestService(api)
        billing = BillingServices.build(
            api.server_url, lambda: api.token, api, conversations, config.data_dir / "notes", clock
        )
        routes = EventRoutes()
        routes.add(ConversationService.MESSAGE_EVENTS, MessageEvent, conversations.apply_message_event)
        routes.add(ConversationService.CREATED_EVENTS, ConversationEvent, conversations.apply_created)
        routes.add(ConversationService.READ_EVENTS, ConversationReadEvent, conversations.apply_read)
        routes.add(ConversationService.UPDATED_EVENTS, ConversationUpdatedEvent, conversations.apply_updated)
        routes.add(["invitation.updated"], InvitationEvent, invitations.apply_event)
        routes.add(["invitation.accepted"], InvitationAcceptedEvent, invitations.apply_event)
        routes.add(ConnectionRequestService.EVENTS, ConnectionRequestEvent, requests.apply_event)
        routes.add(PaymentService.EVENTS, PaymentEvent, billing.payments.apply_event)
        routes.add(BillingServices.CLAIM_EVENTS, ClaimEvent, billing.apply_claim_event)
        sync = SyncService(
            api,
            parts.cache,
            parts.realtime_factory,
            runner,
            routes,
            conversations,
            outbox,
            invitations,
            requests,
        )
        routes.add(SyncService.ACCOUNT_EVENTS, AccountUpdatedEvent, sync.apply_account_event)
        notifications = NotificationService(
            notifier, runner, conversations, requests, invitations, show_names
        )
        calls_api = CallApiClient(api.server_url, lambda: api.token)
        calls = CallService(
            calls_api,
            sync.realtime,
            runner,
            messages,
            notifier,
            media,
            patient_name=patient_name,
            show_names=show_names,
            devices=choice_factory(config.fake_media),
        )
        sync.status_changed.connect(calls.connection_changed)
        workspace = cls(
            config=config,
            signed_in=signed_in,
            session=session,
            runner=runner,
            messages=messages,
            api=api,
            conversations=conversations,
            outbox=outbox,
            attachments=AttachmentService(api, config.downloads_dir),
            invitations=invitations,
            requests=requests,
            help_pages=HelpPageService(api, outbox),
            sync=sync,
            notifications=notifications,
            calls=calls,
            billing=billing,
            clock=clock,
            _parts=parts,
            _calls_api=calls_api,
        )
        sync.account_changed.connect(workspace._on_sync_account_changed)
        return workspace

    def _on_sync_account_changed(self, account: UserPublic) -> None:
        self.signed_in = replace(self.signed_in, account=account)
        self.session.remember_account(account)
        self.billing.forget_profile()  # sector, address… are read from `/me` again when next needed

    async def start(self) -> None:
        """Show what the cache knows, then go online in the background."""
        self.attachments.purge()
        await self.conversations.load_cache()
        await self.outbox.load()
        self.sync.start()

    def replace_token(self, signed_in: SignedIn) -> None:
        """After signing in again (the session had expired): same account, new token."""
        self.signed_in = signed_in
        self.api.set_token(signed_in.token)
        self.sync.reconnect_now()

    async def close(self) -> None:
        """Hang up, stop syncing and sending, close the APIs and the database (idempotent)."""
        if self._closed:
            return
        self._closed = True
        await self.calls.close()  # while the socket is still there to tell the patient
        await self.sync.stop()
        await self.runner.close()
        await self.outbox.close()
        await self.billing.aclose()
        await self._calls_api.aclose()
        await self.api.aclose()
        self.attachments.purge()
        self._parts.close_storage()
