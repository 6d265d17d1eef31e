#!/usr/bin/env bash
# Everything CI checks, on a fresh Debian machine or a developer's: system packages, .venv,
# lint, format, types, and the whole test suite including PostgreSQL and browser tests.
#
#   bash scripts/test.sh                 all checks and tests
#   bash scripts/test.sh -k postgres     extra arguments go to pytest
#
# PostgreSQL: a throwaway server in a temporary directory on a free localhost port, stopped
# and deleted on exit. Chromium: Debian's package, driven by Playwright.
#
# Two pytest passes: everything on SQLite (the default database), then the database-touching
# tests in POSTGRES_PASS again with PostgreSQL as every test's database
# (KUNDENWERT_TEST_DATABASE=postgres, see tests/databases.py).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
started=$SECONDS
failed=()

step() { echo "== $* ($((SECONDS - started))s)"; }

# --- system packages ---------------------------------------------------------------------------
pg_bindir() { find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1; }

missing=()
[ -n "$(pg_bindir)" ] || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    step "apt-get install ${missing[*]}"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
      echo "test.sh: FAILED: apt-get install ${missing[*]} ($((SECONDS - started))s)"
      exit 1
    fi
  else
    echo "test.sh: not root or no apt-get; not installing ${missing[*]} (those tests will fail)" >&2
  fi
fi

# --- Python environment ------------------------------------------------------------------------
step "setup .venv"
if ! bash scripts/setup.sh dev; then
  echo "test.sh: FAILED: setup of .venv ($((SECONDS - started))s)"
  exit 1
fi
export PATH="$root/.venv/bin:$PATH"

# --- static checks: run all, report all ---------------------------------------------------------
step "ruff check"
ruff check . || failed+=("ruff check")
step "ruff format --check"
ruff format --check . || failed+=("ruff format")
step "mypy"
mypy kundenwert connectors || failed+=("mypy")

# --- throwaway PostgreSQL ----------------------------------------------------------------------
pg_tmp=""
pg_ctl_cmd=()
stop_postgres() {
  if [ -n "$pg_tmp" ]; then
    "${pg_ctl_cmd[@]}" -D "$pg_tmp/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pg_tmp"
  fi
}
trap stop_postgres EXIT

start_postgres() {
  local bindir port password as_pg=()
  bindir="$(pg_bindir)"
  [ -n "$bindir" ] || { echo "test.sh: PostgreSQL binaries not found under /usr/lib/postgresql" >&2; return 1; }
  pg_tmp="$(mktemp -d /tmp/kundenwert-pg.XXXXXX)"
  if [ "$(id -u)" = 0 ]; then
    # initdb refuses to run as root; the postgresql package creates the postgres user.
    chown postgres: "$pg_tmp" || return 1
    as_pg=(runuser -u postgres --)
  fi
  pg_ctl_cmd=("${as_pg[@]}" "$bindir/pg_ctl")
  port="$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')" || return 1
  password="$(python -c 'import secrets; print(secrets.token_hex(12))')" || return 1
  "${as_pg[@]}" "$bindir/initdb" -D "$pg_tmp/data" -U postgres --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$pg_tmp/initdb.log" 2>&1 \
    || { cat "$pg_tmp/initdb.log" >&2; return 1; }
  # Durability is pointless for a server that lives for one test run.
  "${pg_ctl_cmd[@]}" -D "$pg_tmp/data" -l "$pg_tmp/server.log" -w -t 60 start \
    -o "-p $port -k $pg_tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    >/dev/null || { cat "$pg_tmp/server.log" >&2; return 1; }
  "${as_pg[@]}" "$bindir/psql" -h "$pg_tmp" -p "$port" -U postgres -d postgres -q -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE kundenwert LOGIN CREATEDB PASSWORD '$password'" \
    -c "CREATE DATABASE kundenwert OWNER kundenwert" >/dev/null || return 1
  export KUNDENWERT_TEST_POSTGRES_URL="postgresql://kundenwert:$password@127.0.0.1:$port/kundenwert"
  echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

step "start PostgreSQL"
start_postgres || failed+=("postgres server")

export KUNDENWERT_CHROMIUM="${KUNDENWERT_CHROMIUM:-/usr/bin/chromium}"

# --- tests -------------------------------------------------------------------------------------
step "pytest"
set +e
pytest -q -p no:cacheprovider "$@"
status=$?
set -e
if [ "$status" = 5 ]; then
  echo "test.sh: pytest collected no tests" >&2
  status=1
fi
[ "$status" = 0 ] || failed+=("pytest (exit $status)")

# The second pass: the tests that read and write the database, with a fresh PostgreSQL database
# per test. Left out, to keep CI within a few minutes: browser tests (slow; the pages' database
# access runs through AppTest here), the `postgres`-marked tests (they ran above), pure parsing,
# HTTP, i18n, docs and benchmark tests, the per-tool connector files (their storage path is
# tested through test_sync*.py) and test_fuzz (its shared database is a SQLite file).
POSTGRES_PASS=(
  tests/test_ingest.py tests/test_ingest_bulk.py tests/test_identity.py tests/test_values.py
  tests/test_frames.py tests/test_metrics.py tests/test_lifecycle.py tests/test_rfm.py
  tests/test_segments.py tests/test_gdpr.py tests/test_sync.py tests/test_sync_across_tools.py
  tests/test_backup.py tests/test_auth.py tests/test_inputs.py tests/test_rates.py
  tests/test_customer_views.py tests/test_sources.py tests/test_jobs.py tests/test_demo.py
  tests/test_currency.py tests/test_business.py tests/test_daily.py tests/test_journey.py
  tests/test_quality.py tests/test_export.py tests/test_import.py
  tests/test_import_payment_exports.py tests/test_import_retail_exports.py
  tests/test_stripe_invoices.py tests/test_value_properties.py tests/test_failures.py
  tests/test_secrets.py tests/test_secrets_drill.py tests/test_cli.py tests/test_cli_clv.py
  tests/test_cli_kpis.py tests/test_cli_rfm.py tests/test_cli_segments.py
  tests/test_app.py tests/test_app_gdpr.py tests/test_app_sources.py tests/test_app_business.py
  tests/test_app_segments.py
)
if [ -n "${KUNDENWERT_TEST_POSTGRES_URL:-}" ]; then
  step "pytest on PostgreSQL"
  set +e
  KUNDENWERT_TEST_DATABASE=postgres pytest -q -p no:cacheprovider -m "not browser and not postgres" \
    "${POSTGRES_PASS[@]}" "$@"
  pg_status=$?
  set -e
  # 5: every test of the pass deselected by the caller's -k or -m (e.g. -k browser); not a failure
  [ "$pg_status" = 0 ] || [ "$pg_status" = 5 ] || failed+=("pytest on PostgreSQL (exit $pg_status)")
  [ "$pg_status" = 0 ] || [ "$pg_status" = 5 ] || [ "$status" != 0 ] || status=$pg_status
else
  failed+=("pytest on PostgreSQL (no server)")
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "test.sh: FAILED: ${failed[*]} ($((SECONDS - started))s)"
  [ "$status" != 0 ] || status=1
  exit "$status"
fi
echo "test.sh: all checks passed ($((SECONDS - started))s)"
