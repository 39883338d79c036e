"""The WebSocket endpoint and this process's hub of sockets.

Protocol (JSON text frames):
- client → `{"type": "auth", "token": "…", "last_seq": N}` first, within a few seconds;
- server → `{"type": "ready", "user_id": …, "role": …, "seq": <latest>, "reset": bool}`, then
  every persisted event with `seq > N` in order
  (`{"type": "event", "seq": …, "event": "message.created", "data": {…}}`), then live ones;
  each persisted event reaches a socket exactly once, in order;
- either side → `{"type": "ping"}`, answered by `{"type": "pong"}`; the server pings every
  ~25 s and closes a socket silent for ~75 s (code 4408);
- client → `{"type": "message.send", "conversation_id", "id", "body"}` answered by
  `{"type": "ack", "id", "seq"}` or `{"type": "error", "id", "code", "detail"}`;
- other frame types are routed to handlers registered by features (call signaling).

Frames the server cannot read are answered, never crashed on: a binary frame, a text frame that
is not a JSON object (or nested too deep to read), an unknown type or a frame over `MAX_FRAME`
get an `error` frame with a French `detail` and the socket stays open (before `auth`: closed with
4400). A user or an address over its number of sockets (`ws_max_per_user`, `ws_max_per_ip`) has
the new socket closed with 4429 and a French reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError
from sqlalchemy import func, select
from starlette.websockets import WebSocketState

from contracts.wire.common import french_validation
from contracts.wire.conversations import MessageAckFrame, MessageSendFrame, SocketAuthFrame
from server.accounts.models import User
from server.accounts.service import AccountService, Principal
from server.conversations.service import ConversationService, MessageDraft
from server.kernel.core import Core
from server.kernel.errors import DiskFullError, DomainError, StorageFullError
from server.kernel.failures import failure
from server.kernel.models import UserEvent
from server.kernel.ports import BusMessage

log = logging.getLogger(__name__)

MAX_FRAME = 64 * 1024
QUEUE_LIMIT = 2000
CATCH_UP_PAGE = 500
TOO_MANY = 4429
ECHO_MAX = 64

BINARY_REFUSED = {
    "type": "error",
    "code": "binary_frame",
    "detail": "Message binaire non accepté : le serveur attend du JSON en texte.",
}
TOO_LARGE = {"type": "error", "code": "frame_too_large", "detail": "Message trop volumineux."}
UNREADABLE = {"type": "error", "code": "invalid_json", "detail": "Message illisible (JSON attendu)."}
UNKNOWN_TYPE = {"type": "error", "code": "unknown_type", "detail": "Type de message inconnu."}
FAILED = {
    "type": "error",
    "code": "internal_error",
    "detail": "Le serveur n'a pas pu traiter ce message. Réessayez dans un instant.",
}
USER_CAP_REASON = "Trop de connexions ouvertes pour ce compte : fermez une autre fenêtre."
IP_CAP_REASON = "Trop de connexions ouvertes depuis cette adresse."
CATCH_UP = "__catch_up__"  # internal: read this socket's missed events from the database
DEGRADED_POLL_SECONDS = 2.0  # while the bus is degraded, sockets catch up this often

FrameHandler = Callable[["Connection", dict[str, Any]], Awaitable[None]]


class Connection:
    """One authenticated socket: its outgoing queue and the last persisted seq it was sent."""

    __slots__ = (
        "catch_up_pending",
        "closed",
        "hub",
        "last_received",
        "last_seq",
        "last_touch",
        "principal",
        "queue",
        "rate",
        "ws",
    )

    def __init__(self, hub: Hub, ws: WebSocket, principal: Principal, last_seq: int) -> None:
        self.hub = hub
        self.ws = ws
        self.principal = principal
        self.last_seq = last_seq
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.last_received = time.monotonic()
        self.last_touch = time.monotonic()
        self.closed = False
        self.catch_up_pending = False
        self.rate: dict[str, Any] = {}

    def push(self, frame: dict[str, Any]) -> None:
        if self.closed:
            return
        if self.queue.qsize() >= QUEUE_LIMIT:  # too slow: let it reconnect and resume from its seq
            self.closed = True
            self.queue.put_nowait({"type": "__close__", "code": 4409})
            return
        self.queue.put_nowait(frame)

    async def send(self, frame: dict[str, Any]) -> None:
        await self.ws.send_text(frame_text(frame))


class Hub:
    """Sockets of this process, by user; fed by the event bus."""

    def __init__(self, core: Core, accounts: AccountService, conversations: ConversationService) -> None:
        self.core = core
        self.accounts = accounts
        self.conversations = conversations
        self.by_user: dict[str, set[Connection]] = {}
        self.by_ip: dict[str, int] = {}  # open sockets per client address, signed in or not
        self.handlers: dict[str, FrameHandler] = {}
        self.on_disconnect: list[Callable[[Connection], Awaitable[None]]] = []
        self._heartbeat: asyncio.Task[None] | None = None
        self._poller: asyncio.Task[None] | None = None

    # ---------------------------------------------------------------- bus side
    async def on_bus_message(self, message: BusMessage) -> None:
        self.accounts.sessions.on_bus_message(message)  # a sign-out or reset, from any process
        for item in message.get("frames", ()):
            for conn in self.by_user.get(item.get("user_id", ""), ()):
                conn.push(item["frame"])

    async def resync(self) -> None:
        """Frames from other processes may have been missed: every socket catches up from the
        database (each persisted event still reaches it once, in order). A session revocation
        may have been missed too: the session cache starts afresh."""
        self.accounts.sessions.clear()
        for conns in list(self.by_user.values()):
            for conn in list(conns):
                if not conn.catch_up_pending:
                    conn.catch_up_pending = True
                    conn.push({"type": CATCH_UP})

    def register(self, frame_type: str, handler: FrameHandler) -> None:
        self.handlers[frame_type] = handler

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.by_user.values())

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._heartbeat = loop.create_task(self._heartbeat_loop(), name="ws-heartbeat")
        self._poller = loop.create_task(self._degraded_loop(), name="ws-degraded-poll")

    async def stop(self) -> None:
        for task in (self._heartbeat, self._poller):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._heartbeat = self._poller = None
        for conns in list(self.by_user.values()):
            for conn in list(conns):
                conn.push({"type": "__close__", "code": 1012})

    async def _degraded_loop(self) -> None:
        """While the bus cannot be trusted, the database feeds the sockets every few seconds."""
        while True:
            await asyncio.sleep(DEGRADED_POLL_SECONDS)
            if self.core.bus.state != "ok":
                await self.resync()

    async def _heartbeat_loop(self) -> None:
        settings = self.core.settings
        while True:
            await asyncio.sleep(settings.ws_heartbeat_seconds)
            now = time.monotonic()
            to_touch: list[Connection] = []
            for conns in list(self.by_user.values()):
                for conn in list(conns):
                    if now - conn.last_received > settings.ws_dead_after_seconds:
                        conn.closed = True
                        conn.queue.put_nowait({"type": "__close__", "code": 4408})
                        continue
                    conn.push({"type": "ping"})
                    if now - conn.last_touch > 240:
                        conn.last_touch = now
                        to_touch.append(conn)
            for conn in to_touch:  # keep the sessions of live sockets from idling out
                with contextlib.suppress(Exception):
                    await self.accounts.touch(conn.principal)

    # ---------------------------------------------------------------- socket side
    async def serve(self, ws: WebSocket) -> None:
        await ws.accept()
        ip = ws.client.host if ws.client else ""
        if self.by_ip.get(ip, 0) >= self.core.settings.ws_max_per_ip:
            log.warning("socket refused: %d sockets already open from one address", self.by_ip[ip])
            await _close_with(ws, TOO_MANY, _cap_error(IP_CAP_REASON), IP_CAP_REASON)
            return
        self.by_ip[ip] = self.by_ip.get(ip, 0) + 1
        try:
            await self._serve_counted(ws)
        finally:
            left = self.by_ip.get(ip, 1) - 1
            if left > 0:
                self.by_ip[ip] = left
            else:
                self.by_ip.pop(ip, None)

    async def _serve_counted(self, ws: WebSocket) -> None:
        principal, last_seq = await self._authenticate(ws)
        if principal is None:
            return
        already = len(self.by_user.get(principal.user_id, ()))
        if already >= self.core.settings.ws_max_per_user:
            log.warning("socket refused: user %s has %d sockets open", principal.user_id, already)
            await _close_with(ws, TOO_MANY, _cap_error(USER_CAP_REASON), USER_CAP_REASON)
            return
        conn = Connection(self, ws, principal, last_seq)
        self.by_user.setdefault(principal.user_id, set()).add(conn)  # live frames queue from now on
        writer: asyncio.Task[None] | None = None
        try:
            current = await self._current_seq(principal.user_id)
            # A client ahead of the server (restored database, another server), or behind what
            # the server still keeps (events past the resume window are purged), starts again
            # from the server's own numbering; `reset` tells it to reload its state over REST.
            reset = last_seq > current or await self._missed(principal.user_id, last_seq, current)
            if reset:
                conn.last_seq = current
            await conn.send(
                {
                    "type": "ready",
                    "user_id": principal.user_id,
                    "role": principal.role,
                    "seq": current,
                    "reset": reset,
                }
            )
            writer = asyncio.get_running_loop().create_task(self._writer(conn))
            await self._reader(conn)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            conn.closed = True
            peers = self.by_user.get(principal.user_id)
            if peers is not None:
                peers.discard(conn)
                if not peers:
                    del self.by_user[principal.user_id]
            if writer is not None:
                writer.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await writer
            for callback in self.on_disconnect:
                with contextlib.suppress(Exception):
                    await callback(conn)
            if ws.application_state != WebSocketState.DISCONNECTED:
                with contextlib.suppress(Exception):
                    await ws.close()

    async def _current_seq(self, user_id: str) -> int:
        async with self.core.db.read() as session:
            value = await session.scalar(select(User.event_seq).where(User.id == user_id))
        return int(value or 0)

    async def _missed(self, user_id: str, last_seq: int, current: int) -> bool:
        """Whether events after `last_seq` were purged: the next one kept is not `last_seq + 1`."""
        if last_seq >= current:
            return False
        async with self.core.db.read() as session:
            first = await session.scalar(
                select(func.min(UserEvent.seq)).where(UserEvent.user_id == user_id, UserEvent.seq > last_seq)
            )
        return first is None or int(first) > last_seq + 1

    async def _authenticate(self, ws: WebSocket) -> tuple[Principal | None, int]:
        settings = self.core.settings
        try:
            async with asyncio.timeout(settings.ws_auth_timeout_seconds):
                raw = await _receive(ws)
            if raw is None or len(raw) > 4096:  # binary or too large: not an auth frame
                raise ValueError("auth frame too large")
            frame = SocketAuthFrame.model_validate_json(raw)  # a ValidationError is a ValueError
            ip = ws.client.host if ws.client else None
            principal = await self.accounts.authenticate(frame.token, ip=ip)
            return principal, frame.last_seq
        except DomainError as exc:
            await _close_with(ws, 4401, {"type": "error", "code": exc.code, "detail": exc.detail})
        except (TimeoutError, ValueError):
            await _close_with(
                ws,
                4400,
                {
                    "type": "error",
                    "code": "auth_required",
                    "detail": "Authentification attendue en premier message.",
                },
            )
        except (WebSocketDisconnect, RuntimeError):
            pass
        return None, 0

    async def _reader(self, conn: Connection) -> None:
        while True:
            raw = await _receive(conn.ws)
            conn.last_received = time.monotonic()
            if raw is None:
                conn.push(BINARY_REFUSED)
                continue
            if len(raw) > MAX_FRAME:
                conn.push(TOO_LARGE)
                continue
            try:
                frame = json.loads(raw)
                if not isinstance(frame, dict):
                    raise ValueError
            except (ValueError, RecursionError):  # RecursionError: nested deeper than Python reads
                conn.push(UNREADABLE)
                continue
            try:
                await self._dispatch(conn, frame)
            except (WebSocketDisconnect, asyncio.CancelledError):
                raise
            except Exception as exc:  # a bug in a handler fails this frame, not the socket
                log.error("socket frame failed: %s", failure(exc))
                conn.push(FAILED)

    async def _dispatch(self, conn: Connection, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "ping":
            conn.push({"type": "pong"})
        elif kind == "pong":
            pass
        elif kind == "message.send":
            await self._send_message(conn, frame)
        elif isinstance(kind, str) and kind in self.handlers:
            try:
                await self.handlers[kind](conn, frame)
            except (DomainError, DiskFullError) as exc:  # the socket stays open
                error = StorageFullError() if isinstance(exc, DiskFullError) else exc
                ref = _echo(frame.get("ref"))
                conn.push({"type": "error", "ref": ref, "code": error.code, "detail": error.detail})
        else:
            conn.push(UNKNOWN_TYPE)

    async def _send_message(self, conn: Connection, frame: dict[str, Any]) -> None:
        mid = _echo(frame.get("id"))
        try:
            send = MessageSendFrame.model_validate(frame)
        except ValidationError as exc:
            detail, _ = french_validation([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()])
            conn.push({"type": "error", "id": mid, "code": "invalid_input", "detail": detail})
            return
        try:
            message, _ = await self.conversations.send(
                conn.principal.actor,
                MessageDraft(conversation_id=send.conversation_id, message_id=send.id, body=send.body),
            )
            ack = MessageAckFrame(type="ack", id=send.id, seq=message.seq, created_at=message.created_at)
            conn.push(ack.model_dump(mode="json"))
        except DomainError as exc:
            conn.push({"type": "error", "id": send.id, "code": exc.code, "detail": exc.detail})

    async def _writer(self, conn: Connection) -> None:
        try:
            await self._catch_up(conn, upto=None)
            while True:
                frame = await conn.queue.get()
                kind = frame.get("type")
                if kind == "__close__":
                    with contextlib.suppress(Exception):
                        await conn.ws.close(code=int(frame["code"]))
                    return
                if kind == CATCH_UP:
                    conn.catch_up_pending = False
                    await self._catch_up(conn, upto=None)
                    continue
                if kind == "event":
                    seq = int(frame["seq"])
                    if seq <= conn.last_seq:
                        continue  # already sent (catch-up or a late publication)
                    if seq > conn.last_seq + 1:
                        await self._catch_up(conn, upto=seq - 1)  # a gap: fill it from the database
                        if seq <= conn.last_seq:
                            continue
                    conn.last_seq = seq
                await conn.send(frame)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.debug("socket writer stopped for user %s: %s", conn.principal.user_id, failure(exc))
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1011)

    async def _catch_up(self, conn: Connection, upto: int | None) -> None:
        core = self.core
        while True:
            async with core.db.read() as session:
                rows = await core.read_user_events(
                    session, conn.principal.user_id, conn.last_seq, CATCH_UP_PAGE
                )
            for e in rows:
                if upto is not None and e.seq > upto:
                    return
                await conn.send({"type": "event", "seq": e.seq, "event": e.type, "data": e.payload})
                conn.last_seq = e.seq
            if len(rows) < CATCH_UP_PAGE:
                return


async def _receive(ws: WebSocket) -> str | None:
    """The next frame's text; None for a binary frame (Starlette's `receive_text` raises KeyError)."""
    message = await ws.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(int(message.get("code") or 1000), message.get("reason"))
    text = message.get("text")
    return text if isinstance(text, str) else None


def frame_text(frame: dict[str, Any]) -> str:
    """A frame's JSON; a lone surrogate a client sent (valid JSON, not UTF-8) is written escaped."""
    text = json.dumps(frame, separators=(",", ":"), ensure_ascii=False)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return json.dumps(frame, separators=(",", ":"))
    return text


def _echo(value: Any) -> str | None:
    """A client's id or ref, sent back in an answer only when it is a short string."""
    return value if isinstance(value, str) and len(value) <= ECHO_MAX else None


def _cap_error(detail: str) -> dict[str, Any]:
    return {"type": "error", "code": "too_many_sockets", "detail": detail}


async def _close_with(ws: WebSocket, code: int, frame: dict[str, Any], reason: str | None = None) -> None:
    with contextlib.suppress(Exception):
        await ws.send_text(frame_text(frame))
        await ws.close(code=code, reason=reason)


def realtime_router(get_hub: Callable[[], Hub]) -> APIRouter:
    router = APIRouter()

    @router.websocket("/ws")
    async def socket(ws: WebSocket) -> None:
        await get_hub().serve(ws)

    return router
