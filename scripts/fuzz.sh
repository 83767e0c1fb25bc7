#!/usr/bin/env bash
# Fuzzes each parser with libFuzzer (clang) for SECONDS each (default 60),
# starting from the saved corpus; new interesting inputs are added to it.
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
command -v clang >/dev/null || { apt-get install -y -qq clang >/dev/null; }
secs=${1:-60}
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DBALCAO_FUZZ=ON -DBALCAO_SANITIZE=ON \
    -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzz_envelope fuzz_mail
for t in envelope mail; do
  echo "== fuzz_$t for ${secs}s =="
  build-fuzz/tests/fuzz/fuzz_$t -max_total_time="$secs" -max_len=65536 tests/fuzz/corpus/$t
done
