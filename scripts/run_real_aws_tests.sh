#!/usr/bin/env bash
# The real-AWS tests (ctest label real-aws): the end-to-end test against the account of the
# standard credentials chain, in its own build dir with -DKWB_REAL_AWS_TESTS=ON. Costs cents: one
# 1-2 shard stream for a few minutes, tagged kwb:TestRun and deleted at the end; leftovers of
# crashed runs older than two hours are swept first.
#
#   AWS_PROFILE=sandbox AWS_REGION=eu-west-1 scripts/run_real_aws_tests.sh
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
if [[ -n "${AWS_ENDPOINT_URL:-}" ]]; then
  echo "AWS_ENDPOINT_URL is set ($AWS_ENDPOINT_URL): unset it to test against real AWS" >&2
  exit 2
fi

"$repo/scripts/bootstrap.sh"
export CCACHE_BASEDIR="$repo" CCACHE_NOHASHDIR=1
cmake -S . -B build-real-aws -G Ninja -DCMAKE_BUILD_TYPE=Release -DKWB_REAL_AWS_TESTS=ON -DKWB_BUILD_BENCH=OFF >/dev/null
cmake --build build-real-aws -j "$(nproc)" --target kwb e2e_real_aws_test

build-real-aws/src/cli/kwb whoami
KWB_BINARY="$repo/build-real-aws/src/cli/kwb" "$repo/scripts/sweep_test_resources.sh"
ctest --test-dir build-real-aws -L real-aws --output-on-failure
