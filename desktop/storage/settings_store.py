"""The small settings file (JSON in the user config folder, written atomically)."""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import asdict, fields
from pathlib import Path

from desktop.domain.app_settings import AppSettings

log = logging.getLogger(__name__)


class SettingsStore:
    """Reads and writes `settings.json` in `config_dir`."""

    def __init__(self, config_dir: Path) -> None:
        self._path = config_dir / "settings.json"

    @property
    def path(self) -> Path:
        return self._path

    def load(self) -> AppSettings:
        """The saved settings, or defaults when the file is missing or unreadable."""
        try:
            raw = json.loads(self._path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return AppSettings()
        except (OSError, ValueError):
            log.warning("settings file unreadable, starting from defaults")
            return AppSettings()
        if not isinstance(raw, dict):
            return AppSettings()
        known = {f.name: f.type for f in fields(AppSettings)}
        values = {k: v for k, v in raw.items() if k in known}
        try:
            return AppSettings(**values)
        except TypeError:
            return AppSettings()

    def save(self, settings: AppSettings) -> None:
        """Write atomically (temporary file then rename)."""
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(settings), ensure_ascii=False, indent=2), encoding="utf-8")
        with contextlib.suppress(OSError):
            tmp.chmod(0o600)
        tmp.replace(self._path)
