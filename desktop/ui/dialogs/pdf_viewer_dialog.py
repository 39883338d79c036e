"""« Aperçu » of a PDF inside the app: one page at a time, page navigation and zoom (dumb: emits intents).

Keys: Page suivante / Page précédente (PgDn / PgUp), Ctrl++ / Ctrl+- / Ctrl+0 for the zoom, Échap
closes. The pages are rendered by `PdfPreviewService` off the GUI thread; the presenter answers
`page_requested(index, zoom)` with `show_page`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.services.pdf_preview import PageImage
from desktop.ui.theme import set_role
from desktop.ui.widgets.plain_text import PlainLabel

ZOOMS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0)


def to_qimage(page: PageImage) -> QImage:
    """A `QImage` owning a copy of the rendered RGB buffer."""
    image = QImage(page.rgb, page.width, page.height, page.stride, QImage.Format.Format_RGB888)
    return image.copy()


class PdfViewerDialog(QDialog):
    """Shows the page it is given; asks for others with `page_requested(index, zoom)`."""

    page_requested = Signal(int, float)
    open_external_requested = Signal()

    def __init__(self, filename: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pdfViewer")
        self.setWindowTitle(self.tr("Aperçu — %1").replace("%1", filename))
        self.setAccessibleName(self.tr("Aperçu du document %1").replace("%1", filename))
        self.resize(820, 900)
        self.index = 0
        self.count = 0
        self.zoom = 1.0
        column = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.previous = QPushButton(self.tr("◀ Page précédente"), self)
        self.previous.setAccessibleName(self.tr("Page précédente (Page haut)"))
        self.previous.clicked.connect(self.show_previous)
        self.position = PlainLabel(self)
        self.position.setObjectName("pdfPosition")
        self.position.setAccessibleName(self.tr("Page affichée"))
        self.next = QPushButton(self.tr("Page suivante ▶"), self)
        self.next.setAccessibleName(self.tr("Page suivante (Page bas)"))
        self.next.clicked.connect(self.show_next)
        self.zoom_out = QPushButton("−", self)
        self.zoom_out.setAccessibleName(self.tr("Réduire (Ctrl+-)"))
        self.zoom_out.clicked.connect(lambda: self._step_zoom(-1))
        self.zoom_label = PlainLabel(self)
        self.zoom_label.setObjectName("pdfZoom")
        self.zoom_label.setAccessibleName(self.tr("Zoom"))
        self.zoom_in = QPushButton("+", self)
        self.zoom_in.setAccessibleName(self.tr("Agrandir (Ctrl++)"))
        self.zoom_in.clicked.connect(lambda: self._step_zoom(1))
        self.external = QPushButton(self.tr("Ouvrir avec le lecteur PDF…"), self)
        self.external.setAccessibleName(self.tr("Ouvrir avec le lecteur PDF du système"))
        self.external.clicked.connect(self.open_external_requested)
        for widget in (self.previous, self.position, self.next):
            bar.addWidget(widget)
        bar.addStretch(1)
        for widget in (self.zoom_out, self.zoom_label, self.zoom_in):
            bar.addWidget(widget)
        bar.addSpacing(12)
        bar.addWidget(self.external)
        column.addLayout(bar)
        self.error = PlainLabel(self)
        self.error.setObjectName("pdfError")
        self.error.setWordWrap(True)
        set_role(self.error, "error")
        self.error.hide()
        column.addWidget(self.error)
        self.page = PlainLabel(self)
        self.page.setObjectName("pdfPage")
        self.page.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.page.setText(self.tr("Chargement de l'aperçu…"))
        self.area = QScrollArea(self)
        self.area.setWidget(self.page)
        self.area.setWidgetResizable(True)
        self.area.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.area.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # arrows scroll the page
        column.addWidget(self.area, 1)
        for keys, slot in (
            (QKeySequence(Qt.Key.Key_PageDown), self.show_next),
            (QKeySequence(Qt.Key.Key_PageUp), self.show_previous),
            (QKeySequence.StandardKey.ZoomIn, lambda: self._step_zoom(1)),
            (QKeySequence("Ctrl+="), lambda: self._step_zoom(1)),
            (QKeySequence.StandardKey.ZoomOut, lambda: self._step_zoom(-1)),
            (QKeySequence("Ctrl+0"), self._reset_zoom),
        ):
            shortcut = QShortcut(keys, self)
            shortcut.activated.connect(slot)
        self._render_state()

    # ---------------------------------------------------------------- rendering
    def show_page(self, page: PageImage) -> None:
        self.index, self.count = page.page_index, page.page_count
        self.error.hide()
        self.page.setPixmap(QPixmap.fromImage(to_qimage(page)))
        self.page.setAccessibleName(
            self.tr("Page %1 sur %2")
            .replace("%1", str(page.page_index + 1))
            .replace("%2", str(page.page_count))
        )
        self._render_state()

    def show_error(self, text: str) -> None:
        """A French sentence: damaged or protected PDF. The dialog stays open (« Ouvrir avec… »)."""
        self.error.setText(text)
        self.error.setAccessibleName(text)
        self.error.show()
        self.page.setText(self.tr("Aperçu indisponible"))
        self._render_state()

    # ---------------------------------------------------------------- intents
    def show_next(self) -> None:
        if self.index + 1 < self.count:
            self.page_requested.emit(self.index + 1, self.zoom)

    def show_previous(self) -> None:
        if self.index > 0:
            self.page_requested.emit(self.index - 1, self.zoom)

    def _step_zoom(self, step: int) -> None:
        position = min(range(len(ZOOMS)), key=lambda i: abs(ZOOMS[i] - self.zoom))
        target = ZOOMS[min(max(position + step, 0), len(ZOOMS) - 1)]
        if target != self.zoom and self.count:
            self.zoom = target
            self._render_state()
            self.page_requested.emit(self.index, self.zoom)

    def _reset_zoom(self) -> None:
        if self.zoom != 1.0 and self.count:
            self.zoom = 1.0
            self._render_state()
            self.page_requested.emit(self.index, self.zoom)

    def _render_state(self) -> None:
        self.position.setText(
            self.tr("Page %1 sur %2").replace("%1", str(self.index + 1)).replace("%2", str(self.count))
            if self.count
            else ""
        )
        self.zoom_label.setText(f"{round(self.zoom * 100)}\u00a0%")
        self.previous.setEnabled(self.index > 0)
        self.next.setEnabled(self.index + 1 < self.count)
        self.zoom_out.setEnabled(bool(self.count) and self.zoom > ZOOMS[0])
        self.zoom_in.setEnabled(bool(self.count) and self.zoom < ZOOMS[-1])
