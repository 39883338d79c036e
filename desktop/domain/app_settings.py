"""What the client remembers between runs: the server, the last account, preferences.

Never a token, never patient data.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

LOCAL = "local"
REMOTE = "remote"


@dataclass(frozen=True)
class AppSettings:
    server_mode: str | None = None  # LOCAL | REMOTE | None (first run)
    server_url: str = ""  # REMOTE only
    local_port: int = 0  # LOCAL: reused so invitation links stay valid across restarts
    last_email: str = ""
    account_id: str = ""
    account_first_name: str = ""
    account_last_name: str = ""
    account_plan: str = ""
    show_patient_names_in_notifications: bool = False
    # Call devices ("" = the system's default): camera as FFmpeg opens it, PortAudio names for audio.
    camera: str = ""
    camera_label: str = ""
    microphone: str = ""
    speaker: str = ""

    @property
    def configured(self) -> bool:
        return self.server_mode == LOCAL or (self.server_mode == REMOTE and bool(self.server_url))

    @property
    def server_key(self) -> str:
        """Identifies the server for the keyring and the cache (the local port may change)."""
        return "local" if self.server_mode == LOCAL else self.server_url

    def with_changes(self, **changes: Any) -> AppSettings:
        return replace(self, **changes)
