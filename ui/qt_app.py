"""The one QApplication of a OneWindow process: names for QSettings, and Qt's own strings in Chinese."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from app.services.types import resource_path
from ui.i18n import tr


def install_chinese(app: QCoreApplication) -> bool:
    """Load Qt's qtbase_zh_CN (OK, Cancel, print and file dialogs; it ships with PySide6) and our
    resources/translations/qt_extra_zh_CN.qm over it (the file dialog's "&Look in:" and
    "Files of &type:", which that catalogue has only without the accelerator); True when found.
    Both are compiled catalogues: a translator written in Python would be called from print
    threads and deadlock on the GIL."""
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load("qtbase_zh_CN", folder):
        return False
    ok = app.installTranslator(translator)
    extra = QTranslator(app)
    if extra.load(str(resource_path("translations", "qt_extra_zh_CN.qm"))):
        app.installTranslator(extra)  # asked first; anything it lacks falls through to qtbase
    return ok


def make_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QCoreApplication.setOrganizationName("OneWindow")
    QCoreApplication.setApplicationName("OneWindow")
    app = QApplication(argv or sys.argv[:1])
    app.setApplicationDisplayName(tr("一窗通"))
    install_chinese(app)
    return app
