"""How long to wait before the next attempt: one doubling schedule for every retry loop of the client.

The socket's reconnection (0.5 s → 30 s, ±20 % jitter so a restarted server is not hit by every
desktop at once), the first contact of the sync service (0.5 s → 15 s), the outbox's resends
(1 s → 30 s), a call's new peer connections (4 s → 15 s) and the wait for the local server
(every 0.1 s) all read their delays here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delays from `first`, doubling at each attempt up to `ceiling`, each within ±`jitter` (a fraction)."""

    first: float
    ceiling: float
    jitter: float = 0.0

    def delay(self, attempt: int) -> float:
        """The wait before attempt number `attempt + 1` (`attempt` 0: the first retry)."""
        base = min(self.ceiling, self.first * 2.0 ** min(max(0, attempt), 32))
        if not self.jitter:
            return base
        return base * random.uniform(1 - self.jitter, 1 + self.jitter)
