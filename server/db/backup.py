"""`teleconsult-server backup` / `restore` for a SQLite deployment: one archive holding the database,
the encrypted documents and their key.

- The database is copied with SQLite's online backup API (`sqlite3.Connection.backup`) in one
  step: a consistent snapshot taken while the server keeps writing (WAL: the copy reads, writers
  are not blocked).
- The documents are copied after the snapshot. Their files are written once and never changed,
  so every document the snapshot names is already on disk; a document stored after the snapshot
  is copied too, unreferenced (harmless).
- The documents key (`attachments.key`) goes in the same archive unless it comes from
  `TELECONSULT_ATTACHMENTS_KEY` (then the operator keeps it elsewhere): whoever holds the archive
  can read every document, so the archive is kept like the key itself (docs/deploy.md).
- `restore` refuses a data folder that already holds a database, and checks the copy
  (`PRAGMA integrity_check`) before putting it in place.

PostgreSQL deployments use `pg_dump -Fc` / `pg_restore` (docs/deploy.md).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from server.settings import Settings

MANIFEST = "teleconsult-backup.json"
DATABASE = "teleconsult.db"
DOCUMENTS = "attachments"
KEY = "attachments.key"
FORMAT = 1


class BackupError(Exception):
    """A backup or a restore cannot be done; the message is French, for the operator."""


@dataclass(frozen=True)
class BackupSummary:
    """What an archive holds."""

    database_bytes: int
    documents: int
    with_key: bool


def sqlite_path(settings: Settings) -> Path:
    """The SQLite database file of `settings`.

    Raises:
        BackupError: the database is not SQLite (PostgreSQL has pg_dump).
    """
    url = make_url(settings.effective_database_url)
    if not url.drivername.startswith("sqlite") or not url.database:
        raise BackupError(
            "La base configurée n'est pas SQLite : sauvegardez PostgreSQL avec pg_dump -Fc "
            "et pg_restore (docs/deploy.md)."
        )
    return Path(url.database)


def key_path(settings: Settings) -> Path:
    return settings.data_dir / KEY


def backup(settings: Settings, archive: Path) -> BackupSummary:
    """Write the database, the documents and their key into `archive` (a .tar.gz).

    Raises:
        BackupError: no database at the configured place, or the archive cannot be written.
    """
    database = sqlite_path(settings)
    if not database.is_file():
        raise BackupError(f"Aucune base de données dans {database}.")
    archive = archive.expanduser().resolve()
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="teleconsult-backup-", dir=archive.parent) as work:
        snapshot = Path(work) / DATABASE
        _snapshot(database, snapshot)
        documents = _document_files(settings.effective_attachments_dir)
        key = key_path(settings)
        with_key = key.is_file() and not settings.attachments_key.get_secret_value()
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": "sqlite",
            "documents": len(documents),
            "key": with_key,
        }
        partial = Path(work) / "archive.tar.gz"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode = len(data), 0o600
            with tempfile.SpooledTemporaryFile() as buffer:
                buffer.write(data)
                buffer.seek(0)
                tar.addfile(info, buffer)
            tar.add(snapshot, arcname=DATABASE)
            for path in documents:
                relative = path.relative_to(settings.effective_attachments_dir)
                tar.add(path, arcname=f"{DOCUMENTS}/{relative.as_posix()}")
            if with_key:
                tar.add(key, arcname=KEY)
            raw.flush()
            os.fsync(raw.fileno())
        partial.replace(archive)  # a reader never sees half an archive
        size = snapshot.stat().st_size
    return BackupSummary(size, len(documents), with_key)


def _snapshot(source: Path, target: Path) -> None:
    """A consistent copy of a live database, in one step of the online backup API."""
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)  # pages=-1: the whole database under one read transaction
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file in the archive
    finally:
        dst.close()
        src.close()


def _document_files(root: Path) -> list[Path]:
    """Committed document files (partial uploads in `tmp/` are left out)."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] != "tmp")


def restore(settings: Settings, archive: Path) -> BackupSummary:
    """Put the database, documents and key of `archive` in the data folder of `settings`.

    Raises:
        BackupError: the folder already holds a database, or the archive is not a readable backup.
    """
    database = sqlite_path(settings)
    if database.exists():
        raise BackupError(
            f"Une base de données existe déjà dans {database} : restaurez dans un dossier vide "
            "(ou déplacez d'abord l'ancienne base)."
        )
    database.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="teleconsult-restore-", dir=database.parent) as work:
        folder = Path(work)
        try:
            with tarfile.open(archive.expanduser(), "r:gz") as tar:
                names = tar.getnames()
                if MANIFEST not in names or DATABASE not in names:
                    raise BackupError(f"{archive} n'est pas une sauvegarde Teleconsult.")
                tar.extractall(folder, filter="data")  # no absolute path, no .., no device
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise BackupError(f"Archive illisible : {archive} ({type(exc).__name__}).") from None
        manifest = json.loads((folder / MANIFEST).read_text())
        if manifest.get("format") != FORMAT:
            raise BackupError(f"Format de sauvegarde inconnu : {manifest.get('format')!r}.")
        _check(folder / DATABASE)
        documents = _document_files(folder / DOCUMENTS)
        target_documents = settings.effective_attachments_dir
        for path in documents:
            destination = target_documents / path.relative_to(folder / DOCUMENTS)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
        with_key = (folder / KEY).is_file()
        if with_key:
            key = key_path(settings)
            if key.exists() and key.read_bytes() != (folder / KEY).read_bytes():
                raise BackupError(f"Une autre clé des documents existe déjà : {key}.")
            key.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(folder / KEY, key)
            key.chmod(0o600)
        (folder / DATABASE).replace(database)  # last: a half-done restore leaves no database
    return BackupSummary(database.stat().st_size, len(documents), with_key)


def _check(database: Path) -> None:
    connection = sqlite3.connect(database)
    try:
        result = connection.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"La base de l'archive est illisible ({type(exc).__name__}).") from None
    finally:
        connection.close()
    if not result or result[0] != "ok":
        raise BackupError("La base de l'archive est endommagée (PRAGMA integrity_check).")
