"""The unit of work every use-case runs in: one transaction, its events, its audit entries.

Persisted events are numbered per user inside the transaction and written beside the data they
describe; they are published to the bus only after the commit, so a client never sees an event for
data that was rolled back, and a client that missed the publication gets it on resume.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Integer, String, column, insert, select, table, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.clock import Clock, system_clock
from contracts.wire.events import event_data
from server.db.database import Database
from server.kernel.failures import failure
from server.kernel.models import AuditEntry, UserEvent
from server.kernel.ports import EventBus
from server.settings import Settings

log = logging.getLogger(__name__)

# The per-user event counter lives on the accounts' `users` table; the unit of work numbers events
# through these two columns only (the kernel does not depend on the accounts feature).
USERS = table("users", column("id", String), column("event_seq", Integer))


@dataclass(frozen=True)
class Actor:
    """Who performs a use-case: an authenticated user, or the system (user_id None)."""

    user_id: str | None
    role: str  # "practitioner" | "patient" | "system"
    ip: str | None = None

    @property
    def is_practitioner(self) -> bool:
        return self.role == "practitioner"

    @property
    def is_patient(self) -> bool:
        return self.role == "patient"


SYSTEM = Actor(user_id=None, role="system")


@dataclass
class Tx:
    """One open write transaction plus what to publish once it commits."""

    session: AsyncSession
    now: datetime
    frames: list[dict[str, Any]] = field(default_factory=list)

    async def emit(self, user_ids: Iterable[str], event_type: str, payload: BaseModel) -> None:
        """Persist an event for each user (next per-user sequence number) and queue its frame.

        `payload` is the wire model declared for `event_type` (`contracts.wire.events`); the event
        stores and carries its JSON.
        """
        data = event_data(event_type, payload)
        for user_id in sorted(set(user_ids)):  # fixed lock order: no deadlock between transactions
            seq = (
                await self.session.execute(
                    update(USERS)
                    .where(USERS.c.id == user_id)
                    .values(event_seq=USERS.c.event_seq + 1)
                    .returning(USERS.c.event_seq)
                )
            ).scalar_one()
            await self.session.execute(
                insert(UserEvent).values(
                    user_id=user_id, seq=seq, type=event_type, payload=data, created_at=self.now
                )
            )
            self.frames.append(
                {
                    "user_id": user_id,
                    "frame": {"type": "event", "seq": seq, "event": event_type, "data": data},
                }
            )

    async def audit(self, actor: Actor, action: str, object_type: str, object_id: str) -> None:
        """Append an audit entry in this transaction (ids only, never content)."""
        await self.session.execute(
            insert(AuditEntry).values(
                at=self.now,
                actor_id=actor.user_id,
                actor_role=actor.role,
                action=action,
                object_type=object_type,
                object_id=object_id,
                ip=actor.ip,
            )
        )


class Core:
    """Shared infrastructure of the use-cases: database, bus, clock, settings, audit of reads."""

    def __init__(self, settings: Settings, db: Database, bus: EventBus, clock: Clock = system_clock) -> None:
        self.settings = settings
        self.db = db
        self.bus = bus
        self.clock = clock
        self._pending_audit: list[dict[str, Any]] = []
        self._audit_task: asyncio.Task[None] | None = None
        self._audit_wakeup = asyncio.Event()
        self._closed = False

    @contextlib.asynccontextmanager
    async def transaction(self, *, essential: bool = False) -> AsyncIterator[Tx]:
        """Run a write transaction; on commit, publish its frames.

        Raises:
            DiskFullError: the disk is full (`essential` writes may still use its reserve).
        """
        async with self.db.write(essential=essential) as session:
            tx = Tx(session=session, now=self.clock())
            yield tx
        if tx.frames:
            await self.publish(tx.frames)

    async def publish(self, frames: list[dict[str, Any]]) -> None:
        try:
            await self.bus.publish({"frames": frames})
        except Exception as exc:  # the data is committed; clients catch up on resume
            log.error("event bus publish failed (%d frames): %s", len(frames), failure(exc))

    async def read_user_events(
        self, session: AsyncSession, user_id: str, after: int, limit: int
    ) -> list[UserEvent]:
        rows = await session.execute(
            select(UserEvent)
            .where(UserEvent.user_id == user_id, UserEvent.seq > after)
            .order_by(UserEvent.seq)
            .limit(limit)
        )
        return list(rows.scalars())

    # ---------------------------------------------------------------- audit of reads
    def audit_read(self, actor: Actor, action: str, object_type: str, object_id: str) -> None:
        """Record a read of health data; written by a background flusher within ~0.2 s.

        Reads do not open a write transaction of their own: on SQLite that would queue every
        read behind the single writer. Entries still pending at shutdown are flushed by close().
        """
        self._pending_audit.append(
            {
                "at": self.clock(),
                "actor_id": actor.user_id,
                "actor_role": actor.role,
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "ip": actor.ip,
            }
        )
        self._audit_wakeup.set()
        if self._audit_task is None and not self._closed:
            self._audit_task = asyncio.get_running_loop().create_task(self._audit_flusher())

    async def flush_audit(self) -> None:
        while self._pending_audit:
            batch, self._pending_audit = self._pending_audit[:500], self._pending_audit[500:]
            try:
                async with self.db.write(essential=True) as session:
                    await session.execute(insert(AuditEntry), batch)
            except Exception as exc:
                log.error("audit flush failed; %d entries kept for retry: %s", len(batch), failure(exc))
                self._pending_audit[:0] = batch
                raise

    async def _audit_flusher(self) -> None:
        while not self._closed:
            await self._audit_wakeup.wait()
            self._audit_wakeup.clear()
            await asyncio.sleep(0.2)
            with contextlib.suppress(Exception):
                await self.flush_audit()

    async def close(self) -> None:
        self._closed = True
        if self._audit_task is not None:
            self._audit_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._audit_task
            self._audit_task = None
        with contextlib.suppress(Exception):
            await self.flush_audit()
