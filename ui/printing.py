"""Print preview, direct printing to the receipt and A4 printers, and save-as-PDF, for rendered PDF bytes.

    printer = PdfPrinter(window, receipt_printer=settings.receipt_printer, a4_printer=settings.a4_printer)
    printer.finished.connect(on_done)          # (ok: bool, message: str), on the GUI thread
    printer.print_pdf(pdf, paper="80mm", suggested_name="受理回执.pdf")

Pages are rasterised with QtPdf (QPdfDocument) at a capped resolution and painted into a QPrinter.
A print job runs on a QThreadPool worker (QPainter on a QPrinter is allowed off the GUI thread), so
the window never freezes; the preview paints page by page on demand.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import (
    QMarginsF,
    QObject,
    QRectF,
    QRunnable,
    QSize,
    QSizeF,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QColor, QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo, QPrintPreviewDialog
from PySide6.QtWidgets import QFileDialog, QWidget

from ui.i18n import tr

ROLL = "80mm"
A4 = "A4"
PRINT_DPI = 300  # thermal roll printers are 203 dpi, office printers 300–600: plenty, and bounded
PREVIEW_DPI = 150
MM_PER_PT = 25.4 / 72


class PdfFile:
    """A QPdfDocument loaded from bytes through a temporary file (synchronous load, clear errors)."""

    def __init__(self, pdf: bytes) -> None:
        fd, name = tempfile.mkstemp(prefix="onewindow-", suffix=".pdf")
        with os.fdopen(fd, "wb") as f:
            f.write(pdf)
        self.path = Path(name)
        self.doc = QPdfDocument()
        err = self.doc.load(str(self.path))
        if err != QPdfDocument.Error.None_:
            self.close()
            raise ValueError(f"cannot load PDF: {err.name}")

    def page_count(self) -> int:
        return self.doc.pageCount()

    def page_size_pt(self, page: int) -> QSizeF:
        return self.doc.pagePointSize(page)

    def close(self) -> None:
        self.doc.close()
        with contextlib.suppress(OSError):
            self.path.unlink()

    def __enter__(self) -> PdfFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def page_size_for(paper: str, page_pt: QSizeF) -> QPageSize:
    """A4, or a custom 80 mm × page-height size (height from the PDF) for the receipt roll."""
    if paper == ROLL:
        height_mm = round(page_pt.height() * MM_PER_PT, 1)
        return QPageSize(
            QSizeF(80.0, height_mm),
            QPageSize.Unit.Millimeter,
            "OneWindow 80mm",
            QPageSize.SizeMatchPolicy.ExactMatch,
        )
    return QPageSize(QPageSize.PageSizeId.A4)


def configure_printer(printer: QPrinter, paper: str, page_pt: QSizeF) -> None:
    """Page size for the paper, portrait, zero margins, full page: the PDF carries its own margins."""
    printer.setFullPage(True)
    layout = QPageLayout(
        page_size_for(paper, page_pt),
        QPageLayout.Orientation.Portrait,
        QMarginsF(0, 0, 0, 0),
        QPageLayout.Unit.Millimeter,
    )
    printer.setPageLayout(layout)
    printer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)


def paint_page(painter: QPainter, printer: QPrinter, pdf: PdfFile, page: int, dpi: int) -> None:
    """Rasterise one PDF page at `dpi` and draw it over the printer's full page."""
    pt = pdf.page_size_pt(page)
    size = QSize(max(1, round(pt.width() / 72 * dpi)), max(1, round(pt.height() / 72 * dpi)))
    image = pdf.doc.render(page, size, fillColor=QColor("white"))
    target = printer.pageLayout().fullRectPixels(printer.resolution())
    painter.drawImage(QRectF(target), image)


def paint_document(printer: QPrinter, pdf: PdfFile, dpi: int) -> int:
    """Paint every page into the printer (new page between pages); return the pages painted."""
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError(tr("无法开始打印，请检查打印机"))
    try:
        for page in range(pdf.page_count()):
            if page:
                printer.newPage()
            paint_page(painter, printer, pdf, page, dpi)
    finally:
        painter.end()
    return pdf.page_count()


@dataclass(frozen=True)
class PrintRequest:
    """What a print job needs: the bytes, the paper and where to send them."""

    pdf: bytes
    paper: str
    printer_name: str = ""  # a QPrinterInfo name; ignored when output_file is set
    output_file: str = ""  # print into a PDF file instead (tests, archiving)
    title: str = "OneWindow"
    dpi: int = PRINT_DPI


def run_print(req: PrintRequest) -> int:
    """Print synchronously (call it off the GUI thread); return the pages printed."""
    with PdfFile(req.pdf) as pdf:
        if pdf.page_count() == 0:
            raise ValueError("empty PDF")
        if req.output_file:
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            printer.setOutputFileName(req.output_file)
        else:
            info = QPrinterInfo.printerInfo(req.printer_name)
            printer = QPrinter(info, QPrinter.PrinterMode.HighResolution)
        printer.setDocName(req.title)
        configure_printer(printer, req.paper, pdf.page_size_pt(0))
        return paint_document(printer, pdf, req.dpi)


class _Signals(QObject):
    done = Signal(bool, str)


class PrintJob(QRunnable):
    """A print request run on the thread pool; `signals.done(ok, message)` arrives on the GUI thread."""

    def __init__(self, req: PrintRequest) -> None:
        super().__init__()
        self.req = req
        self.signals = _Signals()

    def run(self) -> None:
        try:
            pages = run_print(self.req)
        except Exception as exc:  # reported to the clerk, never raised into the pool
            self.signals.done.emit(False, tr("打印失败：") + str(exc))
        else:
            where = self.req.output_file or self.req.printer_name
            self.signals.done.emit(True, tr("已发送打印：%s（%d页）") % (where, pages))


def save_into(folder: Path, name: str, pdf: bytes) -> Path:
    """Write the exact bytes as folder/name; a name already taken gets -2, -3 … (never overwrite
    an earlier paper: a reprint is a second file)."""
    folder.mkdir(parents=True, exist_ok=True)
    stem, suffix = Path(name).stem, Path(name).suffix or ".pdf"
    out, n = folder / f"{stem}{suffix}", 1
    while out.exists():
        n += 1
        out = folder / f"{stem}-{n}{suffix}"
    out.write_bytes(pdf)
    return out


class PdfPrinter(QObject):
    """Preview, print or save PDF bytes, choosing the receipt or A4 printer named in settings."""

    finished = Signal(bool, str)  # ok, a message for the status bar

    def __init__(
        self,
        parent: QWidget | None = None,
        receipt_printer: str = "",
        a4_printer: str = "",
        pool: QThreadPool | None = None,
        pdf_folder: str = "",
        on_folder_chosen: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.receipt_printer = receipt_printer
        self.a4_printer = a4_printer
        self.pdf_folder = pdf_folder  # where papers go when no printer is installed
        self.on_folder_chosen = on_folder_chosen  # keeps the folder asked for once (QSettings)
        self.pool = pool or QThreadPool.globalInstance()
        self._jobs: set[PrintJob] = set()
        self._preview_pdf: PdfFile | None = None
        self._preview_printer: QPrinter | None = None

    @staticmethod
    def available_printers() -> list[str]:
        """Names of the installed printers (empty when none is installed)."""
        return [p.printerName() for p in QPrinterInfo.availablePrinters()]

    def printer_for(self, paper: str) -> str:
        """The printer to use for a paper: the configured one if installed, else the default, else ''."""
        wanted = self.receipt_printer if paper == ROLL else self.a4_printer
        names = self.available_printers()
        if wanted and wanted in names:
            return wanted
        default = QPrinterInfo.defaultPrinterName()
        if default in names:
            return default
        return names[0] if names else ""

    # --- preview ------------------------------------------------------------------------------

    def preview_dialog(self, pdf: bytes, paper: str = A4) -> QPrintPreviewDialog:
        """A print preview of the PDF (not shown yet); printing from it uses the chosen printer."""
        if self._preview_pdf is not None:
            self._preview_pdf.close()
        doc = self._preview_pdf = PdfFile(pdf)
        name = self.printer_for(paper)
        printer = (
            QPrinter(QPrinterInfo.printerInfo(name), QPrinter.PrinterMode.HighResolution)
            if name
            else QPrinter(QPrinter.PrinterMode.HighResolution)
        )
        configure_printer(printer, paper, doc.page_size_pt(0))
        dialog = QPrintPreviewDialog(printer, self.parent_widget)
        dialog.setWindowTitle(tr("打印预览"))
        dialog.paintRequested.connect(lambda p: paint_document(p, doc, PREVIEW_DPI))
        self._preview_printer = printer  # the dialog does not own its printer: keep it alive
        # ...and the dialog keeps the printer and document alive even if this PdfPrinter goes first.
        dialog._onewindow_keep = (self, printer, doc)  # type: ignore[attr-defined]
        return dialog

    def preview(self, pdf: bytes, paper: str = A4) -> int:
        """Show the preview modally; return the dialog result."""
        return self.preview_dialog(pdf, paper).exec()

    # --- printing -----------------------------------------------------------------------------

    def start(self, req: PrintRequest) -> PrintJob:
        """Queue a print job on the pool; `finished` is emitted when it ends."""
        job = PrintJob(req)
        job.setAutoDelete(False)
        self._jobs.add(job)

        def done(ok: bool, message: str, job: PrintJob = job) -> None:
            self._jobs.discard(job)
            self.finished.emit(ok, message)

        job.signals.done.connect(done)
        self.pool.start(job)
        return job

    def print_pdf(
        self,
        pdf: bytes,
        paper: str = A4,
        suggested_name: str = "document.pdf",
        title: str = "OneWindow",
    ) -> str:
        """Print to the paper's printer; with none installed, write the exact bytes into the
        configured folder under `suggested_name` (case number and kind), asking for the folder once.

        Returns "printing" (a job was queued), "saved" or "cancelled".
        """
        name = self.printer_for(paper)
        if not name:
            folder = self.pdf_folder or self.ask_folder()
            if not folder:
                return "cancelled"
            saved = save_into(Path(folder), suggested_name, pdf)
            self.finished.emit(True, tr("未安装打印机，文书已保存：") + str(saved))
            return "saved"
        self.start(PrintRequest(pdf, paper, printer_name=name, title=title))
        return "printing"

    def ask_folder(self) -> str:
        """The folder for papers when no printer is installed, asked once and then kept."""
        folder = QFileDialog.getExistingDirectory(
            self.parent_widget, tr("未安装打印机：请选择保存文书的文件夹（只需选择一次）")
        )
        if folder:
            self.pdf_folder = folder
            if self.on_folder_chosen is not None:
                self.on_folder_chosen(folder)
        return folder

    def print_to_file(self, pdf: bytes, out: Path, paper: str = A4) -> PrintJob:
        """Print through Qt into a PDF file (what the printer would get); asynchronous."""
        return self.start(PrintRequest(pdf, paper, output_file=str(out)))

    def save_as_pdf(self, pdf: bytes, suggested_name: str = "document.pdf") -> Path | None:
        """Ask where to save and write the exact bytes (the kept print stays byte-identical)."""
        path, _ = QFileDialog.getSaveFileName(
            self.parent_widget, tr("另存为PDF"), suggested_name, tr("PDF 文件 (*.pdf)")
        )
        if not path:
            return None
        out = Path(path)
        if out.suffix.lower() != ".pdf":
            out = out.with_suffix(".pdf")
        out.write_bytes(pdf)
        return out

    def wait(self, msecs: int = 30000) -> bool:
        """Block until queued jobs end (tests, shutdown)."""
        return self.pool.waitForDone(msecs)
