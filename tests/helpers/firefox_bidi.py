"""Firefox ESR driven over WebDriver BiDi (built into Firefox: no geckodriver), for the patient's
page in tests and the benchmark (recipe: /work/shared/notes/browsers.md).

`Firefox.launch()` starts `firefox-esr --headless` on a fresh profile whose prefs give a fake camera
and microphone, no permission prompt, loopback ICE candidates and no call out of the machine
(`MOZ_REMOTE_SETTINGS_DEVTOOLS=1` included); `FirefoxTab` is one tab: navigate, reload, evaluate
(JSON in, JSON out), click a button by its accessible text, wait for a condition. Script errors
the page logs are kept in `problems`. Every step has a hard timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

FIREFOX = os.environ.get("FIREFOX_PATH") or shutil.which("firefox-esr") or "/usr/bin/firefox-esr"
PREFS: dict[str, object] = {
    "media.navigator.streams.fake": True,
    "media.navigator.permission.disabled": True,
    # Inside a loopback-only namespace a fake stream must count as a capture for Firefox to
    # gather loopback candidates (browsers.md).
    "media.navigator.permission.fake": True,
    "media.peerconnection.ice.obfuscate_host_addresses": False,
    "media.peerconnection.ice.loopback": True,
    "media.autoplay.default": 0,
    "media.autoplay.blocking_policy": 0,
    # Nothing leaves the machine.
    "services.settings.server": "data:,#remote-settings-dummy/v1",
    "messaging-system.rsexperimentloader.enabled": False,
    "app.normandy.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "toolkit.telemetry.enabled": False,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "extensions.update.enabled": False,
    "app.update.auto": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "intl.accept_languages": "fr-FR, fr",
}
LISTENING = re.compile(r"WebDriver BiDi listening on (ws://\S+)")


class BidiError(RuntimeError):
    pass


class Firefox:
    """One headless Firefox process and its BiDi session."""

    def __init__(self, process: asyncio.subprocess.Process, ws: ClientConnection, profile: Path) -> None:
        self.process = process
        self.ws = ws
        self.profile = profile
        self._ids = itertools.count(1)
        self._replies: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.log: list[dict[str, Any]] = []  # log.entryAdded params
        self._reader = asyncio.create_task(self._read())
        self._stderr: asyncio.Task[None] | None = None

    @classmethod
    async def launch(cls, timeout: float = 60, prefs: dict[str, object] | None = None) -> Firefox:
        profile = Path(tempfile.mkdtemp(prefix="teleconsult-firefox-"))
        lines = [
            f"user_pref({json.dumps(k)}, {json.dumps(v)});" for k, v in {**PREFS, **(prefs or {})}.items()
        ]
        (profile / "user.js").write_text("\n".join(lines) + "\n", encoding="utf-8")
        env = {**os.environ, "MOZ_REMOTE_SETTINGS_DEVTOOLS": "1", "MOZ_HEADLESS": "1", "TZ": "Europe/Paris"}
        process = await asyncio.create_subprocess_exec(
            FIREFOX,
            "--headless",
            "--no-remote",
            "--profile",
            str(profile),
            "--remote-debugging-port=0",
            "about:blank",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            start_new_session=True,  # its own process group: closing ends all of Firefox's processes
        )
        assert process.stderr is not None
        try:
            url = await asyncio.wait_for(_listening_url(process.stderr), timeout)
            ws = await asyncio.wait_for(connect(f"{url}/session", max_size=64 * 2**20), timeout)
        except BaseException:
            await _kill(process)
            shutil.rmtree(profile, ignore_errors=True)
            raise
        firefox = cls(process, ws, profile)
        firefox._stderr = asyncio.create_task(_drain(process.stderr))
        try:
            await firefox.command("session.new", {"capabilities": {}}, timeout=timeout)
            await firefox.command("session.subscribe", {"events": ["log.entryAdded"]})
        except BaseException:
            await firefox.close()
            raise
        return firefox

    async def _read(self) -> None:
        with contextlib.suppress(Exception):
            async for raw in self.ws:
                message = json.loads(raw)
                future = self._replies.pop(message.get("id", -1), None) if "id" in message else None
                if future is not None and not future.done():
                    future.set_result(message)
                elif message.get("method") == "log.entryAdded":
                    self.log.append(message["params"])
        for future in self._replies.values():
            if not future.done():
                future.set_exception(BidiError("Firefox closed the BiDi connection"))

    async def command(self, method: str, params: dict[str, Any], timeout: float = 30) -> dict[str, Any]:
        ident = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._replies[ident] = future
        await self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        try:
            reply = await asyncio.wait_for(future, timeout)
        finally:
            self._replies.pop(ident, None)
        if reply.get("type") == "error":
            raise BidiError(f"{method}: {reply.get('error')}: {reply.get('message')}")
        result: dict[str, Any] = reply.get("result", {})
        return result

    async def new_tab(self, width: int = 390, height: int = 844) -> FirefoxTab:
        context = (await self.command("browsingContext.create", {"type": "tab"}))["context"]
        viewport = {"width": width, "height": height}
        await self.command("browsingContext.setViewport", {"context": context, "viewport": viewport})
        return FirefoxTab(self, context)

    async def version(self) -> str:
        status = await self.command("session.status", {})
        return str(status.get("message", ""))

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.command("session.end", {}), 5)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(), 5)
        self._reader.cancel()
        await _kill(self.process)
        if self._stderr is not None:
            self._stderr.cancel()
        shutil.rmtree(self.profile, ignore_errors=True)


class FirefoxTab:
    def __init__(self, firefox: Firefox, context: str) -> None:
        self.firefox = firefox
        self.context = context
        self._preloads: list[str] = []

    @property
    def problems(self) -> list[str]:
        """Script errors (uncaught exceptions, CSP refusals) logged by this tab's pages."""
        out = []
        for entry in self.firefox.log:
            if entry.get("source", {}).get("context") != self.context:
                continue
            text = str(entry.get("text", ""))
            if entry.get("type") == "javascript" or "Content-Security-Policy" in text:
                out.append(text)
        return out

    async def preload(self, script: str) -> None:
        """Run `script` in every document this tab loads, before the page's own scripts."""
        params = {"functionDeclaration": f"() => {{ {script} }}", "contexts": [self.context]}
        result = await self.firefox.command("script.addPreloadScript", params)
        self._preloads.append(result["script"])

    async def goto(self, url: str, timeout: float = 30) -> None:
        params = {"context": self.context, "url": url, "wait": "complete"}
        await self.firefox.command("browsingContext.navigate", params, timeout=timeout)

    async def reload(self, timeout: float = 30) -> None:
        params = {"context": self.context, "wait": "complete"}
        await self.firefox.command("browsingContext.reload", params, timeout=timeout)

    async def evaluate(self, expression: str, timeout: float = 30) -> Any:
        """The JSON value of `expression` (awaited when it is a promise)."""
        wrapped = f"(async () => JSON.stringify(await ({expression})))()"
        params = {
            "expression": wrapped,
            "target": {"context": self.context},
            "awaitPromise": True,
            "userActivation": True,
        }
        result = await self.firefox.command("script.evaluate", params, timeout=timeout)
        if result.get("type") == "exception":
            details = result.get("exceptionDetails", {})
            raise BidiError(f"script failed: {details.get('text')} in {expression[:200]}")
        value = result.get("result", {})
        if value.get("type") != "string":
            return None
        return json.loads(value["value"])

    async def wait_for(self, expression: str, timeout: float = 20, what: str = "") -> Any:
        """Poll `expression` every 50 ms until it is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = await self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what or expression}")
            await asyncio.sleep(0.05)

    async def wait_text(self, text: str, timeout: float = 20) -> None:
        """Wait until `text` is shown (in a visible element) on the page."""
        await self.wait_for(f"window.__visibleText({json.dumps(text)})", timeout, f"« {text} »")

    async def text_visible(self, text: str) -> bool:
        return bool(await self.evaluate(f"window.__visibleText({json.dumps(text)})"))

    async def click(self, name: str, timeout: float = 20) -> None:
        """Click the visible button whose text or aria-label contains `name` (with user activation)."""
        found = f"window.__clickButton({json.dumps(name)})"
        await self.wait_for(found, timeout, f"the button « {name} »")

    async def screenshot(self, path: Path) -> None:
        import base64

        result = await self.firefox.command("browsingContext.captureScreenshot", {"context": self.context})
        path.write_bytes(base64.b64decode(result["data"]))

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.firefox.command("browsingContext.close", {"context": self.context}, timeout=10)


# Helpers every page of a tab gets (a preload script): visible text and button clicks by name.
HELPERS = r"""
const visible = (el) => {
  for (let node = el; node; node = node.parentElement) {
    if (node.hidden || getComputedStyle(node).display === 'none') return false;
  }
  return true;
};
window.__visibleText = (text) =>
  [...document.querySelectorAll('body *')].some(
    (el) => visible(el) && [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.includes(text))
      || (visible(el) && el.children.length === 0 && el.textContent.includes(text)));
window.__clickButton = (name) => {
  const buttons = [...document.querySelectorAll('button, [role=button], a')];
  const button = buttons.find((b) => visible(b) && !b.disabled
    && ((b.getAttribute('aria-label') || '').includes(name) || b.textContent.includes(name)));
  if (!button) return false;
  button.click();
  return true;
};
"""


async def open_tab(firefox: Firefox, width: int = 390, height: int = 844) -> FirefoxTab:
    tab = await firefox.new_tab(width, height)
    await tab.preload(HELPERS)
    return tab


async def open_patient_tab(
    firefox: Firefox,
    base_url: str,
    conversation_id: str,
    token: str,
    user: dict[str, str],
    video: int = 480,
) -> FirefoxTab:
    """The patient's conversation page in a new tab, signed in through its session storage.

    The frames the page sends on its socket are kept in `window.__sent` (duplicate checks).
    """
    tab = await open_tab(firefox)
    session = json.dumps({"token": token, "user": user})
    await tab.preload(
        f"if (location.origin === {json.dumps(base_url)})"
        f" sessionStorage.setItem('teleconsult.session', {json.dumps(session)});"
    )
    await tab.preload(
        "window.__sent = []; const send = WebSocket.prototype.send;"
        "WebSocket.prototype.send = function (data) {"
        " try { window.__sent.push(JSON.parse(data)); } catch (e) {} return send.call(this, data); };"
    )
    await tab.goto(f"{base_url}/conversations/{conversation_id}?video={video}")
    await tab.wait_for("window.teleconsultCall !== undefined")
    return tab


async def _listening_url(stream: asyncio.StreamReader) -> str:
    while True:
        line = await stream.readline()
        if not line:
            raise BidiError("Firefox exited before WebDriver BiDi was listening")
        match = LISTENING.search(line.decode("utf-8", "replace"))
        if match:
            return match.group(1)


async def _drain(stream: asyncio.StreamReader) -> None:
    with contextlib.suppress(Exception):
        while await stream.read(65536):
            pass


async def _kill(process: asyncio.subprocess.Process) -> None:
    """End Firefox and every process of its group (content processes, a relaunched parent)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(process.wait(), 10)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    await process.wait()
