#!/usr/bin/env bash
# The newcomer path: install, build, and start the main job on the embedded default.
#
#   scripts/up.sh            # foreground; Ctrl-C stops everything it started
#
# What runs:
#   - `kwb serve --embedded` on 127.0.0.1:8080 (KWB_PORT): the REST API and the web UI, with the kwb
#     emulator (Kinesis + CloudWatch) in the same process on 127.0.0.1:4567 (KWB_EMULATOR_PORT);
#   - `kwb demo`: four demo streams with three hours of metric history and live traffic;
#   - a first `kwb analyze --all`, printed here, so the first command already shows real findings.
# Sign in at http://127.0.0.1:8080 as admin / admin123 (change it: the server warns until you do).
# Data (users, streams) lives in ./data; delete it for a fresh start.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

"$repo/scripts/bootstrap.sh"
export CCACHE_BASEDIR="$repo" CCACHE_NOHASHDIR=1
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target kwb
if [[ -x "$repo/scripts/build_web.sh" ]]; then "$repo/scripts/build_web.sh"; fi

kwb="$repo/build/src/cli/kwb"
port="${KWB_PORT:-8080}"
emulator_port="${KWB_EMULATOR_PORT:-4567}"
server="http://127.0.0.1:$port"
endpoint="http://127.0.0.1:$emulator_port"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# No AWS credentials are needed: --embedded makes the in-process emulator the AWS target.
"$kwb" serve --embedded --port "$port" --embedded-port "$emulator_port" --data-dir "$repo/data" &
pids+=($!)
for _ in $(seq 1 300); do
  curl -fsS "$server/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$server/readyz" >/dev/null || { echo "kwb serve did not become ready on $server" >&2; exit 1; }

# The CLI talks to the embedded emulator like to any AWS endpoint (any SigV4 credentials pass).
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-kwb-local}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-kwb-local-secret}"
export AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_ENDPOINT_URL="$endpoint"

"$kwb" demo --no-traffic
"$kwb" demo --no-history &
pids+=($!)
sleep 5  # a few seconds of live traffic before the first analysis

echo
echo "== kwb analyze --all --window 3h =="
"$kwb" analyze --all --window 3h || true

# The same analysis as a stored job, so the web UI's Analysis page opens on a result. Only while
# admin still has the default password (a changed password is not ours to know).
token="$(curl -fsS -X POST "$server/api/auth/login" -H 'Content-Type: application/json' \
  -d '{"username":"admin","password":"admin123"}' 2>/dev/null |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])' 2>/dev/null || true)"
if [[ -n "$token" ]]; then
  curl -fsS -X POST "$server/api/analyses" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"all": true, "window": "3h"}' >/dev/null || true
fi

cat <<EOF

kwb is up:
  web UI and REST API   $server          (sign in: admin / admin123)
  Kinesis + CloudWatch  $endpoint    (the embedded kwb emulator)
  API reference         $server/api/openapi.json
Demo traffic keeps flowing into the demo-* streams; the Analysis page runs the same analysis.
Try, in another shell:
  AWS_ENDPOINT_URL=$endpoint AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y AWS_REGION=us-east-1 \\
    $kwb tail demo-orders --from latest
Press Ctrl-C to stop.
EOF
wait
