"""Per-desktop settings a clerk or the IT office sets once: this desk's window, printers, paper, screens."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from ui.i18n import QT_TR_NOOP, tr
from ui.printing import PdfPrinter
from ui.settings import (
    A4_PRINTER,
    BOARD_SCREEN,
    COUNTER_NUMBER,
    PRINT_PREVIEW,
    RATING_SCREEN,
    RECEIPT_PAPER,
    RECEIPT_PRINTER,
    VOICE_ENABLED,
)


class SettingsDialog(QDialog):
    """Reads the options into widgets and writes them back on OK; nothing is saved on Cancel."""

    def __init__(
        self,
        settings: QSettings,
        printers: list[str] | None = None,
        windows: list[tuple[int, str]] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`windows`: the centre's working windows as (number, name), for choosing this desk's."""
        super().__init__(parent)
        self.settings = settings
        self.desk_window = QComboBox()
        current = COUNTER_NUMBER.get(settings)
        for number, name in windows or []:
            shown = name if str(number) in name else tr("%d 号窗口（%s）") % (number, name)
            self.desk_window.addItem(shown, number)
        if self.desk_window.findData(current) < 0:  # configured, but no longer a working window
            self.desk_window.addItem(tr("%d 号窗口（不存在或已停用）") % current, current)
        self.desk_window.setCurrentIndex(max(0, self.desk_window.findData(current)))
        names = printers if printers is not None else PdfPrinter.available_printers()
        self.receipt_printer = self._printer_box(names, RECEIPT_PRINTER.get(settings))
        self.a4_printer = self._printer_box(names, A4_PRINTER.get(settings))
        self.receipt_paper = QComboBox()
        self.receipt_paper.addItem("80mm", "80mm")
        self.receipt_paper.addItem("A4", "A4")
        self.receipt_paper.setCurrentIndex(
            max(0, self.receipt_paper.findData(RECEIPT_PAPER.get(settings)))
        )
        self.preview = QCheckBox()
        self.preview.setChecked(PRINT_PREVIEW.get(settings))
        screens = max(1, len(QGuiApplication.screens()))
        self.rating_screen = QSpinBox()
        self.rating_screen.setRange(0, max(0, screens - 1))
        self.rating_screen.setValue(min(RATING_SCREEN.get(settings), screens - 1))
        self.board_screen = QSpinBox()
        self.board_screen.setRange(0, max(0, screens - 1))
        self.board_screen.setValue(min(BOARD_SCREEN.get(settings), screens - 1))
        self.voice = QCheckBox()
        self.voice.setChecked(VOICE_ENABLED.get(settings))
        self.no_printer = QLabel()
        self.no_printer.setVisible(not names)
        self.labels = [QLabel() for _ in range(8)]
        form = QFormLayout(self)
        for label, widget in zip(
            self.labels,
            (
                self.desk_window,
                self.receipt_printer,
                self.a4_printer,
                self.receipt_paper,
                self.preview,
                self.rating_screen,
                self.board_screen,
                self.voice,
            ),
            strict=True,
        ):
            form.addRow(label, widget)
        form.addRow(self.no_printer)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.translateUI()

    @staticmethod
    def _printer_box(names: list[str], current: str) -> QComboBox:
        box = QComboBox()
        box.addItem(tr("（系统默认打印机）"), "")
        for name in names:
            box.addItem(name, name)
        if current and box.findData(current) < 0:
            box.addItem(tr("%s（未安装）") % current, current)
        box.setCurrentIndex(max(0, box.findData(current)))
        return box

    def translateUI(self) -> None:
        self.setWindowTitle(tr("本机设置"))
        for label, text in zip(
            self.labels,
            (
                QT_TR_NOOP("本机窗口"),
                QT_TR_NOOP("回执打印机（80毫米）"),
                QT_TR_NOOP("A4 打印机"),
                QT_TR_NOOP("受理回执用纸"),
                QT_TR_NOOP("打印前预览"),
                QT_TR_NOOP("评价屏（屏幕编号）"),
                QT_TR_NOOP("叫号屏（屏幕编号）"),
                QT_TR_NOOP("语音叫号"),
            ),
            strict=True,
        ):
            label.setText(tr(text))
        self.preview.setText(tr("每次打印前先显示预览"))
        self.voice.setText(tr("叫号时语音播报"))
        self.no_printer.setText(tr("本机没有安装打印机：打印时将提示另存为 PDF 文件"))

    def save(self) -> None:
        COUNTER_NUMBER.set(self.settings, int(self.desk_window.currentData()))
        RECEIPT_PRINTER.set(self.settings, self.receipt_printer.currentData())
        A4_PRINTER.set(self.settings, self.a4_printer.currentData())
        RECEIPT_PAPER.set(self.settings, self.receipt_paper.currentData())
        PRINT_PREVIEW.set(self.settings, self.preview.isChecked())
        RATING_SCREEN.set(self.settings, self.rating_screen.value())
        BOARD_SCREEN.set(self.settings, self.board_screen.value())
        VOICE_ENABLED.set(self.settings, self.voice.isChecked())
        self.settings.sync()
        self.accept()
