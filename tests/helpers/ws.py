"""A small synchronous WebSocket client speaking the server's realtime protocol."""

from __future__ import annotations

import contextlib
import json
import ssl
import time
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect


class RealtimeClient:
    def __init__(self, url: str, token: str, last_seq: int = 0, *, tls: ssl.SSLContext | None = None) -> None:
        self._opener = connect(
            url, open_timeout=10, compression=None, ssl=tls if url.startswith("wss:") else None
        )
        self.conn: ClientConnection = self._opener.__enter__()
        # The node a proxy sent this socket to (deploy/haproxy.cfg adds `X-Served-By`).
        self.node = self.conn.response.headers.get("X-Served-By", "-") if self.conn.response else "-"
        self.conn.send(json.dumps({"type": "auth", "token": token, "last_seq": last_seq}))
        self.ready = self.recv(timeout=10)

    def send(self, frame: dict[str, Any]) -> None:
        self.conn.send(json.dumps(frame))

    def recv(self, timeout: float = 10) -> dict[str, Any]:
        raw = self.conn.recv(timeout=timeout)
        frame: dict[str, Any] = json.loads(raw)
        return frame

    def events(self, count: int, timeout: float = 20, event: str | None = None) -> list[dict[str, Any]]:
        """The next `count` persisted events (optionally of one type), skipping pings and others."""
        found: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while len(found) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"got {len(found)} of {count} events")
            frame = self.recv(timeout=left)
            if frame.get("type") == "event" and (event is None or frame["event"] == event):
                found.append(frame)
        return found

    def quiet(self, seconds: float = 0.5) -> list[dict[str, Any]]:
        """Frames arriving within `seconds` (expected: none of interest)."""
        frames = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                frames.append(self.recv(timeout=left))
            except TimeoutError:
                break
        return [f for f in frames if f.get("type") not in ("ping", "pong")]

    def close(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            self.conn.close()

    def __enter__(self) -> RealtimeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
