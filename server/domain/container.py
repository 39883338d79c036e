"""The services of one server process, built by the composition root and handed to the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server.domain.accounts import AccountService
from server.domain.conversations import ConversationService
from server.domain.core import Core
from server.domain.ratelimit import RateLimiter


@dataclass
class Services:
    """Use-case services; feature services register themselves in `extra` by name."""

    core: Core
    accounts: AccountService
    conversations: ConversationService
    limiter: RateLimiter
    extra: dict[str, Any] = field(default_factory=dict)


def build_core_services(core: Core) -> Services:
    limiter = RateLimiter(core)
    return Services(
        core=core,
        accounts=AccountService(core, limiter),
        conversations=ConversationService(core),
        limiter=limiter,
    )
