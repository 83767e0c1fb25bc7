#!/usr/bin/env bash
# Builds Balcão twice — optimized, and with AddressSanitizer + UBSan — and
# runs the whole test suite (unit and end-to-end) against each build.
# Set BALCAO_TEST_FAST=1 to skip the sanitizer pass while developing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
jobs=$(nproc)

echo "== release build =="
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")

if [ "${BALCAO_TEST_FAST:-0}" != 1 ]; then
  echo "== ASan + UBSan build =="
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DBALCAO_SANITIZE=ON >/dev/null
  cmake --build build-asan -j"$jobs"
  # LMDB and ZeroMQ keep a few allocations for the process lifetime; leaks
  # are checked by valgrind-free ASan runs with detect_leaks=0 here and the
  # services' clean shutdown path is exercised by every test.
  (cd build-asan && ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     ctest --output-on-failure -j"$jobs")
fi
