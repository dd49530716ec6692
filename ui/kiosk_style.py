"""The kiosk's look: its style sheet and the priority classes it offers, in the order shown."""

from __future__ import annotations

from app.services.types import PriorityClass

PRIORITIES = (
    PriorityClass.ELDERLY,
    PriorityClass.DISABLED,
    PriorityClass.PREGNANT,
    PriorityClass.SERVICEMAN,
)

STYLE = """
QWidget#kiosk { background: #eef3f9; }
QLabel { color: #1d2b3a; }
QLabel#title { font-size: 40px; font-weight: bold; color: #0b4f8a; }
QLabel#centre { font-size: 24px; color: #4a5a6a; }
QLabel#hint, QLabel#status { font-size: 22px; color: #4a5a6a; }
QLabel#status[error="true"] { color: #b3261e; }
QPushButton#group { font-size: 36px; color: white; background: #1565c0; border: none;
    border-radius: 18px; padding: 16px; min-height: 96px; text-align: center; }
QPushButton#group:pressed { background: #0d47a1; }
QPushButton#group:disabled { background: #90a4ae; }
QPushButton#priority { font-size: 24px; background: white; color: #1d2b3a;
    border: 3px solid #c5d3e2; border-radius: 14px; padding: 10px 18px; min-height: 56px; }
QPushButton#priority:checked { background: #ff8f00; color: white; border-color: #ff8f00; }
QLineEdit { font-size: 26px; padding: 10px; border: 3px solid #c5d3e2; border-radius: 12px;
    background: white; }
QLabel#resultHead, QLabel#resultAhead { font-size: 44px; }
QLabel#resultNumber { font-size: 200px; font-weight: bold; color: #0b4f8a; }
QPushButton#again { font-size: 28px; background: #1565c0; color: white; border: none;
    border-radius: 16px; padding: 16px 48px; }
"""
