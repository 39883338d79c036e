"""Choosing the documents' store, copying file blobs into the database, re-sealing under a new key.

`build_blob_store` picks the store the settings name (`TELECONSULT_DOCUMENTS_STORE`, by default
the database on PostgreSQL and files on SQLite). `copy_files_to_database` is the command
``documents-migrate``: blobs are copied verbatim, records already sealed, under the same name
(the attachments' rows need no change), each in one transaction; a blob already there is skipped.
`reseal_all` is ``documents-rotate-key``: every blob not yet under the current key is re-sealed
in place, one at a time; a run that stops half-way is resumed by running it again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from contracts.clock import Clock
from server.attachments.blobs import (
    BlobCorruptedError,
    BlobKeyMismatchError,
    BlobMissingError,
    BlobStore,
    load_keyring,
)
from server.attachments.db_store import DatabaseBlobStore
from server.attachments.file_store import FileBlobStore
from server.db.database import Database
from server.settings import Settings

log = logging.getLogger(__name__)


def build_blob_store(settings: Settings, db: Database, clock: Clock, kind: str | None = None) -> BlobStore:
    """The store named by the settings, or by `kind` ("files" or "database"), with its keyring.

    Raises:
        SettingsError: a configured key is not 32 bytes of base64.
    """
    keys = load_keyring(
        settings.attachments_key.get_secret_value(),
        settings.data_dir / "attachments.key",
        settings.attachments_previous_keys.get_secret_value(),
    )
    if (kind or settings.effective_documents_store) == "database":
        if kind is None and settings.effective_attachments_dir.is_dir():
            # Files left by a server that used the file store: still served until copied.
            return DatabaseBlobStore(db, keys, clock, FileBlobStore(settings.effective_attachments_dir, keys))
        return DatabaseBlobStore(db, keys, clock)
    files = FileBlobStore(settings.effective_attachments_dir, keys)
    removed = files.prepare()
    if removed:
        log.info("removed %d partial attachment files left by an interrupted upload", removed)
    return files


@dataclass
class StoreReport:
    """What a pass over every blob did; `failed` names the blobs it could not handle."""

    done: int = 0  # copied, or re-sealed
    skipped: int = 0  # already in the database, or already under the current key
    unknown_key: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[str]:
        return self.unknown_key + self.damaged


async def copy_files_to_database(files: FileBlobStore, database: DatabaseBlobStore) -> StoreReport:
    """Copy every file blob into the database store (idempotent; the files are left in place)."""
    report = StoreReport()
    async for name in files.names():
        try:
            if await database.exists(name):
                report.skipped += 1
                continue
            reader = await files.open(name)
            try:
                await reader.verify()  # copied only once authenticated: no damage carried over
                copied = await database.import_blob(reader)
            finally:
                reader.close()
        except BlobKeyMismatchError:
            report.unknown_key.append(name)
        except BlobCorruptedError:
            report.damaged.append(name)
        except BlobMissingError:  # deleted meanwhile
            continue
        else:
            if copied:
                report.done += 1
            else:
                report.skipped += 1
    log.info(
        "documents migrated: %d copied, %d present, %d failed",
        report.done,
        report.skipped,
        len(report.failed),
    )
    return report


async def reseal_all(store: BlobStore) -> StoreReport:
    """Re-seal every blob under the keyring's current key (resumable, idempotent)."""
    report = StoreReport()
    async for name in store.names():
        try:
            if await store.reseal(name):
                report.done += 1
            else:
                report.skipped += 1
        except BlobKeyMismatchError:
            report.unknown_key.append(name)
        except BlobCorruptedError:
            report.damaged.append(name)
        except BlobMissingError:  # deleted meanwhile
            continue
    log.info(
        "documents re-sealed: %d done, %d current, %d failed", report.done, report.skipped, len(report.failed)
    )
    return report
