"""A product clock for tests: the calendar a test needs, time still passing.

`TestClock(start)` answers `start` plus the real time elapsed since it was made, so timeouts,
leases and backoffs behave as in production while the date is the one the test chose (a Sunday,
a DST change night, 29 February). `set()` and `advance()` move it, as the days a test skips.

`SUITE_CLOCK` is the clock of every test server and desktop unless a test gives its own: the
suite runs on one fixed calendar day whatever the day it is run (10:00 in Paris on Wednesday
2 December 2026, or the ISO instant in `TELECONSULT_TEST_DATE`, e.g. `2028-02-29T10:00+01:00`).
Nobody sets or advances it: tests that move time make a `TestClock` of their own.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def paris(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A wall-clock time in France as an aware UTC instant (the fold of an ambiguous hour: first)."""
    return datetime(year, month, day, hour, minute, tzinfo=PARIS).astimezone(UTC)


class TestClock:
    """Callable like `contracts.clock.system_clock`; thread-safe (servers run in other threads)."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a TestClock starts at an aware instant")
        self._lock = threading.Lock()
        self._start = start.astimezone(UTC)
        self._origin = time.monotonic()
        self._frozen = False

    def __call__(self) -> datetime:
        with self._lock:
            if self._frozen:
                return self._start
            return self._start + timedelta(seconds=time.monotonic() - self._origin)

    def set(self, instant: datetime, *, frozen: bool = False) -> None:
        """From now on, the clock reads `instant`, then runs on — or stays there when `frozen`
        (for an instant a test must still be at after slow steps: on a loaded machine, a sign-in
        alone can take longer than the two seconds before midnight)."""
        with self._lock:
            self._start = instant.astimezone(UTC)
            self._origin = time.monotonic()
            self._frozen = frozen

    def advance(self, delta: timedelta) -> None:
        self.set(self() + delta)

    def timestamp(self) -> float:
        return self().timestamp()


def _suite_start() -> datetime:
    text = os.environ.get("TELECONSULT_TEST_DATE", "")
    if not text:
        return paris(2026, 12, 2, 10, 0)
    start = datetime.fromisoformat(text)
    return start if start.tzinfo is not None else start.replace(tzinfo=PARIS)


SUITE_CLOCK = TestClock(_suite_start())
