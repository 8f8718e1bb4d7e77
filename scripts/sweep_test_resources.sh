#!/usr/bin/env bash
# Deletes streams that integration test runs left behind: named kwb-it-*, tagged kwb:TestRun, and
# created more than KWB_SWEEP_HOURS (default 2) hours ago. Anything else is never touched, so it is
# safe on a shared account. Uses the kwb CLI, so the AWS target is the standard chain (AWS_PROFILE,
# AWS_REGION, AWS_ENDPOINT_URL, ...).
#
#   scripts/sweep_test_resources.sh            # delete
#   scripts/sweep_test_resources.sh --dry-run  # only list what would go
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kwb="${KWB_BINARY:-$repo/build/src/cli/kwb}"
hours="${KWB_SWEEP_HOURS:-2}"
dry_run=0
[[ "${1:-}" == "--dry-run" ]] && dry_run=1

candidates="$("$kwb" --output json streams list | python3 -c '
import json, sys, datetime
hours = float(sys.argv[1])
now = datetime.datetime.now(datetime.timezone.utc)
for s in json.load(sys.stdin)["streams"]:
    name = s["stream_name"]
    if not name.startswith("kwb-it-") or s.get("status") == "DELETING":
        continue
    created = datetime.datetime.fromisoformat(s["created"].replace("Z", "+00:00"))
    if now - created >= datetime.timedelta(hours=hours):
        print(name)
' "$hours")"

swept=0
for name in $candidates; do
  tagged="$("$kwb" --output json streams describe "$name" | python3 -c 'import json,sys; print("kwb:TestRun" in json.load(sys.stdin).get("tags", {}))')"
  [[ "$tagged" == "True" ]] || continue
  if ((dry_run)); then
    echo "would delete $name"
  else
    "$kwb" streams delete "$name" --force >/dev/null && echo "deleted $name"
  fi
  swept=$((swept + 1))
done
echo "swept $swept stream(s) older than ${hours} h"
