"""Issue 12 item 5: the layout stays put and readable (geometry asserted, no server needed).

The « + » stays bottom-right, the self-hiding message bar never moves the content, labels and
menu buttons are wide enough for their text, the call's fullscreen icon stays visible under the
mouse, the no-result text does not leave orphan words, and Qt's own dialogs read in French.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QColor, QEnterEvent, QImage, QTextLayout, QTextOption
from PySide6.QtWidgets import (
    QApplication,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QStyle,
    QToolButton,
    QWidget,
)

from desktop.kernel.messages import Level, UserMessage
from desktop.ui.billing.billing_page import BillingPage
from desktop.ui.call.call_window import CallWindow
from desktop.ui.dialogs.invitation_dialog import InvitationDialog
from desktop.ui.main_window import CONVERSATION, MainWindow
from desktop.ui.theme import contrast
from desktop.ui.widgets.conversation_list_model import ConversationListModel


def _now() -> datetime:
    return datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def window(qtbot: object) -> Iterator[MainWindow]:
    main = MainWindow(ConversationListModel(lambda _id: None, _now))
    main.resize(1180, 760)
    main.show()
    settle()
    yield main
    main.allow_close = True
    main.close()
    main.deleteLater()


def settle() -> None:
    """Deliver pending layout requests (no waiting on the clock)."""
    QApplication.processEvents()


def in_window(widget: QWidget) -> QRect:
    return QRect(widget.mapTo(widget.window(), QPoint(0, 0)), widget.size())


def test_the_plus_button_stays_bottom_right_with_or_without_requests(window: MainWindow) -> None:
    central = window.centralWidget()
    assert central is not None
    for count in (0, 2, 0):
        window.requests_banner.set_count(count)
        settle()
        assert window.requests_banner.isVisible() is (count > 0)
        plus = in_window(window.plus)
        assert central.width() - 24 <= plus.right() + 1 <= central.width(), (count, plus)
        assert central.height() - 24 <= plus.bottom() + 1 <= central.height(), (count, plus)


@pytest.mark.parametrize("level", [Level.INFO, Level.ERROR])
def test_the_message_bar_never_moves_the_content(window: MainWindow, level: Level) -> None:
    watched = [window.conversation_list.list, window.conversation_list.search, window.stack, window.plus]
    before = [in_window(w) for w in watched]
    window.message_bar.show_message(UserMessage(level, "Invitation renvoyée à Hélène Dupont."))
    settle()
    bar = in_window(window.message_bar)
    assert window.message_bar.isVisible() and bar.height() >= 24
    assert [in_window(w) for w in watched] == before  # nothing under the mouse moved
    assert bar.intersects(in_window(window.splitter))  # it floats over the content…
    centre = window.message_bar.rect().center()
    top = window.childAt(window.message_bar.mapTo(window, centre))
    assert top is not None and (top is window.message_bar or window.message_bar.isAncestorOf(top))  # …on top
    window.resize(900, 700)  # it follows the window's width
    settle()
    assert window.message_bar.width() == window.splitter.width()
    window.message_bar.hide()
    settle()
    window.resize(1180, 760)
    settle()
    assert [in_window(w) for w in watched] == before


def _menu_button_fits(button: QToolButton) -> None:
    """The text plus the menu arrow fit in the button (the arrow drawn over « réglé » was the bug)."""
    text = button.fontMetrics().horizontalAdvance(button.text().replace("&", ""))
    arrow = button.style().pixelMetric(QStyle.PixelMetric.PM_MenuButtonIndicator, None, button)
    assert button.width() >= button.sizeHint().width(), button.text()
    assert button.width() - arrow - 8 >= text, (button.text(), button.width(), text, arrow)


def test_labels_and_menu_buttons_are_not_clipped(window: MainWindow, qtbot: object) -> None:
    billing = BillingPage(date(2026, 3, 2))
    billing.resize(1000, 700)
    billing.show()
    settle()
    _menu_button_fits(billing.status_button)
    billing.tabs.setCurrentIndex(1)  # « Paiements »
    settle()
    _menu_button_fits(billing.mark_paid)
    assert billing.mark_paid.text() == "Marquer comme réglé"
    window.show_page(CONVERSATION)
    settle()
    _menu_button_fits(window.conversation.help_button)
    billing.deleteLater()

    dialog = InvitationDialog()
    dialog.show()
    dialog.resize(dialog.minimumSizeHint())  # the smallest the practitioner can make it
    settle()
    labels = {label.text().replace("&", ""): label for label in dialog.findChildren(QLabel) if label.buddy()}
    assert "Téléphone portable" in labels
    for text, label in labels.items():
        assert label.width() >= label.sizeHint().width(), text
        field = label.buddy()
        assert field is not None and in_window(field).left() >= in_window(label).right() + 8  # a gap
    dialog.deleteLater()


def test_the_fullscreen_icon_stays_visible_under_the_mouse(qtbot: object) -> None:
    call = CallWindow("Hélène Dupont")
    call.resize(960, 640)
    call.show()
    settle()
    button = call.fullscreen_button
    glyph = button.icon().pixmap(button.iconSize()).toImage()
    opaque = Counter(
        QColor(glyph.pixel(x, y)).name()
        for x in range(glyph.width())
        for y in range(glyph.height())
        if QColor.fromRgba(glyph.pixel(x, y)).alpha() == 255
    )
    icon = opaque.most_common(1)[0][0]  # the icon's stroke colour
    for hovered in (False, True):
        button.setAttribute(Qt.WidgetAttribute.WA_UnderMouse, hovered)
        if hovered:  # what the mouse entering sends: the button then draws its hover state
            inside = QPointF(button.rect().center())
            QApplication.sendEvent(button, QEnterEvent(inside, inside, QPointF(button.mapToGlobal(inside))))
        button.update()
        settle()
        # The window's pixels where the button is: its own background or, if transparent, the call's.
        image = call.grab(button.geometry()).toImage().convertToFormat(QImage.Format.Format_RGB32)
        colours = Counter(
            QColor(image.pixel(x, y)).name() for x in range(image.width()) for y in range(image.height())
        )
        background = colours.most_common(1)[0][0]
        assert contrast(icon, background) >= 3, (hovered, icon, background)  # WCAG non-text contrast
    call.close()
    call.deleteLater()


def _lines(label: QLabel) -> list[list[str]]:
    """How `label` wraps its text at its current width: the lines of each paragraph."""
    width = label.contentsRect().width() - 2 * label.margin() - 2 * label.indent()
    paragraphs = []
    for paragraph in label.text().split("\n"):
        layout = QTextLayout(paragraph, label.font())
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WordWrap)
        layout.setTextOption(option)
        layout.beginLayout()
        lines = []
        while (line := layout.createLine()).isValid():
            line.setLineWidth(width)
            lines.append(paragraph[line.textStart() : line.textStart() + line.textLength()].strip())
        layout.endLayout()
        paragraphs.append(lines)
    return paragraphs


@pytest.mark.parametrize("query", ["zzz", "du", "Jean-Baptiste Delacroix", ""])
def test_the_no_result_text_wraps_without_orphans(window: MainWindow, query: str) -> None:
    page = window.conversation_list
    for list_width in (340, page.minimumWidth()):  # as opened, and as narrow as the splitter allows
        window.splitter.setSizes([list_width, 1180 - list_width])
        page.show_results([], query, None)
        settle()
        assert page.empty.isVisible() and page.width() >= 260
        for lines in _lines(page.empty):
            for line in lines[1:]:  # a wrapped line carries at least two words, never « +. » alone
                assert len(line.split()) >= 2, (query, list_width, lines)
            assert not any(line.startswith(("»", "+", ".")) for line in lines), lines


def test_qt_dialogs_read_in_french(qtbot: object) -> None:
    chooser = QFileDialog(None, "Joindre un document")
    chooser.setOption(QFileDialog.Option.DontUseNativeDialog)
    texts = [label.text() for label in chooser.findChildren(QLabel)]
    texts += [b.text() for b in chooser.findChildren(QWidget) if hasattr(b, "text") and callable(b.text)]
    assert "&Regarder dans\u00a0:" in texts and "Fichiers de &type\u00a0:" in texts
    english = ("Look in", "Files of", "File name", "Cancel", "Open", "Save")
    assert not [t for t in texts if isinstance(t, str) and t.replace("&", "").startswith(english)], texts
    chooser.deleteLater()
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Cancel
        | QDialogButtonBox.StandardButton.Save
        | QDialogButtonBox.StandardButton.Yes
        | QDialogButtonBox.StandardButton.No
    )
    assert sorted(b.text().replace("&", "") for b in buttons.buttons()) == [
        "Annuler",
        "Enregistrer",
        "Non",
        "Oui",
    ]
    box = QMessageBox(
        QMessageBox.Icon.Question, "Teleconsult", "Supprimer ?", QMessageBox.StandardButton.Close
    )
    assert [b.text() for b in box.buttons()] == ["Fermer"]
