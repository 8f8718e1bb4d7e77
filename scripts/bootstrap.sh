#!/usr/bin/env bash
# Installs every Debian and npm package that building, running and testing kwb needs.
# Idempotent and quiet: when everything is already there it prints nothing and exits 0.
#
#   scripts/bootstrap.sh            # build + test dependencies
#
# Runs apt-get as root directly, or through sudo when not root.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# One list, grouped by why we need it.
debian_packages=(
  # toolchain
  g++ cmake ninja-build ccache make pkg-config git
  # clang and its libFuzzer/ASan runtime (Debian ships libclang_rt.fuzzer in libclang-rt-14-dev,
  # which clang only recommends) for the emulator's fuzz target in scripts/test.sh
  clang libclang-rt-14-dev
  # libraries (see README "Dependencies" for what each is for)
  libboost-dev libcurl4-openssl-dev libssl-dev nlohmann-json3-dev libcli11-dev libspdlog-dev
  libpugixml-dev libsimdjson-dev libsodium-dev libtomlplusplus-dev libsqlite3-dev libpq-dev
  libgtest-dev libgmock-dev libbenchmark-dev zlib1g-dev
  # peers and tools the tests drive: Debian's awscli and boto3 as clients, wrk for benches,
  # node/npm for kinesis-local, kinesalite and the JS SDK
  awscli python3 python3-boto3 wrk nodejs npm curl ca-certificates
  # headless browser for the report screenshot checks (label browser)
  chromium
  # PostgreSQL server for the store tests
  postgresql
)

missing=()
for package in "${debian_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
# nodejs/npm may come from elsewhere on a developer machine (e.g. a newer Node): accept working binaries.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  filtered=()
  for package in "${missing[@]}"; do
    [[ "$package" == nodejs || "$package" == npm ]] || filtered+=("$package")
  done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi

if ((${#missing[@]} > 0)); then
  echo "bootstrap: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm peers (kinesis-local, kinesalite, the JS SDK): reinstall only when package.json changed.
install_npm() {
  local dir="$1"
  local stamp="$dir/node_modules/.kwb-installed"
  if [[ ! -f "$stamp" || "$dir/package.json" -nt "$stamp" ]]; then
    echo "bootstrap: npm install in ${dir#"$repo"/}"
    (cd "$dir" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
    touch "$stamp"
  fi
}
install_npm "$repo/tests/peers"
# web/ is installed by scripts/build_web.sh with `npm ci` from its package-lock.json.
