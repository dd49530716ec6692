"""PySide6 screens of the counter; talks only to app.services."""

from ui import qt_fixes

qt_fixes.install()
