"""Browser fixtures: Debian chromium driven by Playwright (never `playwright install`), a live server
delivering email to a local SMTP server, phone-sized pages that fail the test on any script error
or Content-Security-Policy violation, and screenshots.

Without chromium the browser tests skip with the reason on a developer machine, and fail when
CI=true (tests.conftest.need).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import need
from tests.helpers.factories import PASSWORD
from tests.helpers.invitation_env import delivery_settings
from tests.helpers.live_server import LiveServer, unique_client
from tests.helpers.smtp_capture import SmtpCapture

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
# Set to a folder (e.g. docs/screenshots) to keep the screenshots the tests take.
SCREENSHOTS = os.environ.get("TELECONSULT_SCREENSHOTS", "")

Shot = Callable[[str], Path]


@pytest.fixture(scope="package")
def chromium() -> Iterator[Any]:
    # Package scope: Playwright's sync API keeps an event loop in the main thread while it runs,
    # which would break every later `asyncio.run` in other packages.
    need(
        Path(CHROMIUM).is_file(),
        f"Chromium introuvable ({CHROMIUM}) : installez le paquet Debian « chromium »",
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def e2e_smtp() -> Iterator[SmtpCapture]:
    capture = SmtpCapture().start()
    yield capture
    capture.stop()


@pytest.fixture(scope="session")
def e2e_server(tmp_path_factory: pytest.TempPathFactory, e2e_smtp: SmtpCapture) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("e2e")
    with LiveServer(delivery_settings(tmp, e2e_smtp, None)) as live:
        yield live


@pytest.fixture
def api_client(e2e_server: LiveServer) -> Iterator[httpx.Client]:
    with unique_client(e2e_server) as client:
        yield client


@pytest.fixture
def phone(chromium: Any) -> Iterator[Any]:
    """A fresh phone-sized page in French; script errors and CSP violations fail the test."""
    context = chromium.new_context(
        viewport=PHONE, locale="fr-FR", timezone_id="Europe/Paris", accept_downloads=True
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    problems: list[str] = []

    def on_console(message: Any) -> None:
        text = message.text
        # A 4xx answer the page expects (an expired link's 410) is logged by chromium: not a bug.
        if message.type == "error" and "Failed to load resource" not in text:
            problems.append(text)
        if "Content Security Policy" in text:
            problems.append(text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"exception: {error}"))
    yield page
    context.close()
    assert problems == [], "errors in the page: " + " | ".join(problems)


@pytest.fixture
def shot(phone: Any, tmp_path: Path) -> Shot:
    """Screenshot the whole page (PNG); kept in $TELECONSULT_SCREENSHOTS when set."""

    def take(name: str) -> Path:
        path = tmp_path / f"{name}.png"
        phone.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 1000
        if SCREENSHOTS:
            target = Path(SCREENSHOTS)
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target / path.name)
        return path

    return take


def follow_clock(page: Any, clock: Callable[[], Any]) -> None:
    """The browser's `Date` reads the server's (test) clock: both sides agree on the day."""
    page.clock.set_system_time(clock())


def arrive(page: Any, path: str | re.Pattern[str], heading: str | re.Pattern[str] | None = None) -> None:
    """Wait for what the user sees after a navigation: the address, then the page's main heading.

    Never `page.wait_for_url`: under load a navigation that the page itself replaces (a sign-in
    that redirects) aborts it with `net::ERR_ABORTED`; these assertions poll until they hold.
    `path` is a path (with its query) that the address must end with, or a regular expression
    (evaluated in the browser: ASCII classes only).
    """
    pattern = path if isinstance(path, re.Pattern) else re.compile(re.escape(path) + "$")
    expect(page).to_have_url(pattern)
    if heading is not None:
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)


def sign_in(page: Any, server: LiveServer, identifier: str, password: str = PASSWORD) -> None:
    """Sign in on /connexion and wait for the conversation list the patient lands on."""
    page.goto(f"{server.url}/connexion")
    page.get_by_label("Adresse e-mail ou téléphone").fill(identifier)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Me connecter").click()
    arrive(page, "/conversations", "Mes conversations")
