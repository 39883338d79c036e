"""The services of issue 3 (invitations, links, requests, directory, patient self-service), built
together on one delivery queue, stored in `Services.extra` and read back through typed accessors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from server.delivery.ports import Mailer, SmsGateway
from server.domain.connection_requests import ConnectionRequestService
from server.domain.container import Services
from server.domain.delivery_queue import DeliveryQueue
from server.domain.directory import DirectoryService
from server.domain.invitation_delivery import InvitationDelivery
from server.domain.invitation_links import InvitationLinkService
from server.domain.invitations import InvitationService
from server.domain.patient_accounts import PatientAccountService

T = TypeVar("T")


@dataclass(frozen=True)
class InvitationFeature:
    queue: DeliveryQueue
    delivery: InvitationDelivery
    invitations: InvitationService
    links: InvitationLinkService
    requests: ConnectionRequestService
    directory: DirectoryService
    patients: PatientAccountService


def build_invitation_feature(services: Services, mailer: Mailer, sms: SmsGateway) -> InvitationFeature:
    """Build the services on `services`' core and register them in `services.extra`."""
    core, limiter, conversations = services.core, services.limiter, services.conversations
    queue = DeliveryQueue(core, mailer, sms)
    directory = DirectoryService(core)
    feature = InvitationFeature(
        queue=queue,
        delivery=InvitationDelivery(core, queue),
        invitations=InvitationService(core, limiter, conversations, queue),
        links=InvitationLinkService(core, limiter, conversations, queue),
        requests=ConnectionRequestService(core, limiter, conversations, directory),
        directory=directory,
        patients=PatientAccountService(core, limiter, services.accounts, queue),
    )
    services.extra.update(
        {
            "invitation_delivery": feature.delivery,
            "invitations": feature.invitations,
            "invitation_links": feature.links,
            "connection_requests": feature.requests,
            "directory": feature.directory,
            "patient_accounts": feature.patients,
        }
    )
    return feature


def _get(services: Services, name: str, kind: type[T]) -> T:
    value = services.extra.get(name)
    if not isinstance(value, kind):
        raise RuntimeError(f"service {name!r} is not wired (server.main.features)")
    return value


def invitation_delivery(services: Services) -> InvitationDelivery:
    return _get(services, "invitation_delivery", InvitationDelivery)


def invitations(services: Services) -> InvitationService:
    return _get(services, "invitations", InvitationService)


def invitation_links(services: Services) -> InvitationLinkService:
    return _get(services, "invitation_links", InvitationLinkService)


def connection_requests(services: Services) -> ConnectionRequestService:
    return _get(services, "connection_requests", ConnectionRequestService)


def directory(services: Services) -> DirectoryService:
    return _get(services, "directory", DirectoryService)


def patient_accounts(services: Services) -> PatientAccountService:
    return _get(services, "patient_accounts", PatientAccountService)
