#!/usr/bin/env bash
# Install what is needed, fill an empty database with demo data, start the dashboard.
#
#   bash scripts/start.sh                       http://127.0.0.1:8501
#   KUNDENWERT_ADDRESS=0.0.0.0 bash scripts/start.sh   reachable from other machines
#
# KUNDENWERT_ADDRESS and KUNDENWERT_PORT come from the environment or from .env; extra
# arguments are passed on to `streamlit run` (e.g. --server.baseUrlPath kundenwert).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/setup.sh runtime

# Read one KEY=value line from .env without executing the file; the environment wins.
from_dotenv() {
  [ -f .env ] || return 0
  sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" .env | tail -n 1 | sed "s/^[\"']//; s/[\"']\$//"
}
address="${KUNDENWERT_ADDRESS:-$(from_dotenv KUNDENWERT_ADDRESS)}"
port="${KUNDENWERT_PORT:-$(from_dotenv KUNDENWERT_PORT)}"
# Local only by default: without a password the dashboard opens only on demo data served to
# this computer; set one (python -m kundenwert set-password) before serving other machines.
address="${address:-127.0.0.1}"
port="${port:-8501}"

# Demo data only when the database has no orders yet; real data is never touched.
.venv/bin/python -m kundenwert demo --if-empty

echo "Kundenwert: http://$address:$port (stop with Ctrl+C)"
exec .venv/bin/streamlit run app.py \
  --server.port "$port" \
  --server.address "$address" \
  --server.headless true \
  "$@"
