"""Group commit for message sends: many sends, one transaction, a handful of statements.

Every send waits in a queue; one worker takes what is waiting (up to `MAX_BATCH`), locks the
conversations and users involved (in id order, so no deadlock with other writers), computes
sequence numbers, read marks and unread counters in Python, and writes messages, events and
audit entries with one executemany each. The commit makes them durable together; each caller
then gets its own result or its own error. A send is acknowledged only after that commit.

When the shared transaction fails (a database refusal no input check foresaw), nothing of it was
stored: its sends are written again one by one, so only the send at fault fails, with a French
error to its sender alone. The log names the failure by type and operation, never its values
(`server.kernel.failures`): they are other people's messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Row, Table, bindparam, insert, select, update

from contracts.wire.conversations import MessageEvent, MessagePublic
from contracts.wire.events import event_data
from server.accounts.models import User
from server.conversations.models import Conversation, Message
from server.db.storage import DiskFullError
from server.kernel.core import Actor, Core
from server.kernel.errors import (
    ConflictError,
    DomainError,
    ForbiddenError,
    InternalError,
    NotFoundError,
    StorageFullError,
)
from server.kernel.failures import failure
from server.kernel.models import AuditEntry, UserEvent

log = logging.getLogger(__name__)

MAX_BATCH = 256
MESSAGES = cast(Table, Message.__table__)
CONVERSATIONS = cast(Table, Conversation.__table__)
USERS = cast(Table, User.__table__)
EVENTS = cast(Table, UserEvent.__table__)
AUDIT = cast(Table, AuditEntry.__table__)
EMERGENCY = "En cas d'urgence, appelez le 15 (SAMU) ou le 112."
NOT_STORED = "Le message n'a pas pu être enregistré. Réessayez dans un instant."


@dataclass
class SendJob:
    actor: Actor
    conversation_id: str
    message_id: str
    body: str
    kind: str
    data: dict[str, Any] | None
    future: asyncio.Future[tuple[MessagePublic, bool]] = field(repr=False)


@dataclass
class _Conv:
    row: Any
    last_seq: int
    pr_read: int
    pa_read: int
    pr_unread: int
    pa_unread: int
    last_message_id: str | None = None
    touched: bool = False


class MessageWriter:
    """Batches message sends into shared transactions (group commit)."""

    def __init__(self, core: Core, can_write: Any) -> None:
        self._core = core
        self._can_write = can_write  # (conversation row, now) -> bool, from conversations.py
        self._queue: asyncio.Queue[SendJob] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    async def submit(
        self,
        actor: Actor,
        conversation_id: str,
        message_id: str,
        body: str,
        kind: str,
        data: dict[str, Any] | None,
    ) -> tuple[MessagePublic, bool]:
        loop = asyncio.get_running_loop()
        if self._worker is None or self._worker.done():
            self._worker = loop.create_task(self._run(), name="message-writer")
        job = SendJob(actor, conversation_id, message_id, body, kind, data, loop.create_future())
        self._queue.put_nowait(job)
        return await job.future

    @property
    def waiting(self) -> int:
        """Sends queued for the next shared transaction (the metrics' writer queue depth)."""
        return self._queue.qsize()

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None

    async def _run(self) -> None:
        while True:
            jobs = [await self._queue.get()]
            while len(jobs) < MAX_BATCH and not self._queue.empty():
                jobs.append(self._queue.get_nowait())
            if len(jobs) == 1:
                await self._write_alone(jobs[0])
                continue
            try:
                frames = await self._write(jobs)
            except DiskFullError:  # nothing stored, and one by one would not find room either
                for job in jobs:
                    if not job.future.done():
                        job.future.set_exception(StorageFullError())
                continue
            except Exception as exc:  # nothing of the batch was stored: each send on its own
                log.warning("message batch of %d failed, written one by one: %s", len(jobs), failure(exc))
                for job in jobs:
                    await self._write_alone(job)
                continue
            if frames:
                await self._core.publish(frames)

    async def _write_alone(self, job: SendJob) -> None:
        """One send in its own transaction; a failure is its sender's alone."""
        try:
            frames = await self._write([job])
        except DiskFullError:
            if not job.future.done():
                job.future.set_exception(StorageFullError())
            return
        except Exception as exc:
            log.error("message send failed: %s", failure(exc))
            if not job.future.done():
                job.future.set_exception(InternalError(NOT_STORED, code="message_not_stored"))
            return
        if frames:
            await self._core.publish(frames)

    async def _write(self, jobs: list[SendJob]) -> list[dict[str, Any]]:
        results, frames = await self._core.db.run_write(lambda connection: self._write_in(connection, jobs))
        for index, job in enumerate(jobs):
            outcome = results[index]
            if job.future.done():  # its caller went away (cancelled): the message is stored anyway
                continue
            if isinstance(outcome, DomainError):
                job.future.set_exception(outcome)
            else:
                job.future.set_result(outcome)
        return frames

    def _write_in(
        self, connection: Connection, jobs: list[SendJob]
    ) -> tuple[dict[int, tuple[MessagePublic, bool] | DomainError], list[dict[str, Any]]]:
        """The batch's transaction, all of it in one call (one thread hop on SQLite)."""
        results: dict[int, tuple[MessagePublic, bool] | DomainError] = {}
        frames: list[dict[str, Any]] = []
        now = self._core.clock()
        existing = self._existing(connection, [j.message_id for j in jobs])
        convs = self._lock_conversations(connection, {j.conversation_id for j in jobs})
        accepted: list[tuple[int, SendJob, _Conv]] = []
        batch_ids: dict[str, int] = {}
        for index, job in enumerate(jobs):
            first = batch_ids.get(job.message_id)
            if first is not None:  # the same id twice in one batch (a quick retry)
                if not _same_send(jobs[first], job):
                    results[index] = _id_in_use()
                continue
            outcome = self._check(job, existing, convs, now)
            if outcome is None:
                batch_ids[job.message_id] = index
                accepted.append((index, job, convs[job.conversation_id]))
            else:
                results[index] = outcome
        if accepted:
            results.update(self._persist(connection, accepted, now, frames))
        for index, job in enumerate(jobs):
            if index not in results:  # a repeat of an id accepted earlier in this batch
                results[index] = _repeat(results[batch_ids[job.message_id]])
        return results, frames

    def _existing(self, connection: Connection, ids: list[str]) -> dict[str, Row[Any]]:
        rows = connection.execute(select(MESSAGES).where(MESSAGES.c.id.in_(ids)))
        return {r.id: r for r in rows}

    def _lock_conversations(self, connection: Connection, ids: set[str]) -> dict[str, _Conv]:
        table = CONVERSATIONS
        stmt = select(table).where(table.c.id.in_(sorted(ids))).order_by(table.c.id).with_for_update()
        out = {}
        for r in connection.execute(stmt):
            out[r.id] = _Conv(
                r,
                r.last_seq,
                r.practitioner_read_seq,
                r.patient_read_seq,
                r.practitioner_unread,
                r.patient_unread,
                r.last_message_id,
            )
        return out

    def _check(
        self, job: SendJob, existing: dict[str, Row[Any]], convs: dict[str, _Conv], now: datetime
    ) -> tuple[MessagePublic, bool] | DomainError | None:
        """None when the send is accepted; otherwise its stored result or its error."""
        conv = convs.get(job.conversation_id)
        if conv is None or job.actor.user_id not in (conv.row.practitioner_id, conv.row.patient_id):
            return NotFoundError("Conversation introuvable.")
        old = existing.get(job.message_id)
        if old is not None:
            # A retry answers the stored message; the same id for anything else is refused.
            stored = (old.sender_id, old.conversation_id, old.kind, old.body, old.data)
            if stored != (job.actor.user_id, job.conversation_id, job.kind, job.body, job.data):
                return _id_in_use()
            return _public(old, conv.row), False
        if job.actor.is_patient and not self._can_write(conv.row, now):
            return ForbiddenError(
                "Votre praticien a fermé cette conversation : vous ne pouvez pas y écrire "
                "pour le moment. " + EMERGENCY,
                code="conversation_closed",
            )
        return None

    def _persist(
        self,
        connection: Connection,
        accepted: list[tuple[int, SendJob, _Conv]],
        now: datetime,
        frames: list[dict[str, Any]],
    ) -> dict[int, tuple[MessagePublic, bool]]:
        messages, audits, results, per_user = [], [], {}, []
        for index, job, conv in accepted:
            conv.last_seq += 1
            conv.touched = True
            conv.last_message_id = job.message_id
            row = conv.row
            if job.actor.user_id == row.practitioner_id:
                conv.pr_read, conv.pr_unread, conv.pa_unread = conv.last_seq, 0, conv.pa_unread + 1
                role = "practitioner"
            else:
                conv.pa_read, conv.pa_unread, conv.pr_unread = conv.last_seq, 0, conv.pr_unread + 1
                role = "patient"
            message = {
                "id": job.message_id,
                "conversation_id": row.id,
                "seq": conv.last_seq,
                "sender_id": job.actor.user_id,
                "kind": job.kind,
                "body": job.body,
                "data": job.data,
                "created_at": now,
            }
            messages.append(message)
            audits.append(
                {
                    "at": now,
                    "actor_id": job.actor.user_id,
                    "actor_role": job.actor.role,
                    "action": "message.create",
                    "object_type": "message",
                    "object_id": job.message_id,
                    "ip": job.actor.ip,
                }
            )
            public = MessagePublic(
                id=job.message_id,
                conversation_id=row.id,
                seq=conv.last_seq,
                sender_id=job.actor.user_id,
                sender_role=role,
                kind=job.kind,
                body=job.body,
                data=job.data,
                created_at=now,
            )
            results[index] = (public, True)
            data = event_data("message.created", MessageEvent(message=public))
            per_user.append(((row.practitioner_id, row.patient_id), data))
        connection.execute(insert(MESSAGES), messages)
        touched = [c for c in {id(c): c for _, _, c in accepted}.values()]
        connection.execute(
            update(CONVERSATIONS)
            .where(CONVERSATIONS.c.id == bindparam("b_id"))
            .values(
                last_seq=bindparam("b_last_seq"),
                updated_at=bindparam("b_updated_at"),
                last_message_id=bindparam("b_last_message_id"),
                practitioner_read_seq=bindparam("b_pr_read"),
                patient_read_seq=bindparam("b_pa_read"),
                practitioner_unread=bindparam("b_pr_unread"),
                patient_unread=bindparam("b_pa_unread"),
            ),
            [
                {
                    "b_id": c.row.id,
                    "b_last_seq": c.last_seq,
                    "b_updated_at": now,
                    "b_last_message_id": c.last_message_id,
                    "b_pr_read": c.pr_read,
                    "b_pa_read": c.pa_read,
                    "b_pr_unread": c.pr_unread,
                    "b_pa_unread": c.pa_unread,
                }
                for c in touched
            ],
        )
        # Per-user event numbers: lock the recipients in id order, number in Python, write in bulk.
        recipients = sorted({u for users, _ in per_user for u in users})
        users = USERS
        seqs = {
            r.id: r.event_seq
            for r in connection.execute(
                select(users.c.id, users.c.event_seq)
                .where(users.c.id.in_(recipients))
                .order_by(users.c.id)
                .with_for_update()
            )
        }
        events = []
        for user_ids, data in per_user:
            for user_id in user_ids:
                seqs[user_id] += 1
                events.append(
                    {
                        "user_id": user_id,
                        "seq": seqs[user_id],
                        "type": "message.created",
                        "payload": data,
                        "created_at": now,
                    }
                )
                frames.append(
                    {
                        "user_id": user_id,
                        "frame": {
                            "type": "event",
                            "seq": seqs[user_id],
                            "event": "message.created",
                            "data": data,
                        },
                    }
                )
        connection.execute(
            update(users).where(users.c.id == bindparam("b_id")).values(event_seq=bindparam("b_seq")),
            [{"b_id": uid, "b_seq": seq} for uid, seq in seqs.items()],
        )
        connection.execute(insert(EVENTS), events)
        connection.execute(insert(AUDIT), audits)
        return results


def _id_in_use() -> ConflictError:
    return ConflictError(
        "Cet identifiant de message est déjà utilisé pour un autre message : il n'a pas été modifié.",
        code="id_in_use",
        field="id",
    )


def _same_send(first: SendJob, again: SendJob) -> bool:
    """Whether two sends with one id are the same message (a retry), not two different ones."""
    return (first.actor.user_id, first.conversation_id, first.kind, first.body, first.data) == (
        again.actor.user_id,
        again.conversation_id,
        again.kind,
        again.body,
        again.data,
    )


def _repeat(first: tuple[MessagePublic, bool] | DomainError) -> tuple[MessagePublic, bool] | DomainError:
    return first if isinstance(first, DomainError) else (first[0], False)


def _public(m: Row[Any], conv: Any) -> MessagePublic:
    role = (
        "system"
        if m.sender_id is None
        else ("practitioner" if m.sender_id == conv.practitioner_id else "patient")
    )
    return MessagePublic(
        id=m.id,
        conversation_id=m.conversation_id,
        seq=m.seq,
        sender_id=m.sender_id,
        sender_role=role,
        kind=m.kind,
        body=m.body,
        data=m.data,
        created_at=m.created_at,
    )
