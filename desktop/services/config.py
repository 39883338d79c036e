"""Where the client keeps its files, and the command-line options it was started with."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "teleconsult"


@dataclass(frozen=True)
class AppConfig:
    """Paths and options; tests build one on a temporary folder."""

    data_dir: Path
    config_dir: Path
    server_url: str | None = None  # --server: use this server (skips the first-run choice)
    fake_media: bool = False  # --fake-media: synthetic camera and microphone (video feature)

    @property
    def local_server_dir(self) -> Path:
        return self.data_dir / "server"

    def account_dir(self, server_key: str, account_id: str) -> Path:
        """The folder of one account on one server: its cache database and outbox files."""
        digest = hashlib.sha256(f"{server_key}|{account_id}".encode()).hexdigest()[:16]
        return self.data_dir / "accounts" / digest

    @property
    def downloads_dir(self) -> Path:
        """Temporary copies of opened attachments (emptied at start-up)."""
        return self.data_dir / "opened"
