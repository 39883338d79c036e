"""Wiring of issue 3 into the composition root: delivery adapters, services, the queue's worker."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from server.delivery.factory import build_delivery
from server.domain.container import Services
from server.domain.invitation_feature import build_invitation_feature

log = logging.getLogger(__name__)


async def invitations_feature(services: Services, hub: Any) -> Callable[[], Awaitable[None]]:
    """Build the adapters from the settings, the services, and start the delivery worker.

    Returns:
        The cleanup: stop the worker (sends in flight are handed back to the queue), close adapters.
    """
    adapters = build_delivery(services.core.settings)
    feature = build_invitation_feature(services, adapters.mailer, adapters.sms)
    feature.queue.start()
    log.info("invitations: delivery by %s", adapters.description)

    async def cleanup() -> None:
        await feature.queue.stop()
        await adapters.close()

    return cleanup
