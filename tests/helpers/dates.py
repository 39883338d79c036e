"""The dates and machine time zones that date-sensitive tests run on.

`DATES`: the product clock set to an ordinary December weekday, 29 February of a leap year, the
last day of a 31-day summer month, and the two nights France changes time (an instant just
before the change: the clock runs on through it). `MACHINE_ZONES`: never Europe/Paris, so a
result that silently follows the machine's zone instead of France's shows up.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from tests.helpers.clock import paris

DATES: dict[str, datetime] = {
    "2-decembre": paris(2026, 12, 2, 10, 0),
    "29-fevrier-2028": paris(2028, 2, 29, 10, 0),
    "31-aout": paris(2026, 8, 31, 23, 30),
    # 28 March 2027, 02:00 → 03:00 in France: 00:59 UTC is 01:59 in Paris.
    "heure-d-ete": datetime(2027, 3, 28, 0, 59, tzinfo=UTC),
    # 25 October 2026, 03:00 → 02:00: 00:59 UTC is 02:59 summer time, 01:59 UTC 02:59 winter time.
    "heure-d-hiver": datetime(2026, 10, 25, 0, 59, tzinfo=UTC),
}

# The suite's own zone (tests/conftest.py) and those the date tests add.
DEFAULT_MACHINE_ZONE = "America/New_York"
MACHINE_ZONES = ("America/New_York", "UTC", "Pacific/Kiritimati")  # UTC−5/−4, UTC, UTC+14


def set_machine_zone(zone: str) -> None:
    """What `TZ=<zone>` does to this process (and to the processes it starts)."""
    os.environ["TZ"] = zone
    time.tzset()


@contextmanager
def machine_zone(zone: str) -> Iterator[None]:
    before = os.environ.get("TZ")
    set_machine_zone(zone)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
            time.tzset()
        else:
            set_machine_zone(before)
