"""The audit log's retention and tamper evidence (docs/decisions-security-faults.md).

- **Sealed into a hash chain**: housekeeping numbers the entries not yet sealed (`chain_seq`, in
  the order of their ids) and gives each the hash of the entry before (`prev_hash`); the head of
  the chain (last number and hash) is kept in `audit_chain`. Sealing after the commit, in one
  place, keeps the write path free of a global lock (concurrent transactions on PostgreSQL would
  otherwise fork the chain).
- **Archived**: sealed entries older than `AUDIT_ONLINE` move whole to `audit_archive`; the chain
  runs on across both tables. Archived entries older than `AUDIT_KEPT` are deleted.
- **Verified** by `verify_audit` (`teleconsult-server audit-verify`): the first broken link (an
  entry changed, removed or inserted) is reported by its chain number.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.kernel.models import AuditArchive, AuditChain, AuditEntry

AUDIT_ONLINE = timedelta(days=365)  # then moved to the archive
AUDIT_KEPT = timedelta(days=6 * 365 + 2)  # then deleted from the archive
GENESIS = "0" * 64
SEAL_BATCH = 5000
BROKEN = "l'entrée précédente a été modifiée, ou le lien de celle-ci"
MISSING = "des entrées manquent juste avant celle-ci"
LAST = "la dernière entrée scellée a été modifiée ou supprimée"
_FIELDS = ("id", "at", "actor_id", "actor_role", "action", "object_type", "object_id", "ip")


def entry_hash(row: Any) -> str:
    """The SHA-256 of an entry: its fields, its number in the chain and the hash before it."""
    return _link_hash([getattr(row, name) for name in _FIELDS], row.chain_seq, row.prev_hash)


def _link_hash(values: list[Any], chain_seq: int, prev_hash: str) -> str:
    values = [*values]
    values[1] = values[1].isoformat()
    values += [chain_seq, prev_hash]
    return hashlib.sha256(json.dumps(values, separators=(",", ":")).encode()).hexdigest()


async def seal_audit(session: AsyncSession, _now: datetime) -> int:
    """Chain the entries not yet sealed; returns how many were sealed.

    Core statements, one executemany per `SEAL_BATCH` entries: the ORM's unit of work (one object
    and one UPDATE each) held the single SQLite writer ~0.3 ms per entry, minutes an hour at a
    sustained 1 000 messages/s (docs/decisions.md, « Throughput under a mixed load »).
    """
    head = await session.scalar(select(AuditChain).where(AuditChain.id == 1).with_for_update())
    if head is None:
        head = AuditChain(id=1, seq=0, hash=GENESIS)
        session.add(head)
    table = cast(Table, AuditEntry.__table__)
    columns = [table.c[name] for name in _FIELDS]
    seq, last = head.seq, head.hash
    sealed = 0
    while True:
        rows = (
            await session.execute(
                select(*columns).where(table.c.chain_seq.is_(None)).order_by(table.c.id).limit(SEAL_BATCH)
            )
        ).all()
        links = []
        for row in rows:
            seq, before = seq + 1, last
            last = _link_hash(list(row), seq, before)
            links.append({"b_id": row.id, "b_seq": seq, "b_prev": before})
        if links:
            await session.execute(
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(chain_seq=bindparam("b_seq"), prev_hash=bindparam("b_prev")),
                links,
            )
        sealed += len(rows)
        if len(rows) < SEAL_BATCH:
            break
    head.seq, head.hash = seq, last
    await session.flush()
    return sealed


async def archive_audit(session: AsyncSession, now: datetime) -> int:
    """Move sealed entries past the online period to the archive, delete the archive's oldest;
    returns how many were moved."""
    old = (AuditEntry.at < now - AUDIT_ONLINE) & AuditEntry.chain_seq.is_not(None)
    columns = [*_FIELDS, "chain_seq", "prev_hash"]
    source = select(*(getattr(AuditEntry, name) for name in columns)).where(old)
    await session.execute(insert(AuditArchive).from_select(columns, source))
    moved = await session.execute(delete(AuditEntry).where(old))
    await session.execute(delete(AuditArchive).where(AuditArchive.at < now - AUDIT_KEPT))
    return int(moved.rowcount or 0)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class AuditVerification:
    """What `verify_audit` found: entries checked, the first broken link, entries not yet sealed."""

    checked: int
    pending: int
    broken_at: int | None = None  # chain number of the first entry whose link to the one before fails
    reason: str = ""


async def verify_audit(session: AsyncSession) -> AuditVerification:
    """Walk the chain across the archive and the live table, in order."""
    pending = int(
        await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.chain_seq.is_(None))
        )
        or 0
    )
    head = await session.scalar(select(AuditChain).where(AuditChain.id == 1))
    checked = 0
    previous: tuple[int, str] | None = None  # (chain_seq, hash) of the entry before
    models: tuple[Any, ...] = (AuditArchive, AuditEntry)  # the chain runs on from one to the other
    for model in models:
        after = previous[0] if previous else 0
        while True:
            rows = list(
                (
                    await session.scalars(
                        select(model)
                        .where(model.chain_seq.is_not(None), model.chain_seq > after)
                        .order_by(model.chain_seq)
                        .limit(SEAL_BATCH)
                    )
                ).all()
            )
            for row in rows:
                seq = int(row.chain_seq or 0)
                if previous is None:
                    # The oldest entry kept: the genesis, or the first after purged archives.
                    if seq == 1 and row.prev_hash != GENESIS:
                        return AuditVerification(checked, pending, seq, BROKEN)
                elif seq != previous[0] + 1:
                    return AuditVerification(checked, pending, seq, MISSING)
                elif row.prev_hash != previous[1]:
                    return AuditVerification(checked, pending, seq, BROKEN)
                previous = (seq, entry_hash(row))
                checked += 1
                after = seq
            if len(rows) < SEAL_BATCH:
                break
    if head is not None and head.seq > 0 and previous != (head.seq, head.hash):
        return AuditVerification(checked, pending, head.seq, LAST)
    return AuditVerification(checked, pending)
