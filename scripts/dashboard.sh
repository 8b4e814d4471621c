#!/usr/bin/env bash
# Install the app's dependencies in .venv and start the dashboard (no API key: the built-in demo job).
# Extra arguments go to `streamlit run`, e.g. --server.port 8502.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_venv requirements.txt
exec .venv/bin/streamlit run app.py "$@"
