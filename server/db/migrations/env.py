"""Alembic environment: async engines, batch mode for SQLite ALTERs, every model module loaded."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from server import all_models
from server.db.database import migration_engine

config = context.config
target_metadata = all_models.metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = migration_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL given to Alembic")
    asyncio.run(_run_async(url))


if context.is_offline_mode():
    raise RuntimeError("offline migrations are not supported")
run_migrations_online()
