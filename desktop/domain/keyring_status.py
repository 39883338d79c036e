"""Whether session tokens can be kept in a secure keyring."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KeyringStatus:
    """`warning` is French, shown once when tokens stay in memory only."""

    secure: bool
    backend: str
    warning: str | None = None
