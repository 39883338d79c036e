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
OWN_CATALOGS = Path(__file__).resolve().parents[2] / "resources" / "i18n"


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
    own = OWN_CATALOGS / "teleconsult_fr.qm"
    if own.exists():
        translator = QTranslator(app)
        if translator.load(str(own)):
            app.installTranslator(translator)
            installed.append(translator)
    return installed
