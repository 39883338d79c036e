"""« Enregistrer sous » for documents, exports and recaps, opened window-modal and awaited (never `exec()`).

`QFileDialog.getSaveFileName` runs a nested event loop; inside the qasync loop that re-enters
asyncio (docs/decisions-desktop.md). This dialog is opened with `open()` and its choice awaited
through a future, like every other dialog of the app.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from desktop.ui.dialogs.run import run_dialog

FILTERS = {
    "json": "JSON (*.json)",
    "csv": "CSV (*.csv)",
    "pdf": "PDF (*.pdf)",
    "jpg": "JPEG (*.jpg *.jpeg)",
    "jpeg": "JPEG (*.jpg *.jpeg)",
    "png": "PNG (*.png)",
}


class SaveDialog(QFileDialog):
    """Choose where to write a file; `await SaveDialog.choose(…)` returns the path or None."""

    def __init__(self, parent: QWidget | None, title: str, suggested: Path, kind: str) -> None:
        super().__init__(parent, title, str(suggested))
        self.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        self.setFileMode(QFileDialog.FileMode.AnyFile)
        self.setNameFilter(FILTERS.get(kind, ""))
        self.setDefaultSuffix(kind)
        self.selectFile(suggested.name)

    @classmethod
    async def choose(cls, parent: QWidget | None, title: str, suggested: Path, kind: str) -> Path | None:
        dialog = cls(parent, title, suggested, kind)
        try:
            result = await run_dialog(dialog)
            files = dialog.selectedFiles()
            return Path(files[0]) if result == QFileDialog.DialogCode.Accepted.value and files else None
        finally:
            dialog.deleteLater()


def documents_folder() -> Path:
    """Where exports are suggested first: the user's documents folder, or home."""
    documents = Path.home() / "Documents"
    return documents if documents.is_dir() else Path.home()
