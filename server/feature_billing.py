"""Wiring of issue 6 into the composition root: the payment provider and the billing services."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from server.domain.billing_feature import build_billing_feature
from server.domain.container import Services
from server.payments.factory import build_payment_provider, describe

log = logging.getLogger(__name__)


async def billing_feature(services: Services, hub: Any) -> Callable[[], Awaitable[None]]:
    """Build the provider from the settings (Stripe or offline) and the billing services.

    Returns:
        The cleanup: close the provider's connections.

    Raises:
        SettingsError: the payment provider is unknown or incompletely configured.
    """
    settings = services.core.settings
    provider = build_payment_provider(settings)
    build_billing_feature(services, provider)
    log.info("billing: %s", describe(provider, settings))

    async def cleanup() -> None:
        await provider.close()

    return cleanup
