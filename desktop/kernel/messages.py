"""The one bridge by which logic tells the user something (qutebrowser's `message` module).

Services and presenters call `Messages.error/warning/info` with French text; the main window
shows them in its message bar. Nothing below the UI opens a dialog.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from desktop.kernel.events import Event


class Level(Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class UserMessage:
    level: Level
    text: str


class Messages:
    """Queue-less broadcast of user-facing messages."""

    def __init__(self) -> None:
        self.posted: Event[UserMessage] = Event()
        self.history: list[UserMessage] = []  # the last few, for tests and late subscribers

    def _post(self, level: Level, text: str) -> None:
        message = UserMessage(level, text)
        self.history = [*self.history[-19:], message]
        self.posted.emit(message)

    def info(self, text: str) -> None:
        self._post(Level.INFO, text)

    def warning(self, text: str) -> None:
        self._post(Level.WARNING, text)

    def error(self, text: str) -> None:
        self._post(Level.ERROR, text)
