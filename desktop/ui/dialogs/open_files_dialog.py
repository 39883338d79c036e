"""« Joindre un document »: choose files to send, opened window-modal and awaited (never `exec()`).

`QFileDialog.getOpenFileNames` runs a nested event loop; inside the qasync loop that re-enters
asyncio (docs/decisions-desktop.md). Like `SaveDialog`, this dialog is opened with `open()` and
its choice awaited through `run_dialog`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from desktop.ui.dialogs.run import run_dialog


class OpenFilesDialog(QFileDialog):
    """Choose existing files; `await OpenFilesDialog.choose(…)` returns them (none when cancelled)."""

    def __init__(self, parent: QWidget | None, title: str, folder: Path, name_filter: str) -> None:
        super().__init__(parent, title, str(folder))
        self.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
        self.setFileMode(QFileDialog.FileMode.ExistingFiles)
        self.setNameFilter(name_filter)

    @classmethod
    async def choose(cls, parent: QWidget | None, title: str, folder: Path, name_filter: str) -> list[Path]:
        dialog = cls(parent, title, folder, name_filter)
        try:
            result = await run_dialog(dialog)
            if result != QFileDialog.DialogCode.Accepted.value:
                return []
            return [Path(name) for name in dialog.selectedFiles()]
        finally:
            dialog.deleteLater()
