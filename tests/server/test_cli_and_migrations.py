"""The `teleconsult-server` command line, and migrations matching the models on both databases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from server import all_models
from server.accounts.models import PractitionerProfile, User
from server.db.database import Database, migration_engine
from server.db.migrate import upgrade
from tests.conftest import POSTGRES_URL, create_postgres_database, need
from tests.helpers.factories import rpps_number
from tests.helpers.live_server import run_in_thread


def cli(tmp: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TELECONSULT_ENV_FILE": str(tmp / "none.env"), **(env or {})},
        check=False,
    )


@pytest.mark.parametrize(
    "command",
    ["serve", "migrate", "create-practitioner", "set-plan", "documents-migrate", "documents-rotate-key"],
)
def test_help_of_each_command(tmp_path: Path, command: str) -> None:
    result = cli(tmp_path, command, "--help")
    assert result.returncode == 0
    assert "--data-dir" in result.stdout


def test_migrate_create_practitioner_and_set_plan(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path)]
    assert cli(tmp_path, "migrate", *data).returncode == 0
    created = cli(
        tmp_path,
        "create-practitioner",
        *data,
        "--email",
        "Claire.Martin@Example.fr",
        "--first-name",
        "Claire",
        "--last-name",
        "Martin",
        "--profession",
        "medecin_generaliste",
        "--rpps",
        rpps_number(55),
        env={"TELECONSULT_PASSWORD": "correct-horse-42"},
    )
    assert created.returncode == 0, created.stderr
    assert "claire.martin@example.fr" in created.stdout
    again = cli(
        tmp_path,
        "create-practitioner",
        *data,
        "--email",
        "claire.martin@example.fr",
        "--first-name",
        "C",
        "--last-name",
        "M",
        "--profession",
        "medecin_generaliste",
        "--rpps",
        rpps_number(56),
        env={"TELECONSULT_PASSWORD": "correct-horse-42"},
    )
    assert again.returncode == 1 and "existe déjà" in again.stderr
    bad = cli(
        tmp_path,
        "create-practitioner",
        *data,
        "--email",
        "x@example.fr",
        "--first-name",
        "C",
        "--last-name",
        "M",
        "--profession",
        "medecin_generaliste",
        "--rpps",
        "12345678901",
        env={"TELECONSULT_PASSWORD": "correct-horse-42"},
    )
    assert bad.returncode == 1 and "RPPS" in bad.stderr
    assert (
        cli(tmp_path, "set-plan", *data, "--email", "claire.martin@example.fr", "--plan", "PRO+").returncode
        == 0
    )
    unknown = cli(tmp_path, "set-plan", *data, "--email", "personne@example.fr", "--plan", "PRO+")
    assert unknown.returncode == 1 and "Aucun praticien" in unknown.stderr

    async def plan() -> str | None:
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'teleconsult.db'}")
        try:
            async with db.read() as session:
                return await session.scalar(
                    select(PractitionerProfile.plan)
                    .join(User, User.id == PractitionerProfile.user_id)
                    .where(User.email == "claire.martin@example.fr")
                )
        finally:
            await db.dispose()

    assert run_in_thread(plan()) == "PRO+"


def test_bad_setting_is_reported_in_french(tmp_path: Path) -> None:
    result = cli(tmp_path, "migrate", "--data-dir", str(tmp_path), env={"TELECONSULT_PORT": "huit"})
    assert result.returncode == 2 and "Valeur invalide pour TELECONSULT_PORT" in result.stderr


async def _diff(url: str) -> list[object]:
    await upgrade(url)
    engine = migration_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), all_models.metadata)
            )
    finally:
        await engine.dispose()


def test_migrations_match_models_on_sqlite(tmp_path: Path) -> None:
    assert run_in_thread(_diff(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")) == []


def test_migrations_match_models_on_postgresql() -> None:
    need(bool(POSTGRES_URL), "PostgreSQL absent : définir TELECONSULT_TEST_POSTGRES_URL")
    assert run_in_thread(_diff(create_postgres_database(POSTGRES_URL))) == []


def test_a_database_at_the_old_feature_heads_joins_the_one_history(tmp_path: Path) -> None:
    """Databases made before the merge sit at three heads; `upgrade` brings them to the one head."""
    import sqlite3

    from server.db.migrate import upgrade_sync

    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    for old_head in ("0002_invitations", "0004", "0005_calls"):
        upgrade_sync(url, old_head)
    rows = sqlite3.connect(tmp_path / "old.db").execute("SELECT version_num FROM alembic_version").fetchall()
    assert sorted(r[0] for r in rows) == ["0002_invitations", "0004", "0005_calls"]
    upgrade_sync(url, "0006")
    rows = sqlite3.connect(tmp_path / "old.db").execute("SELECT version_num FROM alembic_version").fetchall()
    assert rows == [("0006",)]
    upgrade_sync(url)  # and the revisions after it follow in one line
    rows = sqlite3.connect(tmp_path / "old.db").execute("SELECT version_num FROM alembic_version").fetchall()
    assert len(rows) == 1
