#!/usr/bin/env bash
# Create .venv (Python 3.11) in the repository root and install the pinned dependencies.
#
#   bash scripts/setup.sh           runtime dependencies (requirements.txt)
#   bash scripts/setup.sh dev       runtime + test/lint tools (requirements-dev.txt)
#
# Idempotent: a second run with unchanged requirement files returns in a moment, because a
# stamp inside .venv records the hash of the files that were installed last.
set -euo pipefail

mode="${1:-runtime}"
case "$mode" in
  runtime) req_files=(requirements.txt) ;;
  dev) req_files=(requirements.txt requirements-dev.txt) ;;
  *)
    echo "usage: bash scripts/setup.sh [runtime|dev]" >&2
    exit 2
    ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="$root/.venv"

is_py311() {
  "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' >/dev/null 2>&1
}

find_python() {
  local candidate
  for candidate in "${KUNDENWERT_PYTHON:-}" python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 && is_py311 "$candidate"; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

create_venv() {
  local python
  if ! python="$(find_python)"; then
    echo "setup: Python 3.11 not found (tried python3.11, python3; set KUNDENWERT_PYTHON)." >&2
    exit 1
  fi
  echo "setup: creating .venv with $python"
  rm -rf "$venv"
  local err
  err="$(mktemp)"
  if ! "$python" -m venv "$venv" 2>"$err"; then
    # Debian's own python3.11 ships without ensurepip unless python3.11-venv is installed.
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "setup: installing python3.11-venv with apt-get"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3.11-venv >/dev/null
      rm -rf "$venv"
      "$python" -m venv "$venv"
    else
      cat "$err" >&2
      exit 1
    fi
  fi
  rm -f "$err"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
}

if [ ! -x "$venv/bin/python" ] || ! is_py311 "$venv/bin/python" \
  || ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
  create_venv
fi

hash_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

stamp="$venv/.kundenwert-$mode.sha256"
wanted="$(hash_of "${req_files[@]}")"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
  exit 0
fi

echo "setup: installing ${req_files[-1]} into .venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "${req_files[-1]}"
echo "$wanted" >"$stamp"
if [ "$mode" = dev ]; then
  # The dev requirements include the runtime ones; record that too.
  hash_of requirements.txt >"$venv/.kundenwert-runtime.sha256"
fi
