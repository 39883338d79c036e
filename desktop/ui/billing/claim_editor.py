"""The claim editor page: the act (when, what, in which context), its lines, the patient and coverage
fields, totals with the reimbursement estimate, and what to do with the claim.

Dumb: `ClaimEditorPresenter` fills it and reacts to its intents. Messages sit next to their field
(`show_problems`); what has no field of its own is listed above the buttons. Keys: Ctrl+S saves
the draft, Ctrl+Entrée marks it ready, Échap goes back.
"""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise

from PySide6.QtCore import QDateTime, QSignalBlocker, Qt, QTimeZone, Signal
from PySide6.QtGui import QKeySequence, QMouseEvent, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from contracts.clock import PARIS
from desktop.ui.billing.claim_lines_table import ClaimLinesTable
from desktop.ui.billing.claim_patient_form import ClaimPatientForm
from desktop.ui.billing.transmission_notice import TransmissionNotice
from desktop.ui.theme import set_role
from desktop.ui.widgets.plain_text import PlainLabel

PARIS_ZONE = QTimeZone(b"Europe/Paris")


class _ToggleLabel(PlainLabel):
    """A wrapping label that ticks its box when clicked, like a checkbox's own text."""

    def __init__(self, text: str, box: QCheckBox, parent: QWidget) -> None:
        super().__init__(text, parent)
        self._box = box
        self.setWordWrap(True)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._box.isEnabled() and event.button() is Qt.MouseButton.LeftButton:
            self._box.toggle()
            self._box.setFocus()
        super().mouseReleaseEvent(event)


class ClaimEditor(QWidget):
    """The « Feuille de soins » page."""

    back_requested = Signal()
    performed_at_edited = Signal(object)  # aware datetime
    activity_edited = Signal(object)  # Activity value or None
    setting_edited = Signal(object)  # NurseSetting value or None
    flag_toggled = Signal(str, bool)
    resuggest_requested = Signal()
    save_requested = Signal()
    ready_requested = Signal()
    draft_requested = Signal()  # « Repasser en brouillon »
    export_requested = Signal(str)  # json | csv
    recap_requested = Signal()
    note_requested = Signal()
    payment_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("claimEditor")
        self.setAccessibleName(self.tr("Feuille de soins"))
        column = QVBoxLayout(self)
        top = QHBoxLayout()
        self.back = QPushButton(self.tr("← Retour"), self)
        self.back.setAccessibleName(self.tr("Retour (Échap)"))
        self.back.clicked.connect(self.back_requested)
        self.title = PlainLabel(self)
        set_role(self.title, "title")
        self.status = PlainLabel(self)
        self.status.setObjectName("claimStatus")
        set_role(self.status, "chip")
        top.addWidget(self.back)
        top.addWidget(self.title, 1)
        top.addWidget(self.status)
        column.addLayout(top)
        column.addWidget(TransmissionNotice(self))

        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        # Long texts wrap (the declared context too), so the columns fit; a scrollbar is left for
        # a very narrow window rather than a right column cut off with no way to reach it.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        body = QWidget(scroll)
        columns = QHBoxLayout(body)
        content = QVBoxLayout()
        act = QGroupBox(self.tr("Acte"), body)
        form = QFormLayout(act)
        self.performed_at = QDateTimeEdit(act)
        self.performed_at.setObjectName("claim_performed_at")
        self.performed_at.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.performed_at.setTimeZone(PARIS_ZONE)
        self.performed_at.setCalendarPopup(True)
        self.performed_at.setAccessibleName(self.tr("Date et heure de l'acte, heure de Paris"))
        self.performed_at.editingFinished.connect(self._on_performed_at_editing_finished)
        self.performed_at_error = PlainLabel(act)
        set_role(self.performed_at_error, "error")
        self.performed_at_error.hide()
        when = QVBoxLayout()
        when.addWidget(self.performed_at)
        when.addWidget(self.performed_at_error)
        form.addRow(self._buddy(self.tr("Date et &heure (Paris)"), self.performed_at, act), when)
        self.activity = QComboBox(act)
        self.activity.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.activity.setMinimumContentsLength(14)
        self.activity.setAccessibleName(self.tr("Type d'acte"))
        self.activity.activated.connect(lambda _i: self.activity_edited.emit(self.activity.currentData()))
        form.addRow(self._buddy(self.tr("&Type d'acte"), self.activity, act), self.activity)
        self.setting = QComboBox(act)
        self.setting.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setting.setMinimumContentsLength(14)
        self.setting.setAccessibleName(self.tr("Lieu de l'accompagnement"))
        self.setting.activated.connect(lambda _i: self.setting_edited.emit(self.setting.currentData()))
        self.setting_label = self._buddy(self.tr("&Lieu de l'accompagnement"), self.setting, act)
        form.addRow(self.setting_label, self.setting)
        self.flags_toggle = QToolButton(act)
        self.flags_toggle.setText(self.tr("Contexte déclaré (majorations)"))
        self.flags_toggle.setCheckable(True)
        self.flags_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.flags_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.flags_toggle.setAutoRaise(True)
        self.flags_toggle.setAccessibleName(self.tr("Afficher le contexte déclaré"))
        self.flags_toggle.toggled.connect(self._on_flags_toggle_toggled)
        form.addRow(self.flags_toggle)
        self.flags_box = QWidget(act)
        self.flags_layout = QVBoxLayout(self.flags_box)
        self.flags_layout.setContentsMargins(16, 0, 0, 0)
        self.flags: dict[str, QCheckBox] = {}
        self._flag_rows: list[QWidget] = []
        self.flags_box.hide()
        form.addRow(self.flags_box)
        self.notes = PlainLabel(act)
        self.notes.setObjectName("claimNotes")
        self.notes.setWordWrap(True)
        set_role(self.notes, "warning")
        self.notes.hide()
        form.addRow(self.notes)
        self.resuggest = QPushButton(self.tr("Recalculer la cotation"), act)
        self.resuggest.setToolTip(self.tr("Reprendre l'acte et les majorations proposés par le catalogue"))
        self.resuggest.clicked.connect(self.resuggest_requested)
        form.addRow(self.resuggest)
        content.addWidget(act)
        self.lines = ClaimLinesTable(body)
        lines_box = QGroupBox(self.tr("Cotation"), body)
        QVBoxLayout(lines_box).addWidget(self.lines)
        content.addWidget(lines_box)
        totals = QGroupBox(self.tr("Montants"), body)
        totals_column = QVBoxLayout(totals)
        self.total = PlainLabel(totals)
        self.total.setObjectName("claimTotal")
        set_role(self.total, "subtitle")
        self.estimate = PlainLabel(totals)
        self.estimate.setObjectName("claimEstimate")
        self.estimate.setWordWrap(True)
        self.payment_note = PlainLabel(totals)  # what the patient paid, and what it decided
        self.payment_note.setObjectName("claimPaymentNote")
        self.payment_note.setWordWrap(True)
        set_role(self.payment_note, "info")
        self.payment_note.hide()
        for label in (self.total, self.estimate, self.payment_note):
            label.setTextFormat(Qt.TextFormat.PlainText)
            totals_column.addWidget(label)
        content.addWidget(totals)
        content.addStretch(1)
        self.form = ClaimPatientForm(body)
        form_column = QVBoxLayout()
        form_column.addWidget(self.form)
        form_column.addStretch(1)
        columns.addLayout(content, 3)
        columns.addLayout(form_column, 2)
        scroll.setWidget(body)
        column.addWidget(scroll, 1)

        self.problems = PlainLabel(self)
        self.problems.setObjectName("claimProblems")
        self.problems.setWordWrap(True)
        set_role(self.problems, "error")
        column.addWidget(self.problems)
        buttons = QHBoxLayout()
        self.save = QPushButton(self.tr("Enregistrer le brouillon"), self)
        self.save.setToolTip(self.tr("Enregistrer sur le serveur sans valider (Ctrl+S)"))
        self.save.clicked.connect(self.save_requested)
        self.ready = QPushButton(self.tr("Marquer prête"), self)
        self.ready.setToolTip(
            self.tr("Valider et enregistrer : la feuille pourra être exportée (Ctrl+Entrée)")
        )
        self.ready.clicked.connect(self.ready_requested)
        self.draft = QPushButton(self.tr("Repasser en brouillon"), self)
        self.draft.clicked.connect(self.draft_requested)
        self.export = QToolButton(self)
        self.export.setText(self.tr("Exporter"))
        self.export.setAccessibleName(self.tr("Exporter la feuille de soins"))
        self.export.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        export_menu = QMenu(self.export)
        export_menu.addAction(self.tr("Fichier JSON…"), lambda: self.export_requested.emit("json"))
        export_menu.addAction(self.tr("Fichier CSV…"), lambda: self.export_requested.emit("csv"))
        self.export.setMenu(export_menu)
        self.recap = QPushButton(self.tr("Récapitulatif PDF…"), self)
        self.recap.clicked.connect(self.recap_requested)
        self.note = QPushButton(self.tr("Envoyer la note d'honoraires"), self)
        self.note.setToolTip(self.tr("Numéroter la note, la mettre en PDF et l'envoyer dans la conversation"))
        self.note.clicked.connect(self.note_requested)
        self.payment = QPushButton(self.tr("Demander le paiement"), self)
        self.payment.clicked.connect(self.payment_requested)
        for button in (self.save, self.ready, self.draft, self.export, self.recap, self.note, self.payment):
            buttons.addWidget(button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        for keys, slot in (
            (QKeySequence.StandardKey.Save, self.save.click),
            (QKeySequence("Ctrl+Return"), self.ready.click),
            (QKeySequence(Qt.Key.Key_Escape), self.back.click),
        ):
            shortcut = QShortcut(keys, self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

    @staticmethod
    def _buddy(text: str, widget: QWidget, parent: QWidget) -> QLabel:
        label = PlainLabel(text, parent)
        label.setBuddy(widget)  # Alt + the underlined letter reaches the field
        return label

    # ---------------------------------------------------------------- rendering
    def set_heading(self, title: str, status_label: str) -> None:
        self.title.setText(title)
        self.status.setText(status_label)
        self.status.setAccessibleName(self.tr("Statut : %1").replace("%1", status_label))

    def set_performed_at(self, moment: datetime) -> None:
        with QSignalBlocker(self.performed_at):
            self.performed_at.setDateTime(QDateTime.fromSecsSinceEpoch(int(moment.timestamp()), PARIS_ZONE))

    def set_choices(self, combo: QComboBox, choices: list[tuple[str, object]], current: object) -> None:
        with QSignalBlocker(combo):
            combo.clear()
            for text, value in choices:
                combo.addItem(text, value)
            combo.setCurrentIndex(max(0, combo.findData(current)))

    def set_setting_visible(self, visible: bool) -> None:
        self.setting.setVisible(visible)
        self.setting_label.setVisible(visible)

    def set_flags(self, flags: list[tuple[str, str]], checked: set[str]) -> None:
        """Context flags (code, French label) the practitioner may declare.

        Kept as they are when the same flags are shown again (only their ticks change), so the
        box with the focus keeps it. Each label wraps: a QCheckBox's own text does not, and the
        longest one pushed the right column off screen.
        """
        if list(self.flags) == [code for code, _ in flags]:
            for code, box in self.flags.items():
                with QSignalBlocker(box):
                    box.setChecked(code in checked)
        else:
            for row in self._flag_rows:
                self.flags_layout.removeWidget(row)
                row.hide()
                row.deleteLater()
            self.flags, self._flag_rows = {}, []
            for code, text in flags:
                row = QWidget(self.flags_box)
                line = QHBoxLayout(row)
                line.setContentsMargins(0, 0, 0, 0)
                box = QCheckBox(row)
                box.setObjectName(f"flag_{code}")
                box.setAccessibleName(text)
                box.setChecked(code in checked)
                box.toggled.connect(lambda on, c=code: self.flag_toggled.emit(c, on))
                label = _ToggleLabel(text, box, row)
                line.addWidget(box, 0, Qt.AlignmentFlag.AlignTop)
                line.addWidget(label, 1)
                self.flags_layout.addWidget(row)
                self.flags[code] = box
                self._flag_rows.append(row)
        if checked:
            self.flags_toggle.setChecked(True)

    def set_payment_note(self, text: str | None) -> None:
        self.payment_note.setText(text or "")
        self.payment_note.setAccessibleName(text or "")
        self.payment_note.setVisible(bool(text))

    def chain_tab_order(self) -> None:
        """Tab visits the page top to bottom, left column then right column, then the buttons.

        Widgets made after the page (the context boxes, the lines) would otherwise come last,
        after the buttons.
        """
        order: list[QWidget] = [
            self.performed_at, self.activity, self.setting, self.flags_toggle, *self.flags.values(),
            self.resuggest, *self.lines.tab_widgets(), *self.form.tab_widgets(),
            self.save, self.ready, self.draft, self.export, self.recap, self.note, self.payment,
        ]  # fmt: skip
        for before, after in pairwise(order):
            QWidget.setTabOrder(before, after)

    def _on_flags_toggle_toggled(self, shown: bool) -> None:
        self.flags_box.setVisible(shown)
        self.flags_toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

    def set_notes(self, notes: list[str]) -> None:
        self.notes.setText("\n".join(notes))
        self.notes.setVisible(bool(notes))

    def set_totals(self, total: str, estimate: str) -> None:
        self.total.setText(total)
        self.total.setAccessibleName(total)
        self.estimate.setText(estimate)
        self.estimate.setAccessibleName(estimate)

    def show_problems(self, problems: dict[str, str], summary: str, *, complete: bool = False) -> None:
        """Each message next to its field; the others (and `summary`) above the buttons."""
        shown = self.form.set_problems(problems) | self.lines.set_problems(problems)
        when = problems.get("performed_at", "")
        self.performed_at_error.setText(when)
        self.performed_at_error.setVisible(bool(when))
        shown.add("performed_at")
        rest = [message for field, message in problems.items() if field not in shown]
        self.problems.setText("\n".join([summary, *rest]).strip())
        set_role(self.problems, "success" if complete and not rest else "error")
        self.problems.setVisible(bool(self.problems.text()))

    def set_editable(self, editable: bool, *, can_go_back_to_draft: bool, stored: bool) -> None:
        """A draft is edited; any other status is read-only (and may go back to draft)."""
        self.form.set_read_only(not editable)
        self.lines.set_read_only(not editable)
        for widget in (self.performed_at, self.activity, self.setting, self.flags_box, self.resuggest):
            widget.setEnabled(editable)
        self.save.setVisible(editable)
        self.ready.setVisible(editable)
        self.draft.setVisible(can_go_back_to_draft)
        self.export.setEnabled(not editable)
        self.recap.setEnabled(stored)

    def set_busy(self, busy: bool) -> None:
        for button in (self.save, self.ready, self.draft, self.note, self.payment):
            button.setEnabled(not busy)

    # ---------------------------------------------------------------- intents
    def _on_performed_at_editing_finished(self) -> None:
        moment = self.performed_at.dateTime().toSecsSinceEpoch()
        self.performed_at_edited.emit(datetime.fromtimestamp(moment, PARIS))
