#!/usr/bin/env bash
# SMTP delivery with one kept connection vs a connection per mail, through
# notify's own transport (build/balcao-smtp-bench), against a local SMTP
# server that accepts and discards: Postfix's smtp-sink (C, fast enough not
# to be what is measured), or Debian's aiosmtpd with SINK=aiosmtpd.
#
#     tools/bench-smtp.sh [N] [RUNS]     (build first: cmake --build build)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2000}
RUNS=${2:-3}
PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
if [ "${SINK:-smtp-sink}" = aiosmtpd ]; then
  /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$PORT" -c aiosmtpd.handlers.Sink &
else
  /usr/sbin/smtp-sink -u nobody "127.0.0.1:$PORT" 256 &
fi
SINK_PID=$!
trap 'kill $SINK_PID 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.1
done
echo "machine: $(nproc) cores, $(uname -r); sink: ${SINK:-smtp-sink}"
for run in $(seq "$RUNS"); do
  echo "run $run:"
  build/balcao-smtp-bench "smtp://127.0.0.1:$PORT" "$N"
done
