"""The declarative base of every table, and the column types they share."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    String,
    Table,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# A byte-ordered collation on PostgreSQL so that prefix ranges (`term >= 'dup' AND term < 'dup\uffff'`)
# use the index exactly as SQLite's default BINARY collation does.
SearchTerm = String(64).with_variant(String(64, collation="C"), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both SQLite (which drops tzinfo) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of every table."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


async def insert_ignoring_conflict(session: AsyncSession, model: type[Base], values: dict[str, Any]) -> bool:
    """INSERT a row unless its key exists (ON CONFLICT DO NOTHING on SQLite and PostgreSQL).

    On PostgreSQL a concurrent insert of the same key waits for the other transaction, then does
    nothing: the caller learns it lost the race without an exception that would end its
    transaction.

    Returns:
        Whether this call inserted the row.
    """
    dialect = session.get_bind().dialect.name
    table = model.__table__
    assert isinstance(table, Table)
    key = next(iter(table.primary_key.columns))
    stmt: Any
    if dialect == "postgresql":
        stmt = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    else:
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    inserted = (await session.execute(stmt.returning(key))).first()
    return inserted is not None
