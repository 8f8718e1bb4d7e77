#!/usr/bin/env bash
# The whole test suite, from a fresh machine: install, build, test.
#
#   scripts/test.sh                # everything CI runs
#   KWB_TEST_LABELS=unit scripts/test.sh   # a subset (ctest label regex) of the main build
#
# Steps:
#   1. scripts/bootstrap.sh installs Debian and npm packages (quiet when present);
#   2. build/ (Release): every target; ctest runs all labels but real-aws and bench;
#   3. build-asan/ (ASan + UBSan): the unit tests, built and run under the sanitizers;
#   4. build-fuzz/ (clang): the emulator's request-decoder fuzzer, 30 s from the committed seeds.
# Services the tests need: PostgreSQL is started by scripts/test_services.sh (and stopped on exit);
# peer emulators (kinesis-local, kinesalite) and our own emulator are started by each test.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

"$repo/scripts/bootstrap.sh"
# The web UI (web/dist), which the browser tests drive through `kwb serve`.
"$repo/scripts/build_web.sh"

jobs="${KWB_JOBS:-$(nproc)}"
# ccache (when installed) keys on paths relative to the checkout, so clones in other folders (CI)
# reuse the cache.
export CCACHE_BASEDIR="$repo" CCACHE_NOHASHDIR=1
labels="${KWB_TEST_LABELS:-unit|integration|browser}"

echo "== build (Release) =="
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$jobs"

echo "== build (ASan+UBSan, unit tests) =="
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DKWB_SANITIZE=ON -DKWB_BUILD_BENCH=OFF >/dev/null
# Only the unit-test executables: the sanitizer run covers the unit label (not the web UI's tests,
# label web, which are no C++ targets).
mapfile -t unit_targets < <(ctest --test-dir build -N -L unit -LE web | sed -n 's/^ *Test *#[0-9]*: *//p')
cmake --build build-asan -j "$jobs" --target "${unit_targets[@]}"

# PostgreSQL for the store suite: a throwaway cluster on 127.0.0.1, stopped again on exit.
eval "$("$repo/scripts/test_services.sh" start)"
trap '"$repo/scripts/test_services.sh" stop >/dev/null 2>&1 || true' EXIT

status=0
echo "== tests: $labels =="
ctest --test-dir build -L "$labels" --output-on-failure -j "$jobs" || status=1

echo "== tests under ASan+UBSan: unit =="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -L unit -LE web --output-on-failure -j "$jobs" || status=1

echo "== fuzz: emulator request decoder (clang + libFuzzer + ASan, 30 s) =="
# Its own build dir because the target needs clang. Any crash, hang (-timeout) or sanitizer report
# makes the fuzzer exit non-zero and fails the run; the reproducer is left in build-fuzz/.
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Release -DKWB_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz -j "$jobs" --target emulator_request_fuzzer
mkdir -p build-fuzz/fuzz-corpus
(cd build-fuzz && src/emulator/emulator_request_fuzzer -max_total_time="${KWB_FUZZ_SECONDS:-30}" -rss_limit_mb=2048 \
  -timeout=10 -print_final_stats=1 fuzz-corpus "$repo/src/emulator/fuzz/corpus") || status=1

exit $status
