"""What every outgoing message says besides its subject: the text of an email and the emergency line."""

from __future__ import annotations

from dataclasses import dataclass

EMERGENCY_LINE = "Teleconsult ne sert pas aux urgences : en cas d'urgence, appelez le 15 (SAMU) ou le 112."


@dataclass(frozen=True)
class EmailText:
    subject: str
    text: str
    html: str
