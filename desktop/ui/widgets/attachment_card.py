"""A document in a conversation: photo or first-page thumbnail, name, size, « Ouvrir », « Enregistrer… »."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QImage, QImageReader, QMouseEvent, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from contracts.fr_format import file_size
from contracts.wire.conversations import AttachmentPublic
from desktop.ui.icons import pixmap
from desktop.ui.widgets.plain_text import PlainLabel

THUMBNAIL = QSize(220, 220)
PDF = "application/pdf"


class _Preview(PlainLabel):
    """The thumbnail; a click opens the document (« Ouvrir » does the same from the keyboard)."""

    clicked = Signal()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if (
            event.button() == Qt.MouseButton.LeftButton
            and self.pixmap() is not None
            and not self.pixmap().isNull()
        ):
            self.clicked.emit()
        super().mousePressEvent(event)


class AttachmentCard(QFrame):
    """Emits intents; the presenter downloads and opens or saves."""

    open_requested = Signal(object)  # AttachmentPublic
    save_requested = Signal(object)  # AttachmentPublic

    def __init__(self, attachment: AttachmentPublic, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.attachment = attachment
        self.setObjectName("attachmentCard")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.preview = _Preview(self)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.clicked.connect(lambda: self.open_requested.emit(self.attachment))
        self.is_pdf = attachment.content_type == PDF
        if attachment.is_image or self.is_pdf:
            self.preview.setText(self.tr("Aperçu en cours…"))
            self.preview.setMinimumSize(QSize(120, 80))
            self.preview.setAccessibleName(
                (
                    self.tr("Aperçu de la photo %1")
                    if attachment.is_image
                    else self.tr("Aperçu de la première page de %1")
                ).replace("%1", attachment.filename)
            )
            layout.addWidget(self.preview)
        else:
            self.preview.hide()
        row = QHBoxLayout()
        kind = PlainLabel(self)
        kind.setPixmap(pixmap("photo" if attachment.is_image else "document", 22))
        row.addWidget(kind)
        self.name = PlainLabel(f"{attachment.filename}  ({file_size(attachment.size)})", self)
        self.name.setWordWrap(True)
        self.open_button = QPushButton(self.tr("Ouvrir"), self)
        self.open_button.setAccessibleName(self.tr("Ouvrir %1").replace("%1", attachment.filename))
        self.save_button = QPushButton(self.tr("Enregistrer…"), self)
        self.save_button.setAccessibleName(self.tr("Enregistrer %1 sous…").replace("%1", attachment.filename))
        row.addWidget(self.name, 1)
        row.addWidget(self.open_button)
        row.addWidget(self.save_button)
        layout.addLayout(row)
        self.open_button.clicked.connect(lambda: self.open_requested.emit(self.attachment))
        self.save_button.clicked.connect(lambda: self.save_requested.emit(self.attachment))

    def set_thumbnail(self, path: Path) -> None:
        """Decode only a thumbnail-sized image (a 12-megapixel photo would cost ~50 MB)."""
        reader = QImageReader(str(path))
        reader.setAutoTransform(True)
        size = reader.size()
        if size.isValid():
            reader.setScaledSize(size.scaled(THUMBNAIL, Qt.AspectRatioMode.KeepAspectRatio))
        self.set_image(reader.read())

    def set_image(self, image: QImage | None) -> None:
        """Show `image` as the thumbnail, or « Aperçu indisponible » (damaged or protected file)."""
        if image is None or image.isNull():
            self.preview.setText(self.tr("Aperçu indisponible"))
            return
        pixmap = QPixmap.fromImage(image)
        self.preview.setPixmap(pixmap)
        self.preview.setMinimumSize(pixmap.size())  # never cropped by a crowded layout
        self.preview.setCursor(Qt.CursorShape.PointingHandCursor)
