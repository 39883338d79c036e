"""« Le patient peut écrire : toujours / jamais / jusqu'au <date> », in the conversation header."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QWidget

from contracts.clock import Clock, paris_day
from contracts.wire.conversations import PatientWritePublic
from desktop.ui.translations import FRENCH
from desktop.ui.widgets.plain_text import PlainLabel

MODES = ("always", "never", "until")


class PatientWriteControl(QWidget):
    """Emits `change_requested(mode, until)` when the practitioner changes the setting."""

    change_requested = Signal(str, object)  # mode, date | None

    def __init__(self, clock: Clock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.clock = clock
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = PlainLabel(self.tr("Le patient peut écrire :"), self)
        self.mode = QComboBox(self)
        self.mode.addItems([self.tr("toujours"), self.tr("jamais"), self.tr("jusqu'au…")])
        self.mode.setAccessibleName(self.tr("Le patient peut écrire"))
        self.mode.setAccessibleDescription(
            self.tr("Choisissez si le patient peut vous écrire entre deux consultations.")
        )
        self.label.setBuddy(self.mode)
        self.until = QDateEdit(self)
        self.until.setCalendarPopup(True)
        self.until.setLocale(FRENCH)
        self.until.setDisplayFormat("dd/MM/yyyy")
        self._set_first_day()
        self.until.setAccessibleName(self.tr("Jusqu'au"))
        layout.addWidget(self.label)
        layout.addWidget(self.mode)
        layout.addWidget(self.until)
        self._updating = False
        self.mode.currentIndexChanged.connect(self._on_mode_current_index_changed)
        self.until.editingFinished.connect(self._on_until_editing_finished)
        self.set_value(PatientWritePublic(mode="always", until=None))

    def set_value(self, value: PatientWritePublic) -> None:
        """Show the server's setting without emitting a change."""
        self._updating = True
        try:
            self.mode.setCurrentIndex(MODES.index(value.mode) if value.mode in MODES else 0)
            self._set_first_day()
            day = value.until or paris_day(self.clock())
            self.until.setDate(QDate(day.year, day.month, day.day))
            self.until.setVisible(value.mode == "until")
        finally:
            self._updating = False

    def _set_first_day(self) -> None:
        """The first day offered is today in France (the server's rule), not the machine's today."""
        today = paris_day(self.clock())
        self.until.setMinimumDate(QDate(today.year, today.month, today.day))

    def value(self) -> tuple[str, date | None]:
        mode = MODES[self.mode.currentIndex()]
        if mode != "until":
            return mode, None
        q = self.until.date()
        return mode, date(q.year(), q.month(), q.day())

    def _on_mode_current_index_changed(self, _index: int) -> None:
        mode, until = self.value()
        self.until.setVisible(mode == "until")
        if not self._updating:
            self.change_requested.emit(mode, until)

    def _on_until_editing_finished(self) -> None:
        if not self._updating and self.value()[0] == "until":
            mode, until = self.value()
            self.change_requested.emit(mode, until)
