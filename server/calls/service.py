"""Video calls of a conversation: start, current call, end, and who may signal to whom.

A call belongs to one conversation; only its practitioner starts one, and a conversation has at
most one open call (starting again returns the open one, so a double click or a retry after a
lost answer never makes two). Both participants receive the persisted events `call.started` and
`call.ended` (`{"call": CallPublic}`), so a patient page opened later, or a socket that resumes,
still learns that the practitioner is waiting.

Signaling frames are relayed by the API layer after `route()` has said who the other participant
is; nothing of a call's content is ever stored, and audit entries hold ids only. A call nobody
ended (both apps closed mid-call) stops counting as open after `OPEN_HOURS`.

`route()` is on the path of every signaling frame: participants never change for a call, so they
are cached for the life of the process; whether the call is still open is re-read from the
database at most every `ROUTE_RECHECK_SECONDS` (another process may have ended it).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.calls.models import Call
from server.conversations.service import ConversationService
from server.kernel.core import Actor, Core, Tx
from server.kernel.errors import ForbiddenError, GoneError, NotFoundError
from server.kernel.values import iso

OPEN_HOURS = 4
ROUTE_RECHECK_SECONDS = 2.0
ROUTE_CACHE_LIMIT = 10_000
END_REASONS = ("hangup", "ended", "expired")


def call_public(call: Call, now: datetime) -> dict[str, Any]:
    """The wire shape of a call (CallPublic in docs/api-contracts.md)."""
    return {
        "id": call.id,
        "conversation_id": call.conversation_id,
        "status": "active" if _is_open(call, now) else "ended",
        "started_at": iso(call.started_at),
        "ended_at": iso(call.ended_at),
        "end_reason": call.end_reason or (None if _is_open(call, now) else "expired"),
    }


def _is_open(call: Call, now: datetime) -> bool:
    return call.ended_at is None and now - call.started_at < timedelta(hours=OPEN_HOURS)


@dataclass(frozen=True)
class CallRoute:
    """Where a signaling frame of a call may go."""

    call_id: str
    conversation_id: str
    practitioner_id: str
    patient_id: str

    def role_of(self, user_id: str | None) -> str | None:
        if user_id == self.practitioner_id:
            return "practitioner"
        if user_id == self.patient_id:
            return "patient"
        return None

    def other(self, user_id: str | None) -> str:
        return self.patient_id if user_id == self.practitioner_id else self.practitioner_id


def _not_found() -> NotFoundError:
    return NotFoundError("Appel introuvable.", code="call_not_found")


def _ended() -> GoneError:
    return GoneError("Cet appel est terminé.", code="call_ended")


class CallService:
    """Use-cases of calls; every method checks that the actor takes part in the conversation."""

    def __init__(self, core: Core, conversations: ConversationService) -> None:
        self._core = core
        self._conversations = conversations
        self._routes: dict[str, tuple[CallRoute, float]] = {}

    # ---------------------------------------------------------------- use-cases
    async def start(self, actor: Actor, conversation_id: str) -> tuple[dict[str, Any], bool]:
        """Open a call in the conversation, or return the one already open.

        Returns:
            (CallPublic, created).

        Raises:
            NotFoundError: not a conversation of the actor.
            ForbiddenError: the actor is the patient (only the practitioner starts a call).
        """
        async with self._core.transaction() as tx:
            conv = await self._conversations.load_for(tx.session, actor, conversation_id)
            if actor.user_id != conv.practitioner_id:
                raise ForbiddenError(
                    "Seul le praticien peut démarrer l'appel vidéo.", code="practitioner_only"
                )
            current = await self._open_call(tx.session, conv.id, tx.now)
            if current is not None:
                return call_public(current, tx.now), False
            call = Call(
                id=str(uuid.uuid4()),
                conversation_id=conv.id,
                practitioner_id=conv.practitioner_id,
                patient_id=conv.patient_id,
                started_at=tx.now,
                ended_at=None,
                end_reason=None,
            )
            tx.session.add(call)
            await tx.session.flush()
            public = call_public(call, tx.now)
            await tx.audit(actor, "call.start", "call", call.id)
            await tx.emit([conv.practitioner_id, conv.patient_id], "call.started", {"call": public})
        self._remember(call)
        return public, True

    async def current(self, actor: Actor, conversation_id: str) -> dict[str, Any] | None:
        """The open call of a conversation of the actor, or None."""
        async with self._core.db.read() as session:
            conv = await self._conversations.load_for(session, actor, conversation_id)
            now = self._core.clock()
            call = await self._open_call(session, conv.id, now)
            return call_public(call, now) if call is not None else None

    async def end(self, actor: Actor, call_id: str, reason: str = "ended") -> dict[str, Any]:
        """End a call for both participants; ending an ended call changes nothing.

        Raises:
            NotFoundError: unknown call, or a call of someone else's conversation.
        """
        reason = reason if reason in END_REASONS else "ended"
        async with self._core.transaction() as tx:
            call = await self._load(tx.session, actor, call_id)
            if not _is_open(call, tx.now):
                return call_public(call, tx.now)
            await self._close(tx, call, reason)
            await tx.audit(actor, "call.end", "call", call.id)
            return call_public(call, tx.now)

    async def route(self, actor: Actor, call_id: object) -> CallRoute:
        """Who takes part in an open call, for relaying one of its signaling frames.

        Raises:
            NotFoundError: unknown id, or the actor is not a participant (no existence leak).
            GoneError: the call has ended.
        """
        if not isinstance(call_id, str):
            raise _not_found()
        cached = self._routes.get(call_id)
        now = time.monotonic()
        if cached is not None and now - cached[1] < ROUTE_RECHECK_SECONDS:
            route = cached[0]
        else:
            route = await self._fresh_route(call_id)
        if route.role_of(actor.user_id) is None:
            raise _not_found()
        return route

    def forget(self, call_id: str) -> None:
        """Drop a cached route (the call ended in this process)."""
        self._routes.pop(call_id, None)

    # ---------------------------------------------------------------- helpers
    async def _fresh_route(self, call_id: str) -> CallRoute:
        try:
            key = str(uuid.UUID(call_id))
        except ValueError:
            raise _not_found() from None
        async with self._core.db.read() as session:
            call = await session.get(Call, key)
        if call is None:
            raise _not_found()
        if not _is_open(call, self._core.clock()):
            self.forget(call_id)
            raise _ended()
        return self._remember(call, alias=call_id)

    def _remember(self, call: Call, alias: str | None = None) -> CallRoute:
        route = CallRoute(call.id, call.conversation_id, call.practitioner_id, call.patient_id)
        if len(self._routes) >= ROUTE_CACHE_LIMIT:
            self._routes.clear()  # rare and cheap: routes are re-read on the next frame
        self._routes[alias or call.id] = (route, time.monotonic())
        return route

    async def _load(self, session: AsyncSession, actor: Actor, call_id: str) -> Call:
        try:
            key = str(uuid.UUID(call_id))
        except (ValueError, AttributeError, TypeError):
            raise _not_found() from None
        call = await session.get(Call, key)
        if call is None or actor.user_id not in (call.practitioner_id, call.patient_id):
            raise _not_found()
        return call

    async def _open_call(self, session: AsyncSession, conversation_id: str, now: datetime) -> Call | None:
        call = await session.scalar(
            select(Call)
            .where(Call.conversation_id == conversation_id, Call.ended_at.is_(None))
            .order_by(Call.started_at.desc())
            .limit(1)
        )
        return call if call is not None and _is_open(call, now) else None

    async def _close(self, tx: Tx, call: Call, reason: str) -> None:
        await tx.session.execute(
            update(Call).where(Call.id == call.id).values(ended_at=tx.now, end_reason=reason)
        )
        call.ended_at, call.end_reason = tx.now, reason
        await tx.emit(
            [call.practitioner_id, call.patient_id], "call.ended", {"call": call_public(call, tx.now)}
        )
        self.forget(call.id)
