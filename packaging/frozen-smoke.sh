#!/usr/bin/env bash
# Build the PyInstaller spec on this machine and smoke-test the frozen counter app:
#   bash packaging/frozen-smoke.sh [OUT_DIR]   (default: a temporary folder, removed when all passed)
# It checks, on the frozen build (not the venv): `--self-test` (the main window offscreen over a new
# SQLite database), `print receipt` (a PDF with the embedded font), `init-db` on a new SQLite file
# and on a new PostgreSQL database (ONEWINDOW_TEST_PG_URL, default the local test server; the
# database is dropped afterwards), and `--version` of the console executable. PyInstaller is
# installed into .venv when missing. Prints the build and smoke times; exits non-zero on a failure.
# PyInstaller does not cross-compile: this proves the spec, not the Windows executables.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=$ROOT/.venv/bin/python
[ -x "$PY" ] || bash packaging/bootstrap.sh lint >/dev/null
"$PY" -c "import PyInstaller" 2>/dev/null || "$PY" -m pip install -q "pyinstaller>=6.10,<7"
if [ $# -ge 1 ]; then OUT=$1; KEEP=1; else OUT=$(mktemp -d /tmp/ow-frozen.XXXXXX); KEEP=0; fi
mkdir -p "$OUT"
PG=${ONEWINDOW_TEST_PG_URL:-postgresql://postgres:postgres@127.0.0.1:5432/postgres}
export QT_QPA_PLATFORM=offscreen ONEWINDOW_DATA_DIR=$OUT/data ONEWINDOW_CONFIG=$OUT/none.toml
unset ONEWINDOW_DB
say() { printf '%s\n' "frozen-smoke: $*"; }

t0=$(date +%s)
"$ROOT/.venv/bin/pyinstaller" --noconfirm --clean --log-level WARN \
  --distpath "$OUT/dist" --workpath "$OUT/work" packaging/pyinstaller/onewindow.spec
t1=$(date +%s)
APP=$OUT/dist/onewindow/onewindow
CLI=$OUT/dist/onewindow/onewindow-cli
say "built in $((t1 - t0)) s, $(du -sm "$OUT/dist/onewindow" | cut -f1) MB"

out=$("$APP" --self-test 2>&1) || { printf '%s\n' "$out"; say "FAIL --self-test"; exit 1; }
grep -q "self-test ok" <<<"$out" || { printf '%s\n' "$out"; say "FAIL --self-test said no ok"; exit 1; }
say "--self-test ok (SQLite in the data folder)"

"$CLI" --version
"$APP" print receipt --out "$OUT/receipt.pdf"
"$PY" - "$OUT/receipt.pdf" <<'PYEOF'
import sys
from pypdf import PdfReader
reader = PdfReader(sys.argv[1])
text = reader.pages[0].extract_text()
assert len(reader.pages) == 1 and "收" in text, text[:200]
print(f"frozen-smoke: receipt ok ({len(text)} characters of text)")
PYEOF

"$APP" --db "sqlite:///$OUT/init.db" init-db
"$PY" - "$OUT/init.db" <<'PYEOF'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
matters = con.execute("select count(*) from matter").fetchone()[0]
head = con.execute("select version_num from alembic_version").fetchone()[0]
assert matters > 0, matters
print(f"frozen-smoke: SQLite init-db ok ({matters} matters, revision {head})")
PYEOF

DBNAME=ow_frozen_$$
psql "$PG" -qAtc "CREATE DATABASE $DBNAME" >/dev/null
trap 'psql "$PG" -qAtc "DROP DATABASE IF EXISTS $DBNAME WITH (FORCE)" >/dev/null' EXIT
PGDB=$("$PY" -c "import sys; from sqlalchemy.engine import make_url; print(make_url(sys.argv[1]).set(database=sys.argv[2]).render_as_string(hide_password=False))" "$PG" "$DBNAME")
"$APP" --db "$PGDB" init-db
n=$(psql "$PGDB" -qAtc "select count(*) from matter")
[ "$n" -gt 0 ] || { say "FAIL PostgreSQL init-db: no matters"; exit 1; }
say "PostgreSQL init-db ok ($n matters, through the bundled psycopg_binary/libpq)"
t2=$(date +%s)
say "all ok: build $((t1 - t0)) s, smoke $((t2 - t1)) s, total $((t2 - t0)) s"
if [ "$KEEP" = 0 ]; then rm -rf "$OUT"; else say "output in $OUT"; fi
