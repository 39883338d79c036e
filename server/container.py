"""The services of one server process: one typed container, built in one place (`build_services`).

Routes reach a service through its FastAPI dependency (`server/api/deps.py`), the realtime hub and
the call relay receive theirs explicitly; nothing is looked up by name.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from server.accounts.patients import PatientAccountService
from server.accounts.service import AccountService
from server.accounts.signup import PatientSignupService
from server.attachments.service import AttachmentService
from server.attachments.stores import build_blob_store
from server.billing.claims import ClaimService
from server.billing.notes import NoteService
from server.calls.service import CallService
from server.conversations.service import ConversationService
from server.delivery.ports import Mailer, SmsGateway
from server.delivery.queue import DeliveryQueue
from server.invitations.delivery import InvitationDelivery
from server.invitations.directory import DirectoryService
from server.invitations.links import InvitationLinkService
from server.invitations.requests import ConnectionRequestService
from server.invitations.service import InvitationService
from server.kernel.core import Core
from server.kernel.ratelimit import RateLimiter
from server.payment_providers.ports import PaymentProvider
from server.payments.service import PaymentService
from server.payments.webhooks import PaymentWebhookService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    """Every use-case service of the process, each built once on the same `Core`."""

    core: Core
    limiter: RateLimiter
    accounts: AccountService
    patients: PatientAccountService
    signups: PatientSignupService
    conversations: ConversationService
    delivery: DeliveryQueue
    invitations: InvitationService
    invitation_links: InvitationLinkService
    invitation_delivery: InvitationDelivery
    requests: ConnectionRequestService
    directory: DirectoryService
    attachments: AttachmentService
    calls: CallService
    claims: ClaimService
    notes: NoteService
    payment_provider: PaymentProvider
    payments: PaymentService
    payment_webhooks: PaymentWebhookService


def build_services(core: Core, mailer: Mailer, sms: SmsGateway, provider: PaymentProvider) -> Services:
    """The services on `core`, with the delivery adapters and the payment provider given."""
    limiter = RateLimiter(core)
    accounts = AccountService(core, limiter)
    conversations = ConversationService(core)
    delivery = DeliveryQueue(core, mailer, sms)
    directory = DirectoryService(core)
    claims = ClaimService(core, conversations)
    payments = PaymentService(core, conversations, provider)
    return Services(
        core=core,
        limiter=limiter,
        accounts=accounts,
        patients=PatientAccountService(core, limiter, accounts, delivery),
        signups=PatientSignupService(core, limiter, accounts, delivery),
        conversations=conversations,
        delivery=delivery,
        invitations=InvitationService(core, limiter, conversations, delivery),
        invitation_links=InvitationLinkService(core, limiter, conversations, delivery),
        invitation_delivery=InvitationDelivery(core, delivery),
        requests=ConnectionRequestService(core, limiter, conversations, directory),
        directory=directory,
        attachments=_attachments(core, conversations),
        calls=CallService(core, conversations),
        claims=claims,
        notes=NoteService(core, conversations, claims, payments),
        payment_provider=provider,
        payments=payments,
        payment_webhooks=PaymentWebhookService(core, payments),
    )


def _attachments(core: Core, conversations: ConversationService) -> AttachmentService:
    """The documents service with its encrypted store from the settings."""
    store = build_blob_store(core.settings, core.db, core.clock)
    log.info("documents stored in %s", type(store).__name__)
    return AttachmentService(core, conversations, store, core.settings.max_upload_bytes)
