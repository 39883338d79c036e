"""A test fails when the product logs at ERROR or above, or an exception goes unhandled, during it.

Swallowed errors are the ones a green suite hides: a task that crashed in the background, a bus
handler that raised, a server thread's 500. This plugin collects every record at ERROR or above
from every logger (uvicorn's too); an asyncio task whose exception nobody retrieved is logged by
the loop's default handler when the task is collected, so the check runs `gc.collect()` first.
Exceptions in threads and in `__del__` (unraisable) are turned into failures by pytest itself
(`filterwarnings` in pyproject.toml); pytest-qt fails a test on an exception in a Qt slot. After each
test's teardown, anything collected since the previous check fails that test, unless the test
declares it:

    @pytest.mark.expected_errors(r"delivery adapter failed", r"bus handler failed")

Each pattern is searched in "<logger name>: <message>" of a record; a declared pattern that never
matched fails the test too, so a declaration cannot outlive the error it excuses. What is logged
while no test runs (a session fixture's teardown) fails the session.

The same check runs on the logs of server processes started by tests: `product_errors_in()` reads
a child's log lines, and `record_child_errors()` feeds them here.
"""

from __future__ import annotations

import gc
import logging
import re
import threading
from collections.abc import Generator, Iterable
from dataclasses import dataclass

import pytest

LEVEL = logging.ERROR
MARKER = "expected_errors"

# Outside the product: what test tools log when they shut down (not the code under test).
IGNORED = (
    # aiosmtpd logs the test client's abrupt disconnects of the capture server
    re.compile(r"^mail\.log: "),
)


@dataclass(frozen=True)
class Problem:
    text: str


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=LEVEL)
        self.problems: list[Problem] = []
        self._lock2 = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is itself a problem worth reporting
            message = f"{record.msg!r} % {record.args!r}"
        text = f"{record.name}: {message}"
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            text += f" [{type(exc).__name__}: {exc}]"
        self.add(text)

    def add(self, text: str) -> None:
        if any(p.search(text) for p in IGNORED):
            return
        with self._lock2:
            self.problems.append(Problem(text))

    def take(self) -> list[Problem]:
        with self._lock2:
            taken, self.problems = self.problems, []
        return taken


COLLECTOR = _Collector()


def record_child_errors(lines: Iterable[str], who: str) -> None:
    """Report ERROR/CRITICAL lines of a child server's log (format `... LEVEL name: message`)."""
    for line in product_errors_in(lines):
        COLLECTOR.add(f"{who}: {line}")


def product_errors_in(lines: Iterable[str]) -> list[str]:
    """The lines of a server log written at ERROR or CRITICAL (and uncaught tracebacks)."""
    found = []
    for line in lines:
        if re.search(r"\b(ERROR|CRITICAL)\b", line) or line.startswith("Traceback"):
            found.append(line.rstrip())
    return found


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*patterns): the test expects product errors matching these patterns "
        "(regular expressions searched in '<logger>: <message>'); each must occur",
    )
    root = logging.getLogger()
    root.addHandler(COLLECTOR)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    # uvicorn configures its loggers not to propagate: collect from them directly.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).addHandler(COLLECTOR)


def _check(item: pytest.Item) -> None:
    gc.collect(1)  # an unretrieved task exception is logged when the (young) task is collected
    problems = COLLECTOR.take()
    marker = item.get_closest_marker(MARKER)
    patterns = [re.compile(p) for p in (marker.args if marker else ())]
    unexpected = [p.text for p in problems if not any(rx.search(p.text) for rx in patterns)]
    unmatched = [rx.pattern for rx in patterns if not any(rx.search(p.text) for p in problems)]
    lines = []
    if unexpected:
        lines.append("the product logged errors nobody expected:")
        lines.extend(f"  - {text[:2000]}" for text in unexpected)
    if unmatched:
        lines.append(f"expected errors that did not occur: {unmatched}")
    if lines:
        pytest.fail("\n".join(lines), pytrace=False)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    leftovers = COLLECTOR.take()  # logged between tests: charge them to the session
    _between.extend(leftovers)
    return (yield)


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    result = yield
    _check(item)
    return result


_between: list[Problem] = []


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    gc.collect()
    leftovers = _between + COLLECTOR.take()
    if leftovers:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        text = "\n".join(f"  - {p.text[:2000]}" for p in leftovers)
        if reporter is not None:
            reporter.write_line(f"\nErrors logged outside any test (the session fails):\n{text}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
