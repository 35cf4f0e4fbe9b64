#!/usr/bin/env bash
# The view's JS checks (TypeScript's checker, ESLint) from package-lock.json, into
# node_modules/ (downloads cached in .npm-cache/); nothing here is built or shipped.
set -euo pipefail
cd "$(dirname "$0")/.."
need="20.19"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "Node.js >= $need and npm are needed for the view's JS checks: install them (e.g. from nodejs.org or your distribution), then run make test again." >&2
  exit 1
fi
if ! node -e "const [a, b] = process.versions.node.split('.').map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)"; then
  echo "Node.js $(node --version) is too old for the view's JS checks: $need or newer is needed." >&2
  exit 1
fi
npm ci --no-audit --no-fund --prefer-offline --cache .npm-cache --loglevel=error
touch node_modules/.installed
