"""The one QApplication of a OneWindow process: names for QSettings, and Qt's own strings in Chinese."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from ui.i18n import tr


def install_chinese(app: QCoreApplication) -> bool:
    """Load Qt's qtbase_zh_CN (OK, Cancel, print dialogs); True when it was found."""
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load("qtbase_zh_CN", folder):
        return False
    return app.installTranslator(translator)


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
