#!/usr/bin/env bash
# Gets the browser tests ready (ctest's browser_setup fixture runs it before
# every browser_* test; by hand: tests/browser/setup.sh):
# - tests/browser/node_modules from package-lock.json with `npm ci`, again
#   only when the lock changed (its hash is kept in node_modules). Only
#   playwright-core and axe-core: the browser is Debian's /usr/bin/chromium
#   (scripts/bootstrap.sh), never a downloaded one;
# - the web app, web/dist, built by scripts/web.sh (else `npm ci` and
#   `npm run build` in web/) when it is missing or older than a file of web/.
# Without npm there is nothing to do: each browser test then skips itself
# when web/dist is missing, and fails when it is there (no node_modules).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

# No package may fetch a browser (playwright-core has no install script, but
# be explicit: nothing here ever downloads one).
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

if ! command -v npm >/dev/null 2>&1; then
  echo "browser setup: npm is not installed; nothing to install"
  exit 0
fi

# Two ctest runs (build/ and build-asan/) may start at once: one installs.
exec 9>"$here/.setup.lock"
flock 9

lock_hash() { sha256sum "$1/package-lock.json" | cut -d' ' -f1; }

ci() {  # ci DIR [--ignore-scripts]: npm ci unless node_modules matches the lock
  local dir="$1"; shift
  local stamp="$dir/node_modules/.balcao-lock-sha256"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(lock_hash "$dir")" ]; then
    echo "browser setup: $dir/node_modules matches its lock"
    return 0
  fi
  echo "browser setup: npm ci in $dir"
  (cd "$dir" && npm ci --no-audit --no-fund "$@")
  lock_hash "$dir" >"$stamp"
}

ci "$here" --ignore-scripts

web="$root/web"
if [ -f "$web/package.json" ]; then
  index="$web/dist/index.html"
  stale=1
  if [ -f "$index" ]; then
    newer=$(find "$web" \( -path "$web/node_modules" -o -path "$web/dist" \) -prune -o \
              -type f -newer "$index" -print -quit)
    [ -z "$newer" ] && stale=0
  fi
  if [ "$stale" = 1 ]; then
    echo "browser setup: building the web app (web/dist)"
    if [ -x "$root/scripts/web.sh" ]; then
      "$root/scripts/web.sh"  # the project's own recipe (scripts/test.sh runs it too)
    else
      ci "$web"
      (cd "$web" && npm run build)
    fi
    touch "$index"
  else
    echo "browser setup: web/dist is up to date"
  fi
else
  echo "browser setup: no web app in this tree (web/package.json); the portal's flows will skip"
fi
