"""The persisted delivery queue: jobs written in the use-case's transaction, sent after its commit.

A job is a row (`delivery_jobs`). A worker claims a due job by taking a lease on it (an atomic
conditional UPDATE, so two server processes never send the same job at once), lets the job's
handler build the message inside that same transaction (an invitation's link token is minted
there and only its digest stored), commits, then calls the Mailer or SmsGateway port outside
any transaction. Success marks the job sent; a temporary failure schedules the next attempt with
exponential backoff; a permanent failure, or the last attempt, hands the job to its handler's
`failed` (the invitation turns `delivery_failed` and the practitioner gets an event).

A process killed mid-send leaves its lease behind: the job becomes due again when the lease
passes and another (or the restarted) process sends it. Delivery is therefore at least once;
a duplicate needs a crash between the provider's acceptance and our commit, and carries the
same Message-ID.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, or_, select, update

from server.delivery.models import DeliveryJob
from server.delivery.ports import (
    PROVIDER_UNAVAILABLE,
    DeliveryError,
    Mailer,
    OutgoingEmail,
    OutgoingSms,
    SmsGateway,
)
from server.delivery.texts import EmailText
from server.kernel.core import Core, Tx

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    """What to send for a job, built inside the claiming transaction."""

    email: OutgoingEmail | None = None
    sms: OutgoingSms | None = None
    give_up_after: datetime | None = None  # no attempt after this instant (short-lived codes)

    @classmethod
    def on_channel(
        cls,
        channel: str,
        *,
        email_to: str | None,
        phone_to: str | None,
        email: Callable[[], EmailText],
        sms: Callable[[], str],
        message_id: str,
        give_up_after: datetime | None = None,
    ) -> Prepared | None:
        """The message of a job on its channel (« email » or « sms »), None when that contact is gone;
        the texts are written only for the channel used."""
        if channel == "email" and email_to:
            text = email()
            outgoing = OutgoingEmail(
                to=email_to, subject=text.subject, text=text.text, html=text.html, message_id=message_id
            )
            return cls(email=outgoing, give_up_after=give_up_after)
        if channel == "sms" and phone_to:
            return cls(
                sms=OutgoingSms(to=phone_to, text=sms(), message_id=message_id), give_up_after=give_up_after
            )
        return None


class JobHandler(Protocol):
    """The use-case side of one kind of job.

    Lock order: every transaction that touches a job and its object takes the object owner's
    lock first (`lock`), then the job row: the use-cases do the same (owner, object, job), so
    a completing send and a practitioner's correction queue up instead of deadlocking.
    """

    async def lock(self, tx: Tx, job: DeliveryJob) -> None:
        """Take the lock the use-cases take first on this job's object (its owner's row)."""

    async def prepare(self, tx: Tx, job: DeliveryJob) -> Prepared | None:
        """The message to send, or None when there is nothing to send any more (job cancelled)."""

    async def delivered(self, tx: Tx, job: DeliveryJob) -> None:
        """The provider accepted the message."""

    async def failed(self, tx: Tx, job: DeliveryJob, error: DeliveryError) -> None:
        """Final failure: no further attempt will be made."""


Periodic = Callable[[], Awaitable[None]]


class DeliveryQueue:
    """Enqueue (in a use-case transaction) and the worker that drains the queue."""

    def __init__(self, core: Core, mailer: Mailer, sms: SmsGateway) -> None:
        self._core = core
        self._mailer = mailer
        self._sms = sms
        self._handlers: dict[str, JobHandler] = {}
        self._periodic: list[tuple[float, Periodic]] = []
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._inflight: dict[asyncio.Task[None], str] = {}
        self._sending: set[asyncio.Task[Any]] = set()  # in-flight tasks waiting on a provider
        self._stopping = False
        self.every(3600.0, self.purge_finished)

    async def purge_finished(self, older_than: timedelta = timedelta(days=30)) -> None:
        """Delete sent, failed and cancelled jobs past `older_than` (the queue is not an archive)."""
        async with self._core.db.write() as session:
            await session.execute(
                delete(DeliveryJob).where(
                    DeliveryJob.status != "queued", DeliveryJob.updated_at < self._core.clock() - older_than
                )
            )

    def register(self, kind: str, handler: JobHandler) -> None:
        self._handlers[kind] = handler

    def every(self, seconds: float, callback: Periodic) -> None:
        """Run `callback` from the worker loop about every `seconds` (maintenance sweeps)."""
        self._periodic.append((seconds, callback))

    # ---------------------------------------------------------------- producer side
    async def enqueue(self, tx: Tx, kind: str, ref_id: str, channel: str) -> str:
        """Add a job in `tx`; it becomes visible to workers when `tx` commits."""
        job_id = str(uuid.uuid4())
        tx.session.add(
            DeliveryJob(
                id=job_id,
                kind=kind,
                ref_id=ref_id,
                channel=channel,
                status="queued",
                attempts=0,
                next_attempt_at=tx.now,
                locked_until=None,
                created_at=tx.now,
                updated_at=tx.now,
                sent_at=None,
                last_error=None,
            )
        )
        return job_id

    async def cancel_for(self, tx: Tx, kind: str, ref_id: str) -> None:
        """Cancel the queued jobs of an object (its message was superseded or is no longer wanted)."""
        await tx.session.execute(
            update(DeliveryJob)
            .where(DeliveryJob.kind == kind, DeliveryJob.ref_id == ref_id, DeliveryJob.status == "queued")
            .values(status="cancelled", updated_at=tx.now)
        )

    def notify(self) -> None:
        """Wake this process's worker now (call after the enqueueing transaction committed)."""
        self._wake.set()

    # ---------------------------------------------------------------- worker
    def start(self) -> None:
        self._stopping = False
        self._loop_task = asyncio.get_running_loop().create_task(self._run(), name="delivery-worker")

    async def stop(self, grace: float = 10.0) -> None:
        """Stop claiming, interrupt sends in flight and hand their jobs back at once.

        Only the waits on a provider are interrupted: the worker's round and the recording of a
        send's outcome finish their database work (a transaction cut in the middle leaves a
        connection the pool cannot reset), then stop. What is still running after `grace`
        seconds is cancelled.
        """
        self._stopping = True
        self._wake.set()
        if self._loop_task is not None:  # it ends after its round, claiming nothing more
            await self._finish([self._loop_task], grace)
            self._loop_task = None
        interrupted = [job_id for task, job_id in self._inflight.items() if task in self._sending]
        for task in list(self._sending):
            task.cancel()
        await self._finish(list(self._inflight), grace)
        if interrupted:
            with contextlib.suppress(Exception):
                async with self._core.db.write() as session:
                    await session.execute(
                        update(DeliveryJob)
                        .where(DeliveryJob.id.in_(interrupted), DeliveryJob.status == "queued")
                        .values(locked_until=None, attempts=DeliveryJob.attempts - 1)
                    )

    @staticmethod
    async def _finish(tasks: list[asyncio.Task[Any]], grace: float) -> None:
        """Wait for `tasks`, cancelling what is still running after `grace` seconds."""
        if not tasks:
            return
        _done, stuck = await asyncio.wait(tasks, timeout=grace)
        for task in stuck:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _run(self) -> None:
        settings = self._core.settings
        last_run = [0.0] * len(self._periodic)
        loop = asyncio.get_running_loop()
        while not self._stopping:
            self._wake.clear()  # before claiming: a notify() during the claim is not lost
            free = max(0, settings.delivery_concurrency - len(self._inflight))
            claimed = 0
            try:
                if free:
                    claimed = await self._claim_and_start(free)
                for index, (interval, callback) in enumerate(self._periodic):
                    if loop.time() - last_run[index] >= interval:
                        last_run[index] = loop.time()
                        await callback()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database may be briefly unavailable: try again next round
                # The type only: a database error's text may quote parameters (names, addresses).
                log.error("delivery worker round failed: %s", type(exc).__name__)
            if free and claimed == free:
                continue  # there may be more due jobs
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(settings.delivery_poll_seconds):
                    await self._wake.wait()

    async def _claim_and_start(self, limit: int) -> int:
        now = self._core.clock()
        async with self._core.db.read() as session:
            due = list(
                (
                    await session.execute(
                        select(DeliveryJob.id)
                        .where(
                            DeliveryJob.status == "queued",
                            DeliveryJob.next_attempt_at <= now,
                            or_(DeliveryJob.locked_until.is_(None), DeliveryJob.locked_until <= now),
                        )
                        .order_by(DeliveryJob.next_attempt_at)
                        .limit(limit)
                    )
                ).scalars()
            )
        started = 0
        for job_id in due:
            if self._stopping:
                break
            claimed = await self._claim(job_id)
            if claimed is None:
                continue
            job, prepared = claimed
            task = asyncio.get_running_loop().create_task(self._deliver(job, prepared))
            self._inflight[task] = job.id
            task.add_done_callback(self._on_done)
            started += 1
        return started

    def _on_done(self, task: asyncio.Task[None]) -> None:
        self._inflight.pop(task, None)
        self._wake.set()  # a slot is free

    async def _claim(self, job_id: str) -> tuple[DeliveryJob, Prepared] | None:
        lease = timedelta(seconds=self._core.settings.delivery_lease_seconds)
        async with self._core.transaction() as tx:
            # The usual lock order (owner, object, job): taking the job's row first would deadlock
            # with a practitioner cancelling or correcting the invitation at that moment.
            peek = await tx.session.get(DeliveryJob, job_id)
            handler = self._handlers.get(peek.kind) if peek is not None else None
            if peek is None:
                return None
            if handler is not None:
                await handler.lock(tx, peek)
            result = await tx.session.execute(
                update(DeliveryJob)
                .where(
                    DeliveryJob.id == job_id,
                    DeliveryJob.status == "queued",
                    or_(DeliveryJob.locked_until.is_(None), DeliveryJob.locked_until <= tx.now),
                )
                .values(locked_until=tx.now + lease, attempts=DeliveryJob.attempts + 1, updated_at=tx.now)
            )
            if getattr(result, "rowcount", 0) != 1:
                return None  # another worker took it
            job = await tx.session.get(DeliveryJob, job_id, populate_existing=True)
            assert job is not None
            prepared = await handler.prepare(tx, job) if handler is not None else None
            if prepared is None:
                job.status, job.locked_until = "cancelled", None
                return None
            return job, prepared

    async def _deliver(self, job: DeliveryJob, prepared: Prepared) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._sending.add(task)
        try:
            if prepared.email is not None:
                await self._mailer.send(prepared.email)
            elif prepared.sms is not None:
                await self._sms.send(prepared.sms)
        except asyncio.CancelledError:
            if self._stopping:
                return  # interrupted by stop(), which hands the job back
            raise
        except DeliveryError as exc:
            self._sending.discard(task)
            await self._after_failure(job, prepared, exc)
        except Exception as exc:  # an adapter bug must not lose the job: retry it like an outage
            self._sending.discard(task)
            log.error("delivery adapter failed on job %s: %s", job.id, type(exc).__name__)
            await self._after_failure(
                job, prepared, DeliveryError(PROVIDER_UNAVAILABLE, permanent=False, detail=type(exc).__name__)
            )
        else:
            self._sending.discard(task)
            await self._after_success(job)
        finally:
            self._sending.discard(task)

    async def _locked(self, tx: Tx, job: DeliveryJob) -> tuple[DeliveryJob | None, JobHandler | None]:
        """The job row, locked after its owner's lock; None when cancelled meanwhile."""
        handler = self._handlers.get(job.kind)
        if handler is not None:
            await handler.lock(tx, job)
        row = await tx.session.scalar(
            select(DeliveryJob)
            .where(DeliveryJob.id == job.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        # Cancelled while in flight (the invitation was corrected or cancelled): leave it so.
        return (row if row is not None and row.status == "queued" else None), handler

    async def _after_success(self, job: DeliveryJob) -> None:
        async with self._core.transaction() as tx:
            row, handler = await self._locked(tx, job)
            if row is None:
                return
            if handler is not None:
                await handler.delivered(tx, row)
            row.status, row.sent_at, row.locked_until, row.updated_at = "sent", tx.now, None, tx.now
        log.info("delivery job %s (%s, %s) sent", job.id, job.kind, job.channel)

    async def _after_failure(self, job: DeliveryJob, prepared: Prepared, error: DeliveryError) -> None:
        settings = self._core.settings
        async with self._core.transaction() as tx:
            row, handler = await self._locked(tx, job)
            if row is None:
                return
            next_at = tx.now + timedelta(seconds=self.backoff(row.attempts))
            final = (
                error.permanent
                or row.attempts >= settings.delivery_max_attempts
                or (prepared.give_up_after is not None and next_at > prepared.give_up_after)
            )
            if final and handler is not None:
                await handler.failed(tx, row, error)
            row.last_error, row.locked_until, row.updated_at = str(error)[:300], None, tx.now
            if final:
                row.status = "failed"
            else:
                row.next_attempt_at = next_at
            attempts = row.attempts
        log.warning(
            "delivery job %s (%s, %s) attempt %d failed: %s%s",
            job.id,
            job.kind,
            job.channel,
            attempts,
            error.reason,
            " (final)" if final else "",
        )

    def backoff(self, attempts: int) -> float:
        """Seconds before the next attempt: base, 2×base, 4×base… capped, with 0–10 % jitter."""
        s = self._core.settings
        delay = min(
            s.delivery_retry_base_seconds * float(2 ** max(0, attempts - 1)), s.delivery_retry_max_seconds
        )
        return delay * (1 + random.random() / 10)
