"""Opening and saving documents received or sent in a conversation.

« Ouvrir » downloads to a private folder of the app (emptied at start-up and quit) and hands the
copy to the system viewer; « Enregistrer » streams straight to the place the user chose.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path

from contracts.wire.conversations import AttachmentPublic
from desktop.api.transfers import Progress
from desktop.services.ports import ServerApi

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_filename(name: str) -> str:
    """A file name without path parts or characters Windows and macOS refuse."""
    base = _UNSAFE.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    return base[:150] or "document"


class AttachmentService:
    """Downloads attachments to temporary copies or chosen paths."""

    def __init__(self, api: ServerApi, opened_dir: Path) -> None:
        self._api = api
        self._opened = opened_dir
        # One download at a time per attachment: the thumbnail, « Ouvrir » and the viewer may ask for
        # the same copy at once, and two downloads would race on its temporary file.
        self._locks: dict[str, asyncio.Lock] = {}

    def local_copy_path(self, attachment: AttachmentPublic) -> Path:
        return self._opened / attachment.id / safe_filename(attachment.filename)

    async def local_copy(self, attachment: AttachmentPublic, progress: Progress | None = None) -> Path:
        """A private copy to open or preview (downloaded once per run)."""
        target = self.local_copy_path(attachment)
        if await asyncio.to_thread(_complete, target, attachment.size):
            return target
        lock = self._locks.setdefault(attachment.id, asyncio.Lock())
        async with lock:
            if await asyncio.to_thread(_complete, target, attachment.size):
                return target
            return await self._api.download_attachment(attachment.id, target, progress)

    async def save_as(
        self, attachment: AttachmentPublic, target: Path, progress: Progress | None = None
    ) -> Path:
        """Download to `target`, chosen by the user."""
        copy = self.local_copy_path(attachment)
        if await asyncio.to_thread(_complete, copy, attachment.size):
            await asyncio.to_thread(shutil.copyfile, copy, target)
            return target
        return await self._api.download_attachment(attachment.id, target, progress)

    def purge(self) -> None:
        """Delete every temporary copy (health documents should not linger)."""
        shutil.rmtree(self._opened, ignore_errors=True)


def _complete(path: Path, size: int) -> bool:
    try:
        return path.is_file() and (size <= 0 or path.stat().st_size == size)
    except OSError:
        return False
