"""Runs every benchmark in turn: `python -m benchmarks` (bootstrap: `bash packaging/bootstrap.sh bench`)."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import benchmarks


def main() -> int:
    names = sorted(
        m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_")
    )
    only = set(sys.argv[1:])
    for name in names:
        if only and name not in only:
            continue
        print(f"=== {name}", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        sys.argv = [name]
        module.main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
