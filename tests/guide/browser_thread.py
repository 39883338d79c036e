"""The patient's Chromium, driven by Playwright's sync API from a thread of its own.

The walkthrough's test coroutine runs inside the Qt event loop (qasync); Playwright's sync API
cannot run in a thread that has an asyncio loop, and its objects belong to the thread that made
them. So one worker thread owns Playwright, the browser and its pages, and the test hands it
functions: `await browser.do(fn)` runs `fn(page)` there while the Qt loop keeps turning (the
desktop answers the patient meanwhile).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from tests.e2e.conftest import CHROMIUM, LAUNCH_ARGS, PHONE

T = TypeVar("T")


class PatientBrowser:
    """Debian chromium (never `playwright install`), phone-sized French pages that record script
    errors and Content-Security-Policy violations."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.clock = clock
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="patient-browser"
        )
        self._playwright: Any = None
        self._browser: Any = None
        self.problems: list[str] = []

    async def start(self) -> PatientBrowser:
        def launch() -> None:
            from playwright.sync_api import sync_playwright

            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)

        await self.run(launch)
        return self

    async def run(self, fn: Callable[[], T]) -> T:
        """Run `fn` in the browser's thread; the Qt loop goes on while it runs."""
        return await asyncio.wrap_future(self._pool.submit(fn))

    async def new_page(self) -> Any:
        def make() -> Any:
            context = self._browser.new_context(
                viewport=PHONE, locale="fr-FR", timezone_id="Europe/Paris", accept_downloads=True
            )
            context.set_default_timeout(20_000)
            page = context.new_page()
            if self.clock is not None:  # the page's `Date` agrees with the server's (test) clock
                page.clock.set_system_time(self.clock())

            def on_console(message: Any) -> None:
                text = message.text
                if message.type == "error" and "Failed to load resource" not in text:
                    self.problems.append(text)
                if "Content Security Policy" in text:
                    self.problems.append(text)

            page.on("console", on_console)
            page.on("pageerror", lambda error: self.problems.append(f"exception: {error}"))
            return page

        return await self.run(make)

    async def shot(self, page: Any, path: Path) -> Path:
        def take() -> None:
            page.screenshot(path=str(path), full_page=False)

        await self.run(take)
        assert path.stat().st_size > 1000
        return path

    async def close(self) -> None:
        def stop() -> None:
            if self._browser is not None:
                self._browser.close()
            if self._playwright is not None:
                self._playwright.stop()

        try:
            await self.run(stop)
        finally:
            self._pool.shutdown(wait=True)
