"""Dates, times and sizes as a French practitioner reads them (QLocale fr_FR, local time)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from PySide6.QtCore import QCoreApplication, QDate

from desktop.ui.translations import FRENCH


def _tr(text: str) -> str:
    return QCoreApplication.translate("Formatting", text)


def local(moment: datetime) -> datetime:
    """UTC inside, the machine's zone (Europe/Paris for our users) at the edges."""
    return moment.astimezone()


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def clock(moment: datetime) -> str:
    """« 10:42 »."""
    return local(moment).strftime("%H:%M")


def list_time(moment: datetime, now: datetime | None = None) -> str:
    """The conversation list's time: « 10:42 », « hier », « lun. », « 24 nov. », « 24/11/2025 »."""
    when = local(moment)
    today = local(now or datetime.now().astimezone()).date()
    day = when.date()
    if day == today:
        return when.strftime("%H:%M")
    if day == today - timedelta(days=1):
        return _tr("hier")
    if today - timedelta(days=6) <= day < today:
        return FRENCH.toString(_qdate(day), "ddd")
    if day.year == today.year:
        return FRENCH.toString(_qdate(day), "d MMM")
    return FRENCH.toString(_qdate(day), "dd/MM/yyyy")


def day_label(day: date, today: date | None = None) -> str:
    """Day separators: « aujourd'hui », « hier », « mardi 24 novembre » (year added when not this one)."""
    today = today or date.today()
    if day == today:
        return _tr("aujourd'hui")
    if day == today - timedelta(days=1):
        return _tr("hier")
    pattern = "dddd d MMMM" if day.year == today.year else "dddd d MMMM yyyy"
    return FRENCH.toString(_qdate(day), pattern)


def long_date(day: date) -> str:
    """« 3 décembre 2026 »."""
    return FRENCH.toString(_qdate(day), "d MMMM yyyy")


def short_datetime(moment: datetime | None) -> str:
    """« 24/11/2026 10:42 », or an em dash when absent."""
    if moment is None:
        return "—"
    when = local(moment)
    return f"{FRENCH.toString(_qdate(when.date()), 'dd/MM/yyyy')} {when.strftime('%H:%M')}"


def file_size(size: int) -> str:
    """« 124 Ko », « 2,4 Mo » (French units)."""
    if size < 1024:
        return _tr("%1 octets").replace("%1", str(size))
    if size < 1024 * 1024:
        return _tr("%1 Ko").replace("%1", str(round(size / 1024)))
    return _tr("%1 Mo").replace("%1", FRENCH.toString(size / (1024 * 1024), "f", 1))
