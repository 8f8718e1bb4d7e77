#!/usr/bin/env bash
# kwb serve under Debian's wrk (issue 5's bench): /healthz and GET /api/streams with a bearer token,
# at 2 and 64 connections, against `kwb serve --embedded` on 127.0.0.1 with a fresh SQLite store and
# three streams. Prints one markdown row per run: req/s, p50, p99, the server's CPU per request
# (utime+stime from /proc, so the figure means something even when other jobs share the cores)
# and the load average. Results go to docs/benchmarks.md.
#
#   bench/serve_wrk.sh [path/to/kwb] [seconds per run]
set -euo pipefail
kwb="${1:-build/src/cli/kwb}"
seconds="${2:-10}"
command -v wrk >/dev/null || { echo "wrk not found (apt-get install wrk)" >&2; exit 2; }

work="$(mktemp -d)"
server_pid=""
cleanup() { [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$kwb" serve --embedded --port "$port" --data-dir "$work/data" \
  >"$work/server.log" 2>&1 &
server_pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -fs "$base/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$base/readyz" >/dev/null || { echo "server did not become ready" >&2; cat "$work/server.log" >&2; exit 1; }

token="$(curl -fs -X POST "$base/api/auth/login" -d '{"username":"admin","password":"admin123"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
for name in bench-a bench-b bench-c; do
  curl -fs -X POST "$base/api/streams" -H "Authorization: Bearer $token" \
    -d "{\"name\":\"$name\",\"shard_count\":1}" >/dev/null
done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
ticks_per_second="$(getconf CLK_TCK)"

echo "| route | connections | req/s | p50 | p99 | server CPU per request | load average (1 min) |"
echo "|---|---|---|---|---|---|---|"
run() {
  local label="$1" connections="$2" path="$3"; shift 3
  local before after out
  before="$(cpu_ticks)"
  out="$(wrk -t2 -c"$connections" -d"${seconds}s" --latency "$@" "$base$path")"
  after="$(cpu_ticks)"
  python3 - "$label" "$connections" "$before" "$after" "$ticks_per_second" "$(cut -d' ' -f1 /proc/loadavg)" <<PY
import re, sys
label, connections, before, after, hz, load = sys.argv[1:]
out = """$out"""
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
total = int(re.search(r"(\d+) requests in", out).group(1))
p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)
p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
cpu_us = (int(after) - int(before)) / int(hz) * 1e6 / max(1, total)
print(f"| {label} | {connections} | {rps:,.0f} | {p50} | {p99} | {cpu_us:.0f} µs | {load} |")
PY
}
run '`/healthz`' 2 /healthz
run '`/healthz`' 64 /healthz
run '`GET /api/streams`, bearer token' 2 /api/streams -H "Authorization: Bearer $token"
run '`GET /api/streams`, bearer token' 64 /api/streams -H "Authorization: Bearer $token"
