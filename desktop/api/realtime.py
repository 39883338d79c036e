"""The realtime socket (`/api/v1/ws`): auth in the first frame, resume from the last seq, reconnect.

Protocol (server/api/realtime.py): the client sends `{"type": "auth", "token", "last_seq"}`; the
server answers `ready` and replays every persisted event after `last_seq` in order, then live ones.
The server pings every ~25 s; we answer `pong` (it drops sockets silent for 75 s) and treat 60 s
without any frame as a dead link. After a loss we reconnect with jittered exponential backoff and
resume from the last seq the caller persisted, so nothing is missed and nothing is applied twice.
Frames other than events (call signaling, presence) go to handlers registered by type.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from desktop.domain.connection_status import ConnectionStatus
from desktop.kernel.backoff import Backoff
from desktop.kernel.waits import wake_or_timeout

log = logging.getLogger(__name__)

Frame = dict[str, Any]
EventHandler = Callable[[int, str, Frame], Awaitable[None]]
FrameHandler = Callable[[Frame], Awaitable[None]]
StatusHandler = Callable[[ConnectionStatus], None]

SILENCE_LIMIT = 60.0
RECONNECT = Backoff(first=0.5, ceiling=30.0, jitter=0.2)
AUTH_CLOSE_CODES = (4401,)


class EventDeferred(Exception):  # noqa: N818 — a signal to the link, not an error
    """Raised by the event handler when it cannot apply an event now (it needs the server, which
    does not answer): the link leaves the socket, waits its backoff and resumes from the last
    event acknowledged, so the event comes again."""


class RealtimeClient:
    """Keeps one socket open while `run()` runs; hands events to `on_event` one at a time, in order."""

    def __init__(
        self,
        url: str,
        token: Callable[[], str | None],
        last_seq: Callable[[], Awaitable[int]],
        on_event: EventHandler,
        on_status: StatusHandler,
        *,
        backoff: Backoff | None = None,
    ) -> None:
        self._url = url
        self._token = token
        self._last_seq = last_seq
        self._on_event = on_event
        self._on_status = on_status
        self._backoff = backoff or RECONNECT
        self._frame_handlers: dict[str, FrameHandler] = {}
        self._ws: ClientConnection | None = None
        self._stopped = False
        self._wake = asyncio.Event()
        self._status = ConnectionStatus.OFFLINE

    @property
    def status(self) -> ConnectionStatus:
        return self._status

    def add_frame_handler(self, frame_type: str, handler: FrameHandler) -> None:
        """Route non-persisted frames of `frame_type` (e.g. call signaling) to `handler`."""
        self._frame_handlers[frame_type] = handler

    async def send(self, frame: Frame) -> bool:
        """Send a frame if the socket is up; False when offline (the caller decides what to do)."""
        ws = self._ws
        if ws is None or self._status is not ConnectionStatus.ONLINE:
            return False
        try:
            await ws.send(json.dumps(frame, ensure_ascii=False))
        except ConnectionClosed:
            return False
        return True

    def wake(self) -> None:
        """Retry now instead of waiting out the backoff (new token, user asked, network is back)."""
        self._wake.set()

    async def drop(self) -> None:
        """Close the current socket; `run()` reconnects (and authenticates) at once."""
        ws = self._ws
        self._wake.set()
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()

    async def stop(self) -> None:
        self._stopped = True
        self._wake.set()
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()

    def _set_status(self, status: ConnectionStatus) -> None:
        if status is not self._status:
            self._status = status
            self._on_status(status)

    async def run(self) -> None:
        """Connect, resume, read; reconnect with backoff until `stop()`."""
        attempt = 0
        while not self._stopped:
            token = self._token()
            if not token:
                self._set_status(ConnectionStatus.SIGNED_OUT)
                await self._sleep(None)
                continue
            self._set_status(ConnectionStatus.CONNECTING)
            signed_out = False
            try:
                signed_out = await self._session(token)
                attempt = 0 if self._status is ConnectionStatus.ONLINE else attempt
            except ConnectionClosed as exc:
                signed_out = exc.rcvd is not None and exc.rcvd.code in AUTH_CLOSE_CODES
                log.info("realtime link closed (%s)", exc.rcvd.code if exc.rcvd else "no close frame")
            except (OSError, InvalidHandshake, InvalidURI, TimeoutError, ValueError) as exc:
                log.info("realtime link lost: %s", type(exc).__name__)
            except EventDeferred:
                log.info("realtime link left: an event waits for the server, resumed after a pause")
            finally:
                self._ws = None
            if self._stopped:
                break
            if signed_out:
                self._set_status(ConnectionStatus.SIGNED_OUT)
                await self._sleep(None)  # until a new token wakes us
                attempt = 0
                continue
            self._set_status(ConnectionStatus.OFFLINE)
            if self._wake.is_set():  # drop() or wake() asked for an immediate retry
                self._wake.clear()
                continue
            await self._sleep(self._backoff.delay(attempt))
            attempt += 1
        self._set_status(ConnectionStatus.OFFLINE)

    async def _sleep(self, seconds: float | None) -> None:
        await wake_or_timeout(self._wake, seconds)

    async def _session(self, token: str) -> bool:
        """One connection's life; returns True when the server refused the session."""
        async with connect(
            self._url,
            open_timeout=10,
            compression=None,
            max_size=1024 * 1024,
            ping_interval=20,
            ping_timeout=20,
        ) as ws:
            self._ws = ws
            await ws.send(json.dumps({"type": "auth", "token": token, "last_seq": await self._last_seq()}))
            async with asyncio.timeout(15):
                first = json.loads(await ws.recv())
            if not isinstance(first, dict) or first.get("type") != "ready":
                log.info("realtime auth refused: %s", first.get("code") if isinstance(first, dict) else "?")
                return True
            if first.get("reset") is True:
                # The server no longer holds the events after our seq (purged past its resume
                # window, or a restored database): the "reset" handler reloads over REST.
                await self._dispatch(ws, {**first, "type": "reset"})
            self._set_status(ConnectionStatus.ONLINE)
            while not self._stopped:
                async with asyncio.timeout(SILENCE_LIMIT):
                    raw = await ws.recv()
                frame = json.loads(raw)
                if isinstance(frame, dict):
                    await self._dispatch(ws, frame)
        return False

    async def _dispatch(self, ws: ClientConnection, frame: Frame) -> None:
        kind = frame.get("type")
        if kind == "ping":
            await ws.send('{"type":"pong"}')
        elif kind == "event":
            seq, name, data = frame.get("seq"), frame.get("event"), frame.get("data")
            if isinstance(seq, int) and isinstance(name, str):
                await self._on_event(seq, name, data if isinstance(data, dict) else {})
        elif isinstance(kind, str) and kind in self._frame_handlers:
            try:
                await self._frame_handlers[kind](frame)
            except Exception:  # a feature's handler must not kill the socket
                log.exception("frame handler for %s failed", kind)
        elif kind == "error":
            log.info("realtime error frame: %s", frame.get("code"))
