"""The error check itself: a logged error, an unretrieved task exception or a thread's exception
fails the test that caused it, unless declared; a declaration that never matches fails too."""

from __future__ import annotations

from pathlib import Path

import pytest

HEADER = """
import asyncio, gc, logging, threading
import pytest
log = logging.getLogger("product.module")
"""


ROOT = Path(__file__).resolve().parents[1]


def run(pytester: pytest.Pytester, body: str) -> pytest.RunResult:
    pytester._monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makepyfile(test_case=HEADER + body)
    pytester.makeini("[pytest]\nfilterwarnings =\n    error::pytest.PytestUnhandledThreadExceptionWarning\n")
    return pytester.runpytest_subprocess("-p", "tests.helpers.logfail", "-p", "no:cacheprovider", "-q")


def test_an_error_logged_during_a_test_fails_it(pytester: pytest.Pytester) -> None:
    result = run(pytester, "def test_x():\n    log.error('outbox item %s failed', 7)\n")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*the product logged errors nobody expected*", "*- product.module: outbox item 7 failed"]
    )


def test_a_warning_does_not_fail(pytester: pytest.Pytester) -> None:
    run(pytester, "def test_x():\n    log.warning('slow')\n").assert_outcomes(passed=1)


def test_a_declared_error_passes_and_an_undeclared_one_still_fails(pytester: pytest.Pytester) -> None:
    body = (
        "@pytest.mark.expected_errors(r'adapter failed')\n"
        "def test_declared():\n    log.error('delivery adapter failed on job 3')\n"
        "@pytest.mark.expected_errors(r'adapter failed')\n"
        "def test_other():\n    log.error('delivery adapter failed'); log.error('bus handler failed')\n"
    )
    result = run(pytester, body)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*product.module: bus handler failed*"])


def test_a_declared_error_that_never_happens_fails(pytester: pytest.Pytester) -> None:
    body = "@pytest.mark.expected_errors(r'adapter failed')\ndef test_x():\n    pass\n"
    result = run(pytester, body)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*expected errors that did not occur*adapter failed*"])


def test_a_task_whose_exception_nobody_retrieved_fails_the_test(pytester: pytest.Pytester) -> None:
    body = (
        "def test_x():\n"
        "    async def boom():\n        raise ValueError('lost')\n"
        "    async def main():\n"
        "        asyncio.get_running_loop().create_task(boom())\n"
        "        await asyncio.sleep(0)\n        await asyncio.sleep(0)\n"
        "    asyncio.run(main())\n"
    )
    result = run(pytester, body)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*- asyncio: Task exception was never retrieved", "*[ValueError: lost]"])


def test_an_exception_in_a_thread_fails_the_test(pytester: pytest.Pytester) -> None:
    body = "def test_x():\n    t = threading.Thread(target=lambda: 1 / 0)\n    t.start(); t.join()\n"
    result = run(pytester, body)
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) + outcomes.get("errors", 0) >= 1, result.stdout.str()
    result.stdout.fnmatch_lines(["*ZeroDivisionError*"])
