"""The claim's identification and coverage fields (BILLING.md §4.3), each with its message underneath.

Patient: name, date of birth, rang, whether they are the insured person, the insured person's NIR
(its key checked as typed), régime / caisse / centre. Practitioner: RPPS, AM number, specialty
code, prescriber when the act needs one. Coverage: parcours de soins with its indicator code (a
code that is not verified is sent only once the practitioner ticks it, the reason beside), the
referring médecin traitant's RPPS when the patient was referred, nature,
exonération, tiers payant AMO, dépassement. Dumb: every change is `edited(field, value)` with the
field's name as validation problems name it (`patient.nir`, `parcours`…).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QFocusEvent, QMouseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from contracts.billing.claim_parts import Exoneration, InsuranceNature, Parcours
from contracts.billing.claims import Claim
from contracts.fr_format import short_date
from contracts.identifiers import format_nir
from desktop.billing.claims import UNKNOWN_BIRTH_DATE
from desktop.ui.theme import set_role
from desktop.ui.widgets.plain_text import PlainLabel

_TEXT_FIELDS = (
    # (field, label, placeholder, max length)
    ("patient.last_name", "&Nom", "", 80),
    ("patient.first_name", "&Prénom", "", 80),
    ("patient.nir", "N&IR de l'assuré", "2 95 10 99 126 111 93", 25),
    ("patient.regime", "&Régime", "01", 2),
    ("patient.caisse", "&Caisse", "751", 3),
    ("patient.centre", "C&entre", "0001", 4),
    ("practitioner.rpps", "N° RPPS", "", 11),
    ("practitioner.am_number", "N° Assurance Maladie", "751234567", 9),
    ("practitioner.specialty_code", "Code spécialité", "01", 2),
    ("prescriber_rpps", "RPPS du prescripteur", "", 11),
    ("referring_rpps", "RPPS du médecin traitant orienteur", "", 11),
    ("depassement", "&Dépassement (€)", "0,00", 12),
)


BIRTH_DATE_MASK = "00/00/0000;_"  # typed as 8 digits, the slashes skipped


class DateField(QLineEdit):
    """A JJ/MM/AAAA field that takes typed digits; an empty one is typed from its first digit
    (with a mask, the cursor would otherwise sit after « __/__/____ » and ignore the keys)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setInputMask(BIRTH_DATE_MASK)

    def _from_start_when_empty(self) -> None:
        if not any(c.isdigit() for c in self.text()):
            self.setCursorPosition(0)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self._from_start_when_empty()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        self._from_start_when_empty()


def typed_date(text: str) -> date | str | None:
    """What the birth-date field holds: a date, None when empty, else the French problem."""
    digits = "".join(c for c in text if c.isdigit())
    if not digits:
        return None
    if len(digits) != 8:
        return "Date de naissance incomplète : tapez le jour, le mois et l’année (JJ/MM/AAAA)."
    try:
        return date(int(digits[4:]), int(digits[2:4]), int(digits[:2]))
    except ValueError:
        return "Cette date de naissance n’existe pas : vérifiez le jour et le mois (JJ/MM/AAAA)."


class ClaimPatientForm(QWidget):
    """Identification and coverage of one claim."""

    edited = Signal(str, object)  # field, value (str, date, int, bool; enums as their values)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        self.inputs: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self.rows: dict[str, tuple[QLabel, QWidget]] = {}
        patient = self._group(column, self.tr("Patient"))
        practitioner = self._group(column, self.tr("Praticien (carte CPS)"))
        coverage = self._group(column, self.tr("Prise en charge"))
        texts = {name: (label, hint, size) for name, label, hint, size in _TEXT_FIELDS}

        def text(form: QFormLayout, name: str) -> None:
            label, hint, size = texts[name]
            edit = QLineEdit(self)
            edit.setMaxLength(size)
            edit.setPlaceholderText(hint)
            edit.textEdited.connect(lambda value, n=name: self.edited.emit(n, value))
            self._row(form, name, self.tr(label), edit)

        text(patient, "patient.last_name")
        text(patient, "patient.first_name")
        # Typed digits (« 03101995 »): a QDateEdit at its « à saisir » special value ignored them.
        self.birth_date = DateField(self)
        self.birth_date.setToolTip(self.tr("JJ/MM/AAAA : tapez les 8 chiffres"))
        self.birth_date.textEdited.connect(self._on_birth_date_text_edited)
        self._row(patient, "patient.birth_date", self.tr("Date de &naissance"), self.birth_date)
        self.birth_date.setAccessibleDescription(self.tr("Jour, mois, année : 8 chiffres"))
        self.birth_rank = QSpinBox(self)
        self.birth_rank.setRange(1, 9)
        self.birth_rank.valueChanged.connect(lambda v: self.edited.emit("patient.birth_rank", v))
        self._row(patient, "patient.birth_rank", self.tr("Ran&g de naissance"), self.birth_rank)
        self.is_insured = QCheckBox(self.tr("Le patient est l'assuré"), self)
        self.is_insured.setToolTip(
            self.tr("Décochez pour un enfant, un conjoint… : le NIR est alors celui de l'assuré.")
        )
        self.is_insured.toggled.connect(lambda v: self.edited.emit("patient.is_insured", v))
        self._row(patient, "patient.is_insured", "", self.is_insured)
        for name in ("patient.nir", "patient.regime", "patient.caisse", "patient.centre"):
            text(patient, name)
        for name in (
            "practitioner.rpps",
            "practitioner.am_number",
            "practitioner.specialty_code",
            "prescriber_rpps",
        ):
            text(practitioner, name)

        self.parcours = QComboBox(self)
        self.parcours.addItem(self.tr("— à préciser —"), None)
        for item in Parcours:
            self.parcours.addItem(self.tr(item.label), item.value)
        self.parcours.activated.connect(lambda _i: self.edited.emit("parcours", self.parcours.currentData()))
        self._row(coverage, "parcours", self.tr("Parcours de &soins"), self.parcours)
        self.parcours_indicator = PlainLabel(self)
        self.parcours_indicator.setObjectName("parcoursIndicator")
        self.parcours_indicator.setWordWrap(True)
        set_role(self.parcours_indicator, "muted")
        self.parcours_indicator.setTextFormat(Qt.TextFormat.PlainText)
        coverage.addRow("", self.parcours_indicator)
        self.parcours_confirm = QCheckBox(self)
        self.parcours_confirm.toggled.connect(lambda v: self.edited.emit("parcours_indicator_confirmed", v))
        self._row(coverage, "parcours_indicator_confirmed", "", self.parcours_confirm)
        text(coverage, "referring_rpps")
        self.nature = QComboBox(self)
        for nature in InsuranceNature:
            self.nature.addItem(self.tr(nature.label), nature.value)
        self.nature.activated.connect(lambda _i: self.edited.emit("nature", self.nature.currentData()))
        self._row(coverage, "nature", self.tr("Nature d'assurance"), self.nature)
        self.exoneration = QComboBox(self)
        for exoneration in Exoneration:
            self.exoneration.addItem(self.tr(exoneration.label), exoneration.value)
        self.exoneration.activated.connect(
            lambda _i: self.edited.emit("exoneration", self.exoneration.currentData())
        )
        self._row(coverage, "exoneration", self.tr("E&xonération"), self.exoneration)
        self.tiers_payant = QCheckBox(self.tr("Tiers payant sur la part obligatoire (AMO)"), self)
        self.tiers_payant.toggled.connect(lambda v: self.edited.emit("tiers_payant_amo", v))
        self._row(coverage, "tiers_payant_amo", "", self.tiers_payant)
        text(coverage, "depassement")

    def _group(self, column: QVBoxLayout, title: str) -> QFormLayout:
        box = QGroupBox(title, self)
        box.setAccessibleName(title)
        form = QFormLayout(box)
        column.addWidget(box)
        return form

    def _row(self, form: QFormLayout, name: str, label_text: str, widget: QWidget) -> None:
        if isinstance(widget, QComboBox):  # long French labels must not widen the whole page
            widget.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            widget.setMinimumContentsLength(14)
        widget.setObjectName(f"claim_{name}")
        widget.setAccessibleName(label_text.replace("&", "") or widget.property("text") or name)
        error = PlainLabel(self)
        error.setObjectName(f"error_{name}")
        set_role(error, "error")
        error.setWordWrap(True)
        error.hide()
        box = QVBoxLayout()
        box.setSpacing(2)
        box.addWidget(widget)
        box.addWidget(error)
        label = PlainLabel(label_text, self)
        label.setBuddy(widget)
        form.addRow(label, box)
        self.inputs[name] = widget
        self.errors[name] = error
        self.rows[name] = (label, widget)

    def _on_birth_date_text_edited(self, text: str) -> None:
        value = typed_date(text)
        self.edited.emit("patient.birth_date", UNKNOWN_BIRTH_DATE if value is None else value)

    def tab_widgets(self) -> list[QWidget]:
        """The fields in the order Tab visits them (top to bottom)."""
        return list(self.inputs.values())

    def line_edit(self, name: str) -> QLineEdit:
        widget = self.inputs[name]
        assert isinstance(widget, QLineEdit)
        return widget

    # ---------------------------------------------------------------- rendering
    def show_claim(self, claim: Claim, depassement_text: str) -> None:
        """Fill every field from `claim` without emitting `edited`."""
        p, pr = claim.patient, claim.practitioner
        values: dict[str, Any] = {
            "patient.last_name": p.last_name,
            "patient.first_name": p.first_name,
            "patient.nir": format_nir(p.nir) if p.nir else "",
            "patient.regime": p.regime,
            "patient.caisse": p.caisse,
            "patient.centre": p.centre,
            "practitioner.rpps": pr.rpps,
            "practitioner.am_number": pr.am_number,
            "practitioner.specialty_code": pr.specialty_code,
            "prescriber_rpps": claim.prescriber_rpps or "",
            "referring_rpps": claim.referring_rpps or "",
            "depassement": depassement_text,
        }
        blockers = [QSignalBlocker(w) for w in self.inputs.values()]
        try:
            for name, value in values.items():
                self.line_edit(name).setText(value)
            known = p.birth_date != UNKNOWN_BIRTH_DATE
            typing = self.birth_date.hasFocus() and isinstance(typed_date(self.birth_date.text()), str)
            if not typing:  # a date half typed stays as it is
                self.birth_date.setText(short_date(p.birth_date) if known else "")
            self.birth_rank.setValue(p.birth_rank)
            self.is_insured.setChecked(p.is_insured)
            self.parcours.setCurrentIndex(
                max(0, self.parcours.findData(claim.parcours.value)) if claim.parcours else 0
            )
            self.nature.setCurrentIndex(max(0, self.nature.findData(claim.nature.value)))
            self.exoneration.setCurrentIndex(max(0, self.exoneration.findData(claim.exoneration.value)))
            self.tiers_payant.setChecked(claim.tiers_payant_amo)
        finally:
            for blocker in blockers:
                blocker.unblock()

    def set_parcours_indicator(
        self, code: str | None, verified: bool, reason: str | None, confirmed: bool
    ) -> None:
        """The indicator code of the chosen parcours: shown when verified, to tick when it is not."""
        if code is None:
            text = self.tr("Indicateur de parcours : à choisir dans votre logiciel certifié.")
        elif verified:
            text = self.tr("Indicateur de parcours envoyé : « %1 ».").replace("%1", code)
        else:
            text = reason or ""
        self.parcours_indicator.setText(text)
        self.parcours_indicator.setVisible(self.parcours.currentData() is not None)
        label, box = self.rows["parcours_indicator_confirmed"]
        unverified = code is not None and not verified
        box.setVisible(unverified)
        label.setVisible(unverified)
        if code is not None and not verified:
            self.parcours_confirm.setText(
                self.tr("Envoyer l'indicateur « %1 » (non vérifié) : je l'ai vérifié").replace("%1", code)
            )
            self.parcours_confirm.setAccessibleName(self.parcours_confirm.text())
        with QSignalBlocker(self.parcours_confirm):
            self.parcours_confirm.setChecked(confirmed and unverified)

    def set_prescriber_visible(self, visible: bool) -> None:
        self.set_row_visible("prescriber_rpps", visible)

    def set_row_visible(self, name: str, visible: bool) -> None:
        label, widget = self.rows[name]
        for item in (label, widget):
            item.setVisible(visible)
        if not visible:
            self.errors[name].hide()

    def set_problems(self, problems: dict[str, str]) -> set[str]:
        """Show each field's message under it; returns the problem fields shown here."""
        shown: set[str] = set()
        for name, label in self.errors.items():
            message = problems.get(name, "")
            if message and not self.rows[name][1].isHidden():
                shown.add(name)
            label.setText(message)
            label.setVisible(bool(message))
        return shown

    def set_read_only(self, read_only: bool) -> None:
        for widget in self.inputs.values():
            if isinstance(widget, QLineEdit):
                widget.setReadOnly(read_only)
            else:
                widget.setEnabled(not read_only)
