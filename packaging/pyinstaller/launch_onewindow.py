"""PyInstaller entry script for both executables (onewindow, onewindow-cli): runs ui.entry.main.

Kept as a separate file so `ui.entry` is collected as a normal package module rather than as
__main__.
"""

from ui.entry import main

raise SystemExit(main())
