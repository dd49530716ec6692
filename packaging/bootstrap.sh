#!/usr/bin/env bash
# One-step setup for Linux (Debian/Ubuntu): installs what OneWindow needs, then runs it.
#   bash packaging/bootstrap.sh app [ONEWINDOW ARGS]   install and start the counter app (SQLite default)
#   bash packaging/bootstrap.sh test [PYTEST ARGS]     install and run the whole test suite
#   bash packaging/bootstrap.sh bench [NAMES]          install and run the benchmarks (e.g. bench_sync)
# Qt's runtime libraries, the PDF/barcode tools the tests use and (for tests and benchmarks)
# PostgreSQL come from apt when this runs as root; everything Python goes into .venv beside the
# checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-app}
shift || true

QT_LIBS="libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0
  libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0
  libxcb-randr0 libxcb-render-util0 libxcb-image0 libpulse0 fonts-noto-cjk"
TEST_TOOLS="poppler-utils libzbar0 zbar-tools chromium libatomic1 postgresql-client
  xvfb openbox xdotool x11-utils imagemagick"  # postgresql-client: pg_dump for the level-3 dump scan; chromium: hub page tests (libatomic1: Playwright's node); Xvfb+openbox+xdotool+xwininfo: the real-window test

say() { printf '[bootstrap] %s\n' "$*" >&2; }

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    say "please install these packages first: ${missing[*]}"
    return 0
  fi
  say "installing ${missing[*]}"
  if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

python_ok() { "$1" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }

find_python() {
  for py in python3.13 python3.12 python3.11 python3; do
    if command -v "$py" >/dev/null && python_ok "$py"; then echo "$py"; return; fi
  done
  apt_install python3 python3-venv python3-pip
  python_ok python3 && { echo python3; return; }
  say "Python 3.11 or newer with venv is needed"; exit 1
}

make_venv() {
  local extra=$1 stamp
  stamp=".venv/.onewindow-$(sha256sum pyproject.toml | cut -c1-16)-$extra"
  if [ ! -x .venv/bin/python ]; then
    say "creating .venv"
    "$(find_python)" -m venv .venv
  fi
  if [ ! -f "$stamp" ]; then
    say "installing Python packages (first run takes a few minutes)"
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null
    if [ "$extra" = test ]; then .venv/bin/python -m pip install -q -e ".[test]"
    else .venv/bin/python -m pip install -q -e .; fi
    rm -f .venv/.onewindow-*; touch "$stamp"
  fi
}

pg_up() { .venv/bin/python - "$1" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1].replace("postgresql+psycopg", "postgresql"), connect_timeout=3).close()
except Exception:
    sys.exit(1)
PY
}

ensure_postgres() {
  local url=${ONEWINDOW_TEST_PG_URL:-postgresql://postgres:postgres@127.0.0.1:5432/postgres}
  if ! pg_up "$url"; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
      command -v pg_ctlcluster >/dev/null || apt_install postgresql
      local ver port
      ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
      [ -n "$ver" ] || { say "no PostgreSQL cluster found"; exit 1; }
      port=$(.venv/bin/python -c 'import sys; from sqlalchemy.engine import make_url; print(make_url(sys.argv[1]).port or 5432)' "$url")
      pg_conftool "$ver" main set port "$port" >/dev/null
      say "starting PostgreSQL $ver on port $port"
      pg_ctlcluster --skip-systemctl-redirect "$ver" main start 2>/dev/null || pg_ctlcluster "$ver" main start
      for _ in $(seq 1 30); do su postgres -c "psql -p $port -qc 'select 1'" >/dev/null 2>&1 && break; sleep 1; done
      su postgres -c "psql -p $port -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
    fi
    pg_up "$url" || { say "PostgreSQL is not reachable at $url"; exit 1; }
  fi
  export ONEWINDOW_TEST_PG_URL=$url
}

case "$mode" in
  app)
    apt_install $QT_LIBS
    make_venv app
    exec .venv/bin/onewindow "$@"
    ;;
  test)
    apt_install $QT_LIBS $TEST_TOOLS
    make_venv test
    ensure_postgres
    export QT_QPA_PLATFORM=offscreen
    exec .venv/bin/python -m pytest "$@"
    ;;
  lint)
    make_venv test
    .venv/bin/ruff check app ui tests benchmarks
    .venv/bin/ruff format --check app ui tests benchmarks
    .venv/bin/lint-imports --no-cache  # the layering contracts of pyproject.toml
    exec .venv/bin/mypy
    ;;
  bench)
    apt_install $QT_LIBS $TEST_TOOLS
    make_venv test
    ensure_postgres  # the sync, department-list and district benchmarks make their databases there
    export QT_QPA_PLATFORM=offscreen
    exec .venv/bin/python -m benchmarks "$@"
    ;;
  *)
    say "usage: bash packaging/bootstrap.sh app|test|lint|bench [ARGS]"; exit 2 ;;
esac
