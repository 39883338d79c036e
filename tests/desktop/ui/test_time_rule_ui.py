"""One rule for every time shown (issue 12): Europe/Paris, whatever the machine's zone.

The suite runs with the machine in America/New_York (tests/conftest.py), where 09:45 UTC is 04:45
and 10:45 in Paris: a message, the call-end banner, a claim and the « jusqu'au » day all say 10:45 /
the French day. docs/decisions.md states the rule.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from PySide6.QtCore import QDate
from pytestqt.qtbot import QtBot

from contracts.wire.conversations import MessagePublic, PatientWritePublic
from desktop.ui.widgets.message_bubble import MessageBubble
from desktop.ui.widgets.patient_write_control import PatientWriteControl

UI = Path(__file__).resolve().parents[3] / "desktop" / "ui"
AT = datetime(2026, 12, 3, 9, 45, tzinfo=UTC)  # 10:45 in Paris, 04:45 in New York
# Every time or day the desktop shows goes through contracts.fr_format / contracts.clock (Paris):
# none of these, which follow the machine's zone or clock, has a place in the UI.
MACHINE_TIME = re.compile(
    r"\.strftime\(|\.astimezone\(|QDate\.currentDate\(|QDateTime\.currentDateTime\(|"
    r"QTime\.currentTime\(|datetime\.now\(|date\.today\(|time\.localtime\("
)


def test_the_machine_is_not_in_france_here() -> None:
    assert AT.astimezone().strftime("%H:%M") != "10:45"  # so what follows the machine shows here


def _message(role: str) -> MessagePublic:
    return MessagePublic(
        id=str(uuid.uuid4()),
        conversation_id=str(uuid.uuid4()),
        seq=1,
        sender_id=str(uuid.uuid4()),
        sender_role=role,
        kind="text",
        body="Bonjour",
        data=None,
        created_at=AT,
    )


def test_message_times_are_paris_times(qtbot: QtBot) -> None:
    for role in ("patient", "practitioner", "system"):
        bubble = MessageBubble(_message(role))
        qtbot.addWidget(bubble)
        assert bubble.meta.text().startswith("10:45"), (role, bubble.meta.text())


def test_the_first_day_a_patient_may_be_allowed_to_write_until_is_today_in_france(qtbot: QtBot) -> None:
    # 23:30 UTC on 3 December: already the 4th in Paris, still the 3rd in New York.
    control = PatientWriteControl(lambda: datetime(2026, 12, 3, 23, 30, tzinfo=UTC))
    qtbot.addWidget(control)
    assert control.until.minimumDate() == QDate(2026, 12, 4)
    control.set_value(PatientWritePublic(mode="until", until=date(2026, 12, 10)))
    assert control.value() == ("until", date(2026, 12, 10))


def test_no_screen_reads_the_machine_zone_or_clock() -> None:
    offenders = [
        f"{path.relative_to(UI)}:{number}: {line.strip()}"
        for path in sorted(UI.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if MACHINE_TIME.search(line)
    ]
    assert offenders == []
