#!/usr/bin/env bash
# Builds Balcão and starts the whole system on this machine with embedded
# defaults: five services on loopback, data under ./var, outgoing mail written
# to ./var/outbox/mail. Pass --demo for a few sample tickets.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
scripts/web.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
exec build/balcaoctl up "$@"
