"""Wiring of issue 5 into the composition root: the call service and the signaling relay."""

from __future__ import annotations

import logging
from typing import Any

from server.api.call_relay import CallRelay
from server.domain.calls import CallService
from server.domain.container import Services
from server.domain.ice_servers import describe

log = logging.getLogger(__name__)


async def calls_feature(services: Services, hub: Any) -> None:
    """Register `CallService` (as `services.extra["calls"]`) and the `call.*` socket handlers."""
    calls = CallService(services.core, services.conversations)
    services.extra["calls"] = calls
    relay = CallRelay(hub, services.core, calls, services.conversations)
    relay.register()
    services.extra["call_relay"] = relay
    log.info("calls: %s", describe(services.core.settings))
