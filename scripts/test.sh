#!/usr/bin/env bash
# Install everything the tests need (Debian's chromium and postgresql, a venv with requirements-dev.txt), then run
# the linters and the whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

# The browser tests drive Debian's chromium; Playwright never downloads a browser here.
command -v chromium >/dev/null || apt_install chromium fonts-dejavu-core
# The archive's tests start their own PostgreSQL server from Debian's binaries (as the postgres user).
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || apt_install postgresql
# The sign-in browser tests start a real OpenID Connect provider: the npm package in devtools/oidc.
command -v npm >/dev/null || apt_install nodejs npm
[ -d devtools/oidc/node_modules/oidc-provider ] || npm ci --prefix devtools/oidc --no-audit --no-fund --silent
ensure_venv requirements-dev.txt
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest "$@"
