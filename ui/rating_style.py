"""The rating window's look: full screen on the resident's screen, or compact beside the clerk's."""

from __future__ import annotations

COLOURS = {5: "#2e7d32", 4: "#558b2f", 3: "#f9a825", 2: "#ef6c00", 1: "#c62828"}

STYLE = """
QWidget#rating { background: #f3f6fa; }
QLabel { color: #1d2b3a; }
QLabel#big { font-size: 64px; font-weight: bold; color: #0b4f8a; }
QLabel#title { font-size: 40px; font-weight: bold; color: #0b4f8a; }
QLabel#info { font-size: 26px; color: #4a5a6a; }
QLabel#prompt { font-size: 26px; color: #b3261e; }
QPushButton#level { font-size: 34px; color: white; border: none; border-radius: 20px;
    min-height: 150px; min-width: 200px; }
QPushButton#level:checked { border: 8px solid #0b2545; }
QPushButton#chip { font-size: 24px; background: white; border: 3px solid #c5d3e2;
    border-radius: 14px; padding: 8px 16px; }
QPushButton#chip:checked { background: #0b4f8a; color: white; border-color: #0b4f8a; }
QPushButton#submit { font-size: 30px; background: #1565c0; color: white; border: none;
    border-radius: 16px; padding: 14px 56px; }
QLineEdit { font-size: 26px; padding: 10px; border: 3px solid #c5d3e2; border-radius: 12px;
    background: white; }
QLineEdit[needed="true"] { border-color: #c62828; }
"""

# A one-screen desk: a small window in a corner that must not hide the clerk's workspace.
COMPACT_STYLE = """
QLabel#big { font-size: 30px; }
QLabel#title { font-size: 22px; }
QLabel#info, QLabel#prompt { font-size: 15px; }
QPushButton#level { font-size: 16px; border-radius: 10px; min-height: 56px; min-width: 84px; }
QPushButton#level:checked { border: 4px solid #0b2545; }
QPushButton#chip { font-size: 14px; border-radius: 8px; padding: 4px 8px; }
QPushButton#submit { font-size: 16px; border-radius: 10px; padding: 8px 28px; }
QLineEdit { font-size: 15px; padding: 6px; }
"""
COMPACT_SIZE = (600, 480)
