"""The act and its majorations in the claim editor: code, label, why it is proposed, amount, « non vérifié ».

A catalog amount that a source confirmed is shown read-only; an unverified or missing amount is
an input the practitioner may change (the claim records who changed it, when, and from what).
Optional majorations (to confirm: coordination, SAS…) are listed underneath with « Ajouter ».
Dumb: the presenter gives `LineView`s and problems; the table emits intents with the line's code.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.theme import set_role
from desktop.ui.widgets.plain_text import PlainLabel


@dataclass(frozen=True, slots=True)
class LineView:
    """What one row shows."""

    field: str  # « act » or « majorations[0] »: where validation problems point
    code: str
    label: str
    amount_text: str  # « 25,00 », « » when still to enter
    unverified: bool
    reason: str = ""
    warnings: tuple[str, ...] = ()
    removable: bool = False
    coefficient_text: str | None = None  # None: the act has no coefficient (« 7,5 » for TMK 7.5)


class ClaimLinesTable(QWidget):
    """Lines of the claim, then the optional majorations."""

    amount_committed = Signal(str, str)  # code, text typed (« 5,50 »)
    coefficient_committed = Signal(str, str)  # code, text typed (« 7,5 »)
    add_requested = Signal(str)  # code of an optional majoration
    remove_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("claimLines")
        self.setAccessibleName(self.tr("Actes et majorations"))
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        self.grid_host = QWidget(self)
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setColumnStretch(1, 1)
        column.addWidget(self.grid_host)
        self.optional_title = QToolButton(self)
        self.optional_title.setCheckable(True)
        self.optional_title.setAutoRaise(True)
        self.optional_title.setArrowType(Qt.ArrowType.RightArrow)
        self.optional_title.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.optional_title.toggled.connect(self._on_optional_title_toggled)
        column.addWidget(self.optional_title)
        self.optional_host = QWidget(self)
        self.optional = QGridLayout(self.optional_host)
        self.optional.setContentsMargins(0, 0, 0, 0)
        self.optional.setColumnStretch(1, 1)
        column.addWidget(self.optional_host)
        self.optional_host.hide()
        self.amounts: dict[str, QLineEdit] = {}
        self.coefficients: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        self.flags: dict[str, QLabel] = {}
        self.add_buttons: dict[str, QPushButton] = {}
        self.remove_buttons: dict[str, QToolButton] = {}
        self._read_only = False

    @staticmethod
    def _clear(grid: QGridLayout) -> None:
        while grid.count():
            item = grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()

    def show_lines(self, lines: list[LineView], optional: list[LineView]) -> None:
        """Rebuild both lists (a few rows: rebuilding is cheaper than diffing)."""
        self._clear(self.grid)
        self.amounts, self.errors, self.flags, self.remove_buttons = {}, {}, {}, {}
        self.coefficients = {}
        headers = (self.tr("Code"), self.tr("Acte ou majoration"), self.tr("Montant (€)"), "", "")
        for col, text in enumerate(headers):
            head = PlainLabel(text, self.grid_host)
            set_role(head, "strong")
            self.grid.addWidget(head, 0, col)
        if not lines:
            none = PlainLabel(self.tr("Aucun acte proposé : voyez les remarques ci-dessus."), self.grid_host)
            set_role(none, "muted")
            self.grid.addWidget(none, 1, 0, 1, 5)
        for index, line in enumerate(lines):
            self._add_line(2 * index + 1, line)
        self._clear(self.optional)
        self.add_buttons = {}
        for index, line in enumerate(optional):
            self._add_optional(index, line)
        self.optional_title.setVisible(bool(optional))
        title = self.tr("Majorations possibles, à confirmer (%1)").replace("%1", str(len(optional)))
        self.optional_title.setText(title)
        self.optional_title.setAccessibleName(title)
        self.set_read_only(self._read_only)

    def _add_line(self, row: int, line: LineView) -> None:
        host = self.grid_host
        code = PlainLabel(line.code, host)
        set_role(code, "strong")
        label = QWidget(host)
        texts = QVBoxLayout(label)
        texts.setContentsMargins(0, 0, 0, 0)
        texts.setSpacing(1)
        for text, role in [(line.label, "")] + [(t, "muted") for t in (line.reason, *line.warnings) if t]:
            part = PlainLabel(text, label)
            part.setWordWrap(True)
            part.setTextFormat(Qt.TextFormat.PlainText)
            if role:
                set_role(part, role)
            texts.addWidget(part)
        if line.coefficient_text is not None:  # TMI, TMK…: the NGAP coefficient of the act
            row_box = QHBoxLayout()
            coefficient = QLineEdit(line.coefficient_text, label)
            coefficient.setObjectName(f"coefficient_{line.code}")
            coefficient.setMaximumWidth(80)
            coefficient.setPlaceholderText("1,6")
            coefficient.setAccessibleName(self.tr("Coefficient de %1").replace("%1", line.code))
            coefficient.editingFinished.connect(
                lambda c=line.code, e=coefficient: self.coefficient_committed.emit(c, e.text())
            )
            caption = PlainLabel(self.tr("Coefficient :"), label)
            caption.setBuddy(coefficient)
            row_box.addWidget(caption)
            row_box.addWidget(coefficient)
            row_box.addStretch(1)
            texts.addLayout(row_box)
            self.coefficients[line.code] = coefficient
        amount = QLineEdit(line.amount_text, host)
        amount.setObjectName(f"amount_{line.code}")
        amount.setAlignment(Qt.AlignmentFlag.AlignRight)
        amount.setMaximumWidth(110)
        amount.setPlaceholderText(self.tr("à saisir"))
        amount.setAccessibleName(self.tr("Montant de %1 en euros").replace("%1", line.code))
        amount.setProperty("editable_amount", line.unverified)
        if line.unverified:
            amount.setToolTip(
                self.tr("Montant non vérifié : contrôlez-le sur ameli.fr, vous pouvez le modifier.")
            )
        else:
            amount.setToolTip(self.tr("Montant du catalogue, vérifié à la source."))
        amount.editingFinished.connect(lambda c=line.code, e=amount: self.amount_committed.emit(c, e.text()))
        flag = PlainLabel(self.tr("non vérifié") if line.unverified else "", host)
        set_role(flag, "warning")
        flag.setAccessibleName(self.tr("Montant non vérifié") if line.unverified else "")
        self.grid.addWidget(code, row, 0, Qt.AlignmentFlag.AlignTop)
        self.grid.addWidget(label, row, 1)
        self.grid.addWidget(amount, row, 2, Qt.AlignmentFlag.AlignTop)
        self.grid.addWidget(flag, row, 3, Qt.AlignmentFlag.AlignTop)
        if line.removable:
            remove = QToolButton(host)
            remove.setText(self.tr("Retirer"))
            remove.setAccessibleName(self.tr("Retirer la majoration %1").replace("%1", line.code))
            remove.clicked.connect(lambda _c=False, c=line.code: self.remove_requested.emit(c))
            self.grid.addWidget(remove, row, 4, Qt.AlignmentFlag.AlignTop)
            self.remove_buttons[line.code] = remove
        error = PlainLabel(host)
        error.setObjectName(f"error_{line.field}")
        set_role(error, "error")
        error.setWordWrap(True)
        error.hide()
        self.grid.addWidget(error, row + 1, 1, 1, 4)
        self.amounts[line.code] = amount
        self.errors[line.field] = error
        self.flags[line.code] = flag

    def _add_optional(self, index: int, line: LineView) -> None:
        host = self.optional_host
        code = PlainLabel(line.code, host)
        text = PlainLabel("\n".join([line.reason or line.label, *line.warnings]), host)
        text.setWordWrap(True)
        set_role(text, "muted")
        amount = PlainLabel(line.amount_text or self.tr("à saisir"), host)
        add = QPushButton(self.tr("Ajouter"), host)
        add.setAccessibleName(self.tr("Ajouter la majoration %1").replace("%1", line.code))
        add.clicked.connect(lambda _c=False, c=line.code: self.add_requested.emit(c))
        self.optional.addWidget(code, index, 0, Qt.AlignmentFlag.AlignTop)
        self.optional.addWidget(text, index, 1)
        self.optional.addWidget(amount, index, 2, Qt.AlignmentFlag.AlignTop)
        self.optional.addWidget(add, index, 3, Qt.AlignmentFlag.AlignTop)
        self.add_buttons[line.code] = add

    def tab_widgets(self) -> list[QWidget]:
        """The lines' fields and buttons in the order Tab visits them (rebuilt at each render)."""
        order: list[QWidget] = []
        for code, amount in self.amounts.items():
            if code in self.coefficients:
                order.append(self.coefficients[code])
            order.append(amount)
            if code in self.remove_buttons:
                order.append(self.remove_buttons[code])
        return [*order, self.optional_title, *self.add_buttons.values()]

    def _on_optional_title_toggled(self, shown: bool) -> None:
        self.optional_host.setVisible(shown)
        self.optional_title.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

    def set_problems(self, problems: dict[str, str]) -> set[str]:
        """Show each line's problems under it; returns the problem fields shown here."""
        shown: set[str] = set()
        for field, label in self.errors.items():
            messages = [m for f, m in problems.items() if f == field or f.startswith(field + ".")]
            shown |= {f for f in problems if f == field or f.startswith(field + ".")}
            label.setText("\n".join(messages))
            label.setVisible(bool(messages))
        return shown

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        for edit in self.amounts.values():
            edit.setReadOnly(read_only or not edit.property("editable_amount"))
        for edit in self.coefficients.values():
            edit.setReadOnly(read_only)
        for button in [*self.add_buttons.values(), *self.remove_buttons.values()]:
            button.setEnabled(not read_only)
