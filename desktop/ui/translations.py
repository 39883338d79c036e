"""French everywhere: QLocale fr_FR, Qt's own French catalog, and ours when one is shipped.

Our source strings are written in French (the product's language, see docs/decisions-desktop.md)
and wrapped in `tr()` so `pyside6-lupdate` can extract them for another language later.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

log = logging.getLogger(__name__)

FRENCH = QLocale(QLocale.Language.French, QLocale.Country.France)
# Source strings that Qt 6.11 gained a mnemonic for while qtbase_fr.qm still has the old text:
# without these the file chooser reads « Look in: » and « Files of type: » (issue 12 item 5).
QT_GAPS: dict[tuple[str, str], str] = {
    ("QFileDialog", "&Look in:"): "&Regarder dans\u00a0:",
    ("QFileDialog", "Files of &type:"): "Fichiers de &type\u00a0:",
}
OWN_CATALOGS = Path(__file__).resolve().parents[2] / "resources" / "i18n"


class QtGapsTranslator(QTranslator):
    """Fills the few strings of Qt's own dialogs that its French catalog misses (`QT_GAPS`)."""

    def translate(
        self, context: str, source_text: str, _disambiguation: str | None = None, _n: int = -1
    ) -> str | None:
        # None is a null QString: Qt then asks the next translator (an empty string would win).
        return QT_GAPS.get((context, source_text))

    def isEmpty(self) -> bool:
        return False


def install_translations(app: QCoreApplication) -> list[QTranslator]:
    """Set the French locale and install Qt's and our translators; returns them (keep references)."""
    QLocale.setDefault(FRENCH)
    installed: list[QTranslator] = []
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name in ("qtbase", "qt"):
        translator = QTranslator(app)
        if translator.load(FRENCH, name, "_", qt_dir):
            app.installTranslator(translator)
            installed.append(translator)
            break  # qtbase_fr.qm holds the standard buttons and dialogs
    else:
        log.warning("Qt's French catalog was not found in %s", qt_dir)
    gaps = QtGapsTranslator(app)
    app.installTranslator(gaps)  # consulted first: it answers only for the strings Qt's catalog lacks
    installed.append(gaps)
    own = OWN_CATALOGS / "teleconsult_fr.qm"
    if own.exists():
        translator = QTranslator(app)
        if translator.load(str(own)):
            app.installTranslator(translator)
            installed.append(translator)
    return installed
