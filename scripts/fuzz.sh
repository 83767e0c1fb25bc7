#!/usr/bin/env bash
# Fuzzes each parser with libFuzzer (clang) for SECONDS each (default 60),
# starting from the saved corpus; new interesting inputs are added to it.
#   scripts/fuzz.sh [SECONDS]
# With BALCAO_FUZZ_CI=1 (what scripts/test.sh does) the saved corpus is only
# read: new inputs go to a temporary directory, so CI leaves the checkout as
# it found it, and any crash fails the run with its reproducer printed.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${BALCAO_SKIP_BOOTSTRAP:-0}" = 1 ] || scripts/bootstrap.sh
secs=${1:-60}
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DBALCAO_FUZZ=ON -DBALCAO_SANITIZE=ON \
    -DCMAKE_BUILD_TYPE=Debug >/dev/null
targets=(envelope mail imap gateway kb_text router_reply webpath whatsapp chat taxid scrub)
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]/#/fuzz_}"
for t in "${targets[@]}"; do
  echo "== fuzz_$t for ${secs}s =="
  if [ "${BALCAO_FUZZ_CI:-0}" = 1 ]; then
    scratch=$(mktemp -d)
    rc=0
    (cd "$scratch" && "$OLDPWD/build-fuzz/tests/fuzz/fuzz_$t" -max_total_time="$secs" \
        -max_len=65536 "$scratch" "$OLDPWD/tests/fuzz/corpus/$t" >"$scratch.log" 2>&1) || rc=$?
    grep -E "^(Done |==[0-9]+==|SUMMARY|.*Test unit written|artifact_prefix)" "$scratch.log" || true
    if [ "$rc" != 0 ]; then
      tail -40 "$scratch.log"
      echo "fuzz_$t failed (exit $rc); the crashing input is in $scratch" >&2
      exit "$rc"
    fi
    rm -rf "$scratch" "$scratch.log"
  else
    build-fuzz/tests/fuzz/fuzz_$t -max_total_time="$secs" -max_len=65536 tests/fuzz/corpus/$t
  fi
done
