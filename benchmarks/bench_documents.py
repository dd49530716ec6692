"""Benchmark: rendering a receipt against a bare one-page reportlab PDF with the same embedded font.

Run: .venv/bin/python benchmarks/bench_documents.py [--runs 300]
Both are measured in the same run, interleaved, after a warm-up (font file parsed once per process,
as in the app). The goal is a median ratio of at most 3x.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from app.documents.demo import demo_receipt
from app.documents.pdf import FONT, register_font
from app.documents.render import render


def bare_pdf() -> bytes:
    """One A4 page, one line of Chinese in the same embedded subset font."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1, pageCompression=1, initialFontName=FONT)
    c.setFont(FONT, 12)
    c.drawString(72, 760, "江宁区秣陵街道便民服务中心 受理通知书")
    c.showPage()
    c.save()
    return buf.getvalue()


def same_glyphs_pdf(chars: str) -> Callable[[], bytes]:
    """A bare page drawing every distinct character the receipt uses, 40 to a line (same subset size)."""
    lines = [chars[i : i + 40] for i in range(0, len(chars), 40)]

    def make() -> bytes:
        buf = io.BytesIO()
        c = Canvas(buf, pagesize=A4, invariant=1, pageCompression=1, initialFontName=FONT)
        c.setFont(FONT, 12)
        for n, line in enumerate(lines):
            c.drawString(72, 760 - 16 * n, line)
        c.showPage()
        c.save()
        return buf.getvalue()

    return make


def receipt_chars(pdf: bytes) -> str:
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    return "".join(sorted(set(text) - set(" \n")))


def percentile(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=300)
    args = ap.parse_args()
    register_font()
    data = demo_receipt()
    cases: dict[str, Callable[[], bytes]] = {
        "bare one-line PDF": bare_pdf,
        "receipt A4": lambda: render("receipt", data, paper="A4"),
        "receipt 80mm": lambda: render("receipt", data, paper="80mm"),
    }
    chars = receipt_chars(cases["receipt A4"]())
    cases["bare, receipt glyphs"] = same_glyphs_pdf(chars)
    times: dict[str, list[float]] = {k: [] for k in cases}
    sizes = {k: len(fn()) for k, fn in cases.items()}  # warm-up
    for _ in range(args.runs):
        for name, fn in cases.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    base_med = statistics.median(times["bare one-line PDF"])
    base_p99 = percentile(times["bare one-line PDF"], 0.99)
    try:
        import _rl_accel  # noqa: F401

        accel = "rl_accel C extension"
    except ImportError:
        accel = "pure Python (no rl_accel)"
    print(
        f"runs: {args.runs} each, interleaved; python {sys.version.split()[0]}; {accel}; "
        f"receipt uses {len(chars)} distinct glyphs"
    )
    print(
        f"{'document':<22}{'median ms':>11}{'p99 ms':>9}{'size KB':>9}{'ratio med':>11}"
        f"{'ratio p99':>11}"
    )
    for name, ts in times.items():
        med, p99 = statistics.median(ts), percentile(ts, 0.99)
        print(
            f"{name:<22}{med * 1000:>11.2f}{p99 * 1000:>9.2f}{sizes[name] / 1024:>9.1f}"
            f"{med / base_med:>10.2f}x{p99 / base_p99:>10.2f}x"
        )
    ratio = statistics.median(times["receipt A4"]) / base_med
    glyphs = statistics.median(times["receipt A4"]) / statistics.median(
        times["bare, receipt glyphs"]
    )
    print(
        f"goal: receipt A4 median ≤ 3x the bare one-line PDF -> {ratio:.2f}x "
        f"{'OK' if ratio <= 3 else 'OVER'}; against a bare page with the same glyphs: {glyphs:.2f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
