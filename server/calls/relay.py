"""Call frames on the realtime socket: relayed between the two participants of a call, and only them.

Every frame is checked on arrival, whatever the socket said before: the sender's budget
(`ws_signal_rate_per_second`, a token bucket in `Connection.rate`), the frame's shape
(`server.calls.signals`), and the sender's part in the call or conversation it names
(`CallService.route`, `ConversationService.participants`); ids in a frame are never trusted
alone. The frame is then rebuilt, stamped with `conversation_id` and `from`, and published
through `Core.publish`: the event bus carries it to whichever server process holds the other
participant's sockets. Nothing is buffered or stored: the `call.ready` exchange lets either side
join first (docs/video.md).

A refusal is answered on the sender's socket only, as `{"type": "error", "code", "detail",
"call_id"?, "ref"?}` with a French `detail`, and the frame is dropped.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from server.calls.service import CallService
from server.calls.signals import (
    MAX_ID,
    SIGNAL_TYPES,
    SignalRate,
    check_sender,
    clean_precheck,
    clean_presence_state,
    clean_signal,
    conversation_of,
)
from server.conversations.service import ConversationService
from server.kernel.core import Core
from server.kernel.errors import DomainError, ForbiddenError
from server.realtime.hub import Connection, Hub

log = logging.getLogger(__name__)

RATE_KEY = "call_signals"
WAITING_KEY = "call_waiting"  # conversation id → practitioner id, while the patient waits

Handler = Callable[[Connection, dict[str, Any]], Awaitable[None]]


def _short(value: object) -> str | None:
    return value if isinstance(value, str) and len(value) <= MAX_ID else None


class CallRelay:
    """Registers the `call.*` frame handlers on a hub and relays what they accept."""

    def __init__(self, hub: Hub, core: Core, calls: CallService, conversations: ConversationService) -> None:
        self._hub = hub
        self._core = core
        self._calls = calls
        self._conversations = conversations
        self._rate = min(50, max(1, int(core.settings.ws_signal_rate_per_second)))
        self.refused = 0

    def register(self) -> None:
        for kind in SIGNAL_TYPES:
            self._hub.register(kind, self._guard(self._on_signal))
        self._hub.register("call.precheck", self._guard(self._on_precheck))
        self._hub.register("call.waiting", self._guard(self._on_waiting))
        self._hub.register("call.presence.query", self._guard(self._on_presence_query))
        self._hub.register("call.start", self._guard(self._on_start))
        self._hub.on_disconnect.append(self._on_disconnect)

    # ---------------------------------------------------------------- plumbing
    def _guard(self, handler: Handler) -> Handler:
        async def guarded(conn: Connection, frame: dict[str, Any]) -> None:
            try:
                bucket = conn.rate.get(RATE_KEY)
                if not isinstance(bucket, SignalRate):
                    bucket = conn.rate[RATE_KEY] = SignalRate(self._rate, time.monotonic())
                bucket.take(time.monotonic())
                await handler(conn, frame)
            except DomainError as exc:
                self.refused += 1
                reply: dict[str, Any] = {"type": "error", "code": exc.code, "detail": exc.detail}
                for key in ("call_id", "ref"):
                    if (value := _short(frame.get(key))) is not None:
                        reply[key] = value
                conn.push(reply)

        return guarded

    async def _send(self, user_id: str, frame: dict[str, Any]) -> None:
        await self._core.publish([{"user_id": user_id, "frame": frame}])

    async def _conversation(self, conn: Connection, frame: dict[str, Any]) -> tuple[str, str, str]:
        """(conversation id, practitioner id, patient id) of a conversation the sender is in."""
        raw = conversation_of(frame)
        practitioner, patient = await self._conversations.participants(conn.principal.actor, raw)
        return str(uuid.UUID(raw)), practitioner, patient

    # ---------------------------------------------------------------- handlers
    async def _on_signal(self, conn: Connection, frame: dict[str, Any]) -> None:
        clean = clean_signal(frame)
        actor = conn.principal.actor
        route = await self._calls.route(actor, clean["call_id"])
        role = route.role_of(actor.user_id)
        check_sender(clean["type"], role)
        clean["call_id"] = route.call_id
        await self._send(
            route.other(actor.user_id), {**clean, "conversation_id": route.conversation_id, "from": role}
        )
        if clean["type"] == "call.hangup":
            await self._calls.end(actor, route.call_id, "hangup")

    async def _on_precheck(self, conn: Connection, frame: dict[str, Any]) -> None:
        conversation_id, practitioner, patient = await self._conversation(conn, frame)
        if conn.principal.user_id != patient:
            raise ForbiddenError("Seul le patient envoie son test avant l'appel.", code="patient_only")
        result = clean_precheck(frame.get("result"))
        await self._send(
            practitioner, {"type": "call.precheck", "conversation_id": conversation_id, "result": result}
        )

    async def _on_waiting(self, conn: Connection, frame: dict[str, Any]) -> None:
        conversation_id, practitioner, patient = await self._conversation(conn, frame)
        if conn.principal.user_id != patient:
            raise ForbiddenError("Seul le patient entre en salle d'attente.", code="patient_only")
        state = clean_presence_state(frame)
        waiting = conn.rate.setdefault(WAITING_KEY, {})
        if state == "waiting":
            waiting[conversation_id] = practitioner
        else:
            waiting.pop(conversation_id, None)
        await self._send(
            practitioner, {"type": "call.presence", "conversation_id": conversation_id, "state": state}
        )

    async def _on_presence_query(self, conn: Connection, frame: dict[str, Any]) -> None:
        conversation_id, practitioner, patient = await self._conversation(conn, frame)
        if conn.principal.user_id != practitioner:
            raise ForbiddenError("Réservé au praticien de la conversation.", code="practitioner_only")
        await self._send(patient, {"type": "call.presence.query", "conversation_id": conversation_id})

    async def _on_start(self, conn: Connection, frame: dict[str, Any]) -> None:
        call, _created = await self._calls.start(conn.principal.actor, conversation_of(frame))
        conn.push({"type": "call.start.ok", "ref": _short(frame.get("ref")), "call": call})

    async def _on_disconnect(self, conn: Connection) -> None:
        """The patient's page closed (or lost its socket): they left the waiting room."""
        waiting = conn.rate.get(WAITING_KEY)
        if not isinstance(waiting, dict):
            return
        for conversation_id, practitioner in list(waiting.items()):
            await self._send(
                practitioner, {"type": "call.presence", "conversation_id": conversation_id, "state": "left"}
            )
        waiting.clear()
