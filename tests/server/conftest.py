"""Fixtures shared by the server's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers.smtp_capture import SmtpCapture


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpCapture]:
    """A local SMTP server (aiosmtpd) for one test module's servers to deliver to."""
    capture = SmtpCapture().start()
    yield capture
    capture.stop()
