"""A video call between the desktop's call service and the patient's page in headless chromium.

Shared by the loopback-namespace tests (tests/e2e/netns/) and the benchmark (bench/video.py):

- `loopback_ice()`: aioice gathers on 127.0.0.1 only (it leaves loopback out by default);
- `launch_chromium()`: Debian chromium with a fake camera and microphone, loopback candidates
  allowed (`--allow-loopback-in-peer-connection`), nothing phoning home;
- `PatientPage`: the real patient page, signed in through its session storage, with helpers to
  join, read the page's `getStats()` and wait for decoded media;
- `DesktopSide`: the practitioner's `CallService` on real `CallApiClient` and `RealtimeClient`
  (the same classes the app uses) with synthetic media.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aioice.ice

from desktop.api.calls import CallApiClient
from desktop.api.realtime import RealtimeClient
from desktop.domain.call_state import CallState
from desktop.domain.connection_status import ConnectionStatus
from desktop.kernel.messages import Messages
from desktop.kernel.tasks import TaskRunner
from desktop.services.call_media import CallMedia, ChoiceFactory, synthetic_media
from desktop.services.calls import CallService

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--use-fake-device-for-media-stream=fps=30",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
PHONE = {"width": 390, "height": 844}


def screenshot_dir() -> Path | None:
    """Where to keep screenshots: TELECONSULT_SCREENSHOTS=1 → docs/screenshots, or a folder."""
    value = os.environ.get("TELECONSULT_SCREENSHOTS", "")
    if not value:
        return None
    folder = Path(__file__).resolve().parents[2] / "docs" / "screenshots" if value == "1" else Path(value)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def loopback_ice() -> None:
    """Make 127.0.0.1 aioice's only host address (video-stack.md §2)."""
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"] if use_ipv4 else []


def only_loopback_interface() -> bool:
    """True inside a network namespace whose only interface is `lo`."""
    import socket

    return [name for _, name in socket.if_nameindex()] == ["lo"]


async def launch_chromium(playwright: Any) -> Any:
    return await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


async def until(predicate: Callable[[], Any], timeout: float, what: str) -> float:
    """Poll `predicate` (sync) every 20 ms; return the seconds it took."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.02)
    return time.monotonic() - started


def session_user(account: Any) -> dict[str, str]:
    """The `user` of the patient page's stored session (`teleconsult.session`) for a test account."""
    return {
        "id": account.id,
        "role": account.role,
        "first_name": account.first_name,
        "last_name": account.last_name,
    }


async def start_and_join(desktop: DesktopSide, page: PatientPage, conversation_id: str) -> None:
    """The practitioner starts the call, the patient joins from the invitation: back once connected."""
    await desktop.service.start(conversation_id)
    await page.page.get_by_text("Votre praticien vous attend").wait_for()
    await page.join()
    await until(
        lambda: desktop.service.active is not None and desktop.service.active.state is CallState.CONNECTED,
        20,
        "the call",
    )


class PatientPage:
    """The patient's conversation page in its own browser context, signed in."""

    def __init__(self, page: Any, base_url: str, conversation_id: str) -> None:
        self.page = page
        self.base_url = base_url
        self.conversation_id = conversation_id
        self.problems: list[str] = []
        page.on("pageerror", lambda error: self.problems.append(f"exception: {error}"))
        page.on(
            "console",
            lambda m: self.problems.append(m.text) if "Content Security Policy" in m.text else None,
        )

    @classmethod
    async def open(
        cls,
        browser: Any,
        base_url: str,
        conversation_id: str,
        token: str,
        user: dict[str, str],
        video: int = 480,
    ) -> PatientPage:
        context = await browser.new_context(viewport=PHONE, locale="fr-FR", timezone_id="Europe/Paris")
        context.set_default_timeout(20_000)
        session = json.dumps({"token": token, "user": user})
        await context.add_init_script(
            f"sessionStorage.setItem('teleconsult.session', {json.dumps(session)});"
        )
        page = await context.new_page()
        patient = cls(page, base_url, conversation_id)
        await page.goto(f"{base_url}/conversations/{conversation_id}?video={video}")
        await page.wait_for_function("() => window.teleconsultCall !== undefined")
        return patient

    async def join(self) -> None:
        await self.page.get_by_role("button", name="Appel vidéo", exact=False).first.click()

    async def stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = await self.page.evaluate("() => window.teleconsultCall.stats()")
        return stats

    async def timeline(self) -> dict[str, Any]:
        value: dict[str, Any] = await self.page.evaluate(
            "() => ({...window.teleconsultCall.timeline,"
            " painted: window.teleconsultCall.peer ? window.teleconsultCall.peer.framesPainted : 0})"
        )
        return value

    async def wait_media(self, frames: int, timeout: float = 20) -> dict[str, Any]:
        """Wait until the page decoded `frames` video frames and received audio; its stats then."""
        deadline = time.monotonic() + timeout
        while True:
            stats = await self.stats()
            video, audio = stats.get("video") or {}, stats.get("audio") or {}
            if video.get("framesDecoded", 0) >= frames and audio.get("packetsReceived", 0) >= frames:
                return stats
            if time.monotonic() > deadline:
                raise AssertionError(f"the page did not get media in time: {stats}")
            await asyncio.sleep(0.1)

    async def status_text(self) -> str:
        text: str = await self.page.locator(".call-status").inner_text()
        return text

    async def close(self) -> None:
        await self.page.context.close()


@dataclass
class DesktopSide:
    """The practitioner's call service against a real server (no Qt)."""

    service: CallService
    realtime: RealtimeClient
    api: CallApiClient
    runner: TaskRunner
    messages: Messages
    notified: list[tuple[str, str]] = field(default_factory=list)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None

    @classmethod
    async def connect(
        cls,
        base_url: str,
        token: str,
        media: Callable[[], CallMedia] | None = None,
        size: tuple[int, int] = (640, 480),
        devices: ChoiceFactory | None = None,
    ) -> DesktopSide:
        messages = Messages()
        runner = TaskRunner(messages)
        notified: list[tuple[str, str]] = []
        events: list[tuple[str, dict[str, Any]]] = []

        class Notifier:
            def notify(self, title: str, body: str) -> None:
                notified.append((title, body))

        async def on_event(seq: int, name: str, data: dict[str, Any]) -> None:
            events.append((name, data))

        service_ref: list[CallService] = []

        def on_status(status: ConnectionStatus) -> None:
            if service_ref:
                service_ref[0].connection_changed(status)

        async def last_seq() -> int:
            return 0

        ws_url = base_url.replace("http", "ws", 1) + "/api/v1/ws"
        realtime = RealtimeClient(ws_url, lambda: token, last_seq, on_event, on_status)
        api = CallApiClient(base_url, lambda: token)
        make_media = media or (lambda: synthetic_media(*size, speaker=False))
        service = CallService(api, realtime, runner, messages, Notifier(), make_media, devices=devices)
        service_ref.append(service)
        side = cls(service, realtime, api, runner, messages, notified, events)
        side._task = runner.run(realtime.run(), name="realtime")
        await until(lambda: realtime.status is ConnectionStatus.ONLINE, 15, "the desktop's socket")
        return side

    async def close(self) -> None:
        await self.service.close()
        await self.realtime.stop()
        await self.api.aclose()
        await self.runner.close()
