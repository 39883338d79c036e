"""What waits in the outbox: a message or an upload, with the client id that makes it idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

MESSAGE = "message"
UPLOAD = "upload"

ALLOWED_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png")


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One pending send. `id` is the client uuid the server dedupes on: a retry never duplicates."""

    id: str
    kind: str  # MESSAGE | UPLOAD
    conversation_id: str
    created_at: datetime
    body: str = ""
    file_path: Path | None = None  # the outbox's own copy of the file
    filename: str = ""
    size: int = 0
    attempts: int = 0
    error: str | None = None  # set when the server refused it for good

    @property
    def failed(self) -> bool:
        return self.error is not None


def is_supported_document(path: Path) -> bool:
    """PDF, JPEG or PNG by name; the server checks the content itself."""
    return path.suffix.lower() in ALLOWED_SUFFIXES
