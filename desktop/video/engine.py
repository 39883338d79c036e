"""What the call engine is driven with, and the states a call goes through.

`AiortcCallEngine` (aiortc_engine.py) is the engine desktop.services drives; the states it goes
through (`CallState`, `EndReason`) are plain values of `desktop.domain.call_state`, so the services
and screens name them without loading the video package.

Life of a call (`CallState`)::

    IDLE --start()--> WAITING --remote ready--> CONNECTING --connected--> CONNECTED
                                                                  ^           |  media stops 2 s
                                                                  |           v
                                                  media back / new connection  RECONNECTING
    any state --hang_up()/close(), remote hang-up, signaling closed--> ENDED (`EndReason`)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from desktop.video.recovery import RecoveryOptions


class Role(StrEnum):
    OFFERER = "offerer"  # the practitioner's desktop
    ANSWERER = "answerer"  # the patient's browser; an engine only in tests and benchmarks


@dataclass(frozen=True, slots=True)
class CallOptions:
    #: Upper bound for server-reflexive/relayed candidates (see ice.py). A TURN allocation takes
    #: two round trips (401 challenge, then the authenticated request): 0.6 s leaves room for a
    #: 200 ms RTT plus DNS, and keeps an unreachable server well under the 1.5 s setup budget.
    gather_timeout: float = 0.6
    recovery: RecoveryOptions = field(default_factory=RecoveryOptions)
    monitor_interval: float = 0.5
    stats_interval: float = 1.0
    spare_max_age: float = 300.0  # TURN allocations and host addresses go stale
    allow_h264: bool = True
