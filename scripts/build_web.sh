#!/usr/bin/env bash
# Builds the web UI (web/) into web/dist, which `kwb serve` serves at /.
# Idempotent and quiet: `npm ci` runs only when package-lock.json changed since the last install
# (stamp file in node_modules), and the build only when a source is newer than web/dist.
#
#   scripts/build_web.sh          # install if needed, build if needed
#   scripts/build_web.sh --force  # build even when web/dist looks current
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
web="$repo/web"
stamp="$web/node_modules/.kwb-npm-ci"
force=0
[[ "${1:-}" == "--force" ]] && force=1

if ! command -v npm >/dev/null 2>&1; then
  echo "build_web: npm is not installed (scripts/bootstrap.sh installs it)" >&2
  exit 1
fi

cd "$web"
if [[ ! -f "$stamp" || "$web/package-lock.json" -nt "$stamp" ]]; then
  echo "build_web: npm ci in web/"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  touch "$stamp"
  force=1
fi

# Rebuild when any input is newer than the built index.html.
if ((force == 0)) && [[ -f "$web/dist/index.html" ]]; then
  newer=$(find "$web/src" "$web/index.html" "$web/package.json" "$web/vite.config.ts" "$web/tsconfig.json" \
    -newer "$web/dist/index.html" -print -quit)
  [[ -z "$newer" ]] && exit 0
fi

echo "build_web: building web/dist"
if ! output=$(npm run --silent build 2>&1); then
  echo "$output" >&2
  echo "build_web: the web UI build failed" >&2
  exit 1
fi
