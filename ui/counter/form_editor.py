"""The matter's application form built from its field definitions, validated as typed, per field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.services.bootstrap import Services
from app.services.counter_dto import FieldProblem
from app.services.types import FieldKind, FormFieldSpec, MatterSpec
from ui.background import BackgroundOp
from ui.counter.common import ERROR_STYLE, latin_only, plain_label, tr

LATIN = {
    FieldKind.ID_NUMBER,
    FieldKind.PHONE,
    FieldKind.BANK_ACCOUNT,
    FieldKind.INTEGER,
    FieldKind.MONEY,
    FieldKind.DATE,
}
PLACEHOLDERS = {
    FieldKind.DATE: "2026-11-23",
    FieldKind.MONEY: "1234.50",
    FieldKind.INTEGER: "0",
    FieldKind.PHONE: "13800138000",
}
VALIDATE_DELAY_MS = 250
DIGITS = (
    Qt.Key.Key_1,
    Qt.Key.Key_2,
    Qt.Key.Key_3,
    Qt.Key.Key_4,
    Qt.Key.Key_5,
    Qt.Key.Key_6,
    Qt.Key.Key_7,
    Qt.Key.Key_8,
    Qt.Key.Key_9,
)


class FormEditor(QWidget):
    """One widget per field; Enter moves on; `validated(problems)` after each debounced check."""

    validated = Signal(list)
    finished = Signal()  # Enter in the last field

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.spec: MatterSpec | None = None
        self.widgets: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self.problems: list[FieldProblem] = []
        self.touched: set[str] = set()
        self._enter: dict[QObject, Callable[[], None]] = {}
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.empty = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addLayout(self.form)
        layout.addStretch(1)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(VALIDATE_DELAY_MS)
        self.timer.timeout.connect(self.validate)
        self.translateUI()

    def translateUI(self) -> None:
        self.empty.setText(tr("选择事项后在此填写申请表"))

    def clear(self) -> None:
        self._reset()
        self.spec = None
        self.empty.setVisible(True)
        self.translateUI()

    def _reset(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.widgets.clear()
        self._enter.clear()
        self.errors.clear()
        self.touched.clear()
        self.problems = []

    def load(self, spec: MatterSpec) -> None:
        self._reset()
        self.spec = spec
        self.empty.setVisible(not spec.form_fields)
        if not spec.form_fields:
            self.empty.setText(tr("该事项无需填写申请表"))
        # required fields first (the Enter chain follows), optional ones after
        for f in sorted(spec.form_fields, key=lambda f: not f.required):
            w = self._widget(f)
            w.setObjectName(f"field_{f.key}")
            err = plain_label()
            err.setStyleSheet(ERROR_STYLE)
            err.setWordWrap(True)
            err.hide()
            box = QWidget()
            v = QVBoxLayout(box)
            v.setContentsMargins(0, 0, 0, 0)
            v.setSpacing(1)
            v.addWidget(w)
            v.addWidget(err)
            label = QLabel(f.label + (" *" if f.required else ""))
            label.setBuddy(w)
            if f.help:
                w.setToolTip(f.help)
            self.form.addRow(label, box)
            self.widgets[f.key] = w
            self.errors[f.key] = err
        keys = list(self.widgets)
        for i, key in enumerate(keys):
            nxt = self.widgets[keys[i + 1]] if i + 1 < len(keys) else None
            self._on_enter(self.widgets[key], nxt)

    def _widget(self, f: FormFieldSpec) -> QWidget:
        if f.kind is FieldKind.TEXTAREA:
            area = QPlainTextEdit()
            area.setTabChangesFocus(True)
            area.setFixedHeight(56)
            area.textChanged.connect(lambda k=f.key: self._changed(k))
            return area
        if f.kind in (FieldKind.CHOICE, FieldKind.BOOL):
            return self._combo(f)
        edit = QLineEdit()
        edit.setMaxLength(max(f.max_length, 40))
        if f.kind in LATIN:
            latin_only(edit, digits=f.kind is not FieldKind.ID_NUMBER)
        edit.setPlaceholderText(PLACEHOLDERS.get(f.kind, ""))
        edit.textChanged.connect(lambda _t, k=f.key: self._changed(k))
        return edit

    def _combo(self, f: FormFieldSpec) -> QComboBox:
        """Choices numbered 1–9: a digit key picks one and moves on (Down + Enter in one key);
        the catalogue's default, if any, is chosen to start with."""
        combo = QComboBox()
        items = list(f.choices) if f.kind is FieldKind.CHOICE else [tr("是"), tr("否")]
        combo.addItem("", "")
        for n, item in enumerate(items, 1):
            combo.addItem(f"{n}  {item}" if n <= len(DIGITS) else item, item)
        if f.default:
            combo.setCurrentIndex(max(0, combo.findData(f.default)))
        combo.setToolTip(f.help or tr("按数字键选定并转到下一项"))
        combo.currentIndexChanged.connect(lambda _i, k=f.key: self._changed(k))
        return combo

    def _on_enter(self, w: QWidget, nxt: QWidget | None) -> None:
        def go() -> None:
            if nxt is None:
                self.finished.emit()
            else:
                nxt.setFocus(Qt.FocusReason.TabFocusReason)

        if isinstance(w, QLineEdit):
            w.returnPressed.connect(go)
        elif isinstance(w, QComboBox):
            self._enter[w] = go
            w.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        go = self._enter.get(watched) if isinstance(watched, QComboBox) else None
        if (
            go is None
            or not isinstance(watched, QComboBox)
            or not isinstance(event, QKeyEvent)
            or event.type() != QEvent.Type.KeyPress
        ):
            return super().eventFilter(watched, event)
        key = Qt.Key(event.key())
        plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if plain and key in DIGITS and DIGITS.index(key) + 1 < watched.count():
            watched.setCurrentIndex(DIGITS.index(key) + 1)
            go()
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            go()
            return True
        return super().eventFilter(watched, event)

    def first_field(self) -> QWidget | None:
        return next(iter(self.widgets.values()), None)

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, w in self.widgets.items():
            if isinstance(w, QLineEdit):
                text = w.text()
            elif isinstance(w, QPlainTextEdit):
                text = w.toPlainText()
            elif isinstance(w, QComboBox):
                text = str(w.currentData() or "")
            else:
                continue
            if text.strip():
                out[key] = text.strip()
        return out

    def set_value(self, key: str, value: str) -> None:
        w = self.widgets[key]
        if isinstance(w, QLineEdit):
            w.setText(value)
        elif isinstance(w, QPlainTextEdit):
            w.setPlainText(value)
        elif isinstance(w, QComboBox):
            w.setCurrentIndex(max(0, w.findData(value)))

    def _changed(self, key: str) -> None:
        self.touched.add(key)
        self.timer.start()

    def validate(self, show_all: bool = False) -> None:
        if self.spec is None:
            return
        code, data = self.spec.code, self.values()
        BackgroundOp(lambda: self.services.intake.validate_form(code, data)).success(
            lambda problems: self._show(problems, show_all)
        ).run()

    def _show(self, problems: list[FieldProblem], show_all: bool) -> None:
        self.problems = problems
        by_key = {p.key: p for p in problems}
        for key, err in self.errors.items():
            p = by_key.get(key)
            visible = p is not None and (show_all or key in self.touched)
            err.setText(p.message if p else "")
            err.setVisible(visible)
        self.validated.emit(problems)
