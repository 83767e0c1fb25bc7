#!/usr/bin/env bash
# Builds the web app (web/, the Portal do Cliente) into web/dist, which
# balcao-gateway serves: installs its npm packages exactly as locked
# (npm ci) when web/node_modules is missing or web/package-lock.json changed,
# type-checks and builds it (npm run build), then checks the first page's
# weight (<= 150 KB gzip) and that the bundle needs no eval (scripts/size.mjs).
set -euo pipefail
cd "$(dirname "$0")/../web"
if ! command -v npm >/dev/null; then
  echo "web: npm is missing (scripts/bootstrap.sh installs Debian's nodejs and npm)" >&2
  exit 1
fi
# The same stamp as tests/browser/setup.sh's: one npm ci, not two.
stamp=node_modules/.balcao-lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -d node_modules ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "== web: npm ci =="
  npm ci --no-audit --no-fund
  echo "$want" >"$stamp"
fi
echo "== web: build =="
npm run build --silent
node scripts/size.mjs
