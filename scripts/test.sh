#!/usr/bin/env bash
# Builds Balcão twice — optimized, and with AddressSanitizer + UBSan — and
# runs the suite: the unit tests on both builds, the end-to-end tests (every
# service process, kill -9 included) on the sanitizer build, where a leak or
# an undefined behaviour on any path they take fails them, the browser
# flows on the optimized build (and the whole seed flow once more under the
# sanitizers); then fuzzes each parser (libFuzzer, clang) for a bounded
# time. Running the end-to-end tests on both builds cost about 3 of the 15
# minutes the suite may take; the sanitizer build runs the same paths with
# more checks.
# Set BALCAO_TEST_FAST=1 to skip the sanitizer pass while developing: the
# end-to-end tests then run on the optimized build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
scripts/web.sh
jobs=$(nproc)

echo "== release build =="
# -LE e2e keeps e2e_upgrade (label "upgrade"): it builds the previous
# release's intake and router under build/upgrade-prev (once) and runs them
# with this build's services; the sanitizer pass leaves it out.
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
if [ "${BALCAO_TEST_FAST:-0}" = 1 ]; then
  (cd build && ctest --output-on-failure -j"$jobs")
else
  (cd build && ctest --output-on-failure -j"$jobs" -LE e2e)
fi

if [ "${BALCAO_TEST_FAST:-0}" != 1 ]; then
  echo "== ASan + UBSan build =="
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DBALCAO_SANITIZE=ON >/dev/null
  cmake --build build-asan -j"$jobs"
  # Every service is stopped with SIGTERM by the tests and must exit 0, so
  # a leak or a sanitizer report on any path they take fails the suite.
  supp="$PWD/tests/lsan.supp"
  # The browser flows ran against the release build above; here the whole
  # seed flow (portal and dashboard, every service) runs once more under
  # the sanitizers, the other flows not (they cost 5 minutes of the 15
  # the suite may take, and their HTTP paths are the e2e tests' too).
  (cd build-asan && export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
     LSAN_OPTIONS=suppressions="$supp" \
     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 &&
     ctest --output-on-failure -j"$jobs" -LE 'browser|hosts|upgrade' &&
     ctest --output-on-failure -R '^browser_desk_seed_flow$')

  echo "== fuzzing, ${BALCAO_FUZZ_SECONDS:-10} s per parser =="
  BALCAO_SKIP_BOOTSTRAP=1 BALCAO_FUZZ_CI=1 scripts/fuzz.sh "${BALCAO_FUZZ_SECONDS:-10}"
fi
