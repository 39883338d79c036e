"""WebKitGTK (Safari's engine, Safari user agent) for the patient's pages in tests: Debian's
WebKitWebDriver and MiniBrowser under a private Xvfb, spoken to in plain W3C WebDriver over httpx
(no selenium needed). Recipe: /work/shared/notes/browsers.md.

`WebKit.launch()` starts Xvfb (`-displayfd`: ready when it says its display, no sleep), the
driver on a free port and a MiniBrowser session with WebKit's mock camera and microphone; every
request has a hard timeout. `goto`, `run` (a script's JSON value), `wait` (poll a script), `field`
(a visible form control by its label, filled by real key strokes), `click` (a visible button by its
text or aria-label, a real WebDriver click), `screenshot`. Debian's WebKitGTK has no WebRTC
(`RTCPeerConnection` is undefined): calls cannot be tested here, their absence can.
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from tests.helpers.live_server import free_port
from tests.helpers.processes import stop_process

WEBKIT_DRIVER = shutil.which("WebKitWebDriver") or "/usr/bin/WebKitWebDriver"
MINIBROWSER = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser"
XVFB = shutil.which("Xvfb") or "/usr/bin/Xvfb"
ARGS = [
    "--automation",  # without it the driver's session is refused
    "--enable-media-stream=true",
    "--enable-mock-capture-devices=true",
    "--enable-webrtc=true",
    "--enable-media=true",
    "--autoplay-policy=allow",
]
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"

# Visible controls by their label, buttons by their name (evaluated in the page).
FIND = r"""
const visible = (el) => !!el && el.getClientRects().length > 0
  && [...(function* () { for (let n = el; n; n = n.parentElement) yield n; })()]
     .every((n) => !n.hidden && getComputedStyle(n).visibility !== 'hidden');
const [kind, name, exact] = arguments;
if (kind === 'field') {
  for (const label of document.querySelectorAll('label')) {
    const text = label.textContent.replace(/\s+/g, ' ').trim();
    if ((exact ? text === name : text.startsWith(name)) && label.control && visible(label.control)) {
      return label.control;
    }
  }
  return [...document.querySelectorAll('[aria-label]')]
    .find((el) => el.getAttribute('aria-label') === name && visible(el)) || null;
}
const buttons = [...document.querySelectorAll('button, a, [role=button]')];
return buttons.find((b) => visible(b) && !b.disabled && (
  (b.getAttribute('aria-label') || '').includes(name) || b.textContent.replace(/\s+/g, ' ').includes(name)
)) || null;
"""


def available() -> str | None:
    """None when WebKitGTK can run here, else why not (French, for `need`)."""
    for path, package in (
        (WEBKIT_DRIVER, "webkit2gtk-driver"),
        (MINIBROWSER, "webkit2gtk-driver"),
        (XVFB, "xvfb"),
    ):
        if not Path(path).is_file():
            return f"{path} introuvable : installez le paquet Debian « {package} »"
    return None


class WebKit:
    """A MiniBrowser session through WebKitWebDriver on a private X display."""

    def __init__(
        self, xvfb: subprocess.Popen[bytes], driver: subprocess.Popen[bytes], client: httpx.Client
    ) -> None:
        self.xvfb = xvfb
        self.driver = driver
        self.client = client
        self.session = ""
        self.runtime: str | None = None  # the browser's XDG_RUNTIME_DIR, removed on quit

    @classmethod
    def launch(cls, timeout: float = 60) -> WebKit:
        read, write = os.pipe()
        xvfb = subprocess.Popen(
            [XVFB, "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        driver: subprocess.Popen[bytes] | None = None
        try:
            display = _read_display(read, timeout)
            port = free_port()
            runtime = tempfile.mkdtemp(prefix="teleconsult-webkit-")
            env = {**os.environ, "DISPLAY": f":{display}", "XDG_RUNTIME_DIR": runtime, "TZ": "Europe/Paris"}
            env.pop("WAYLAND_DISPLAY", None)
            driver = subprocess.Popen(
                [WEBKIT_DRIVER, f"--port={port}"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=timeout)
            webkit = cls(xvfb, driver, client)
            webkit.runtime = runtime
            deadline = time.monotonic() + timeout
            while True:
                try:
                    if client.get("/status", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or driver.poll() is not None:
                    raise RuntimeError("WebKitWebDriver did not start")
                time.sleep(0.05)
            options = {"binary": MINIBROWSER, "args": ARGS}
            caps = {"alwaysMatch": {"browserName": "MiniBrowser", "webkitgtk:browserOptions": options}}
            webkit.session = webkit._call("POST", "/session", {"capabilities": caps})["sessionId"]
            return webkit
        except BaseException:
            for process in (driver, xvfb):
                if process is not None:
                    stop_process(process)
            raise
        finally:
            os.close(read)

    # ------------------------------------------------------------------ protocol
    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.client.request(method, path, json=body)
        value = response.json().get("value")
        if response.status_code != 200:
            raise RuntimeError(f"WebDriver {method} {path}: {value}")
        return value

    def _s(self, path: str) -> str:
        return f"/session/{self.session}{path}"

    # ------------------------------------------------------------------ pages
    def set_size(self, width: int, height: int) -> None:
        self._call("POST", self._s("/window/rect"), {"width": width, "height": height})

    def goto(self, url: str) -> None:
        self._call("POST", self._s("/url"), {"url": url})

    def url(self) -> str:
        return str(self._call("GET", self._s("/url")))

    def run(self, script: str, *args: Any) -> Any:
        """The JSON value of a function body (`return …`; its arguments in `arguments`)."""
        return self._call("POST", self._s("/execute/sync"), {"script": script, "args": list(args)})

    def wait(self, script: str, timeout: float = 15, what: str = "", *args: Any) -> Any:
        """Poll the function body `script` every 50 ms until its value is truthy; return it."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.run(script, *args)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"WebKit: timed out after {timeout} s waiting for {what or script}")
            time.sleep(0.05)

    def wait_text(self, text: str, timeout: float = 15) -> None:
        """Wait until `text` is in the page's visible text."""
        self.wait(
            "return document.body && document.body.innerText.includes(arguments[0])",
            timeout,
            f"« {text} »",
            text,
        )

    def text(self) -> str:
        return str(self.run("return document.body.innerText"))

    def _find(self, kind: str, name: str, exact: bool = False, timeout: float = 15) -> str:
        found = self.wait(FIND, timeout, f"{kind} « {name} »", kind, name, exact)
        return str(found[ELEMENT])

    def fill(self, label: str, value: str, exact: bool = False) -> None:
        """Type `value` into the visible control labelled `label` (real key strokes)."""
        element = self._find("field", label, exact)
        self._call("POST", self._s(f"/element/{element}/clear"), {})
        self._call("POST", self._s(f"/element/{element}/value"), {"text": value})

    def click(self, name: str) -> None:
        """Click the visible, enabled button or link whose text or aria-label contains `name`."""
        element = self._find("button", name)
        self._call("POST", self._s(f"/element/{element}/click"), {})

    def screenshot(self, path: Path) -> None:
        path.write_bytes(base64.b64decode(self._call("GET", self._s("/screenshot"))))

    def quit(self) -> None:
        if self.session:
            with contextlib.suppress(Exception):
                self.client.request("DELETE", self._s(""), timeout=10)
        self.client.close()
        stop_process(self.driver)
        stop_process(self.xvfb)
        if self.runtime is not None:
            shutil.rmtree(self.runtime, ignore_errors=True)


def _read_display(fd: int, timeout: float) -> str:
    import select

    data = b""
    deadline = time.monotonic() + timeout
    while not data.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise RuntimeError("Xvfb did not start")
        chunk = os.read(fd, 64)
        if not chunk:
            raise RuntimeError("Xvfb exited")
        data += chunk
    return data.decode().strip()
