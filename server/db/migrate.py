"""Apply Alembic migrations programmatically (no alembic.ini needed)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["database_url"] = url  # attributes: no configparser %-interpolation
    return cfg


def upgrade_sync(url: str, target: str = "head") -> None:
    command.upgrade(alembic_config(url), target)


async def upgrade(url: str, target: str = "head") -> None:
    """Bring the schema to the latest revision (one history: `0006` joined the feature branches)."""
    # env.py runs its own event loop, so it needs a thread of its own.
    await asyncio.to_thread(upgrade_sync, url, target)
