#!/usr/bin/env bash
# The newcomer path: install, build, and start the main job on the embedded default.
#
#   scripts/up.sh            # foreground; Ctrl-C stops everything it started
#
# Today that is: the kwb emulator on 127.0.0.1:4567 (Kinesis-compatible), two demo streams, and
# demo traffic written through `kwb put`, with `kwb tail` showing records arriving.
# (The REST server, web UI and analyzer join this command as they land; see docs/roadmap.md.)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

"$repo/scripts/bootstrap.sh"
export CCACHE_BASEDIR="$repo" CCACHE_NOHASHDIR=1
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target kwb

kwb="$repo/build/src/cli/kwb"
port="${KWB_EMULATOR_PORT:-4567}"
endpoint="http://127.0.0.1:$port"
# The emulator accepts any SigV4 credentials; these only make the signing code path real.
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-kwb-local}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-kwb-local-secret}"
export AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_ENDPOINT_URL="$endpoint"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

"$kwb" emulator --port "$port" &
pids+=($!)
for _ in $(seq 1 100); do
  curl -fsS "$endpoint/_kwb/health" >/dev/null 2>&1 && break
  sleep 0.1
done

"$kwb" streams create demo-orders --shards 2 --wait >/dev/null 2>&1 || true
"$kwb" streams create demo-clicks --shards 1 --wait >/dev/null 2>&1 || true
"$kwb" streams list

# Demo traffic: a steady trickle into demo-orders, and bursts into the 1-shard demo-clicks that
# exceed its 1,000 records/s limit, so throttling is visible.
(
  i=0
  while true; do
    i=$((i + 1))
    seq 1 50 | sed "s/^/order-$i-/" | "$kwb" put demo-orders --partition-key "customer-$((i % 7))" >/dev/null 2>&1 || true
    if ((i % 10 == 0)); then
      seq 1 1500 | sed "s/^/click-$i-/" | "$kwb" put demo-clicks >/dev/null 2>&1 || true
    fi
    sleep 1
  done
) &
pids+=($!)

echo
echo "kwb emulator: $endpoint   (admin: $endpoint/_kwb/state)"
echo "Demo traffic is flowing into demo-orders and demo-clicks. Try, in another shell:"
echo "  AWS_ENDPOINT_URL=$endpoint AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y AWS_REGION=us-east-1 \\"
echo "    $kwb tail demo-orders --from trim-horizon"
echo "Press Ctrl-C to stop."
wait
