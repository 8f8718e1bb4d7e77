#!/usr/bin/env bash
# Throwaway services for the integration tests: today a PostgreSQL 15 cluster.
#
#   eval "$(scripts/test_services.sh start)"   # start (or reuse) it; exports KWB_TEST_DATABASE_URL
#   scripts/test_services.sh env               # print the export line again (nothing if stopped)
#   scripts/test_services.sh status            # exit 0 when running
#   scripts/test_services.sh stop              # stop it and delete its files
#
# Only the `export ...` line goes to stdout, so `eval "$(...)"` works; progress goes to stderr.
#
# The cluster lives in ${TMPDIR:-/tmp}/kwb-test-services-<uid> (override: KWB_TEST_SERVICES_DIR),
# listens on 127.0.0.1 only, on a free port, plus a unix socket in that directory, and trusts the
# local superuser "kwb" (it is a disposable test database holding nothing). Durability is off
# (fsync, synchronous_commit) because speed matters here and a crash only loses test data.
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user.
# `start` is idempotent: a running cluster is reused; a stopped one is restarted on a free port.
set -euo pipefail

pg_bin="${KWB_PG_BIN:-/usr/lib/postgresql/15/bin}"
state="${KWB_TEST_SERVICES_DIR:-${TMPDIR:-/tmp}/kwb-test-services-$(id -u)}"
data="$state/pgdata"
db_user="kwb"
db_name="kwb_test"

log() { echo "test_services: $*" >&2; }

# Runs a command as the user that owns the cluster.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    if command -v runuser >/dev/null; then
      runuser -u postgres -- "$@"
    else
      su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
    fi
  else
    "$@"
  fi
}

free_port() {
  if command -v python3 >/dev/null; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    return
  fi
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  log "no free port found"
  return 1
}

running() { [[ -d "$data" ]] && as_owner "$pg_bin/pg_ctl" -D "$data" status >/dev/null 2>&1; }

print_env() {
  local port
  port="$(cat "$state/port")"
  echo "export KWB_TEST_DATABASE_URL=postgresql://$db_user@127.0.0.1:$port/$db_name"
}

start() {
  if [[ ! -x "$pg_bin/initdb" ]]; then
    log "PostgreSQL 15 server binaries not found in $pg_bin (apt-get install postgresql-15)"
    exit 1
  fi
  if running; then
    log "reusing the running cluster in $state"
    print_env
    return
  fi
  mkdir -p "$state"
  chmod 755 "$state"  # the postgres user must reach its socket and data directories
  [[ $(id -u) -eq 0 ]] && chown postgres: "$state"
  cd "$state"         # as postgres, the caller's working directory may be unreadable

  if [[ ! -f "$data/PG_VERSION" ]]; then
    rm -rf "$data"
    log "initdb in $data"
    as_owner "$pg_bin/initdb" -D "$data" --username="$db_user" --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
      >"$state/initdb.log" 2>&1 || { cat "$state/initdb.log" >&2; exit 1; }
  fi

  local port attempt
  for attempt in 1 2 3; do
    port="$(free_port)"
    log "starting PostgreSQL on 127.0.0.1:$port (attempt $attempt)"
    if as_owner "$pg_bin/pg_ctl" -D "$data" -l "$state/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $state -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
        start >/dev/null; then
      break
    fi
    port=""
  done
  if [[ -z "$port" ]]; then
    log "PostgreSQL did not start; server log:"
    tail -n 30 "$state/server.log" >&2 || true
    exit 1
  fi
  echo "$port" >"$state/port"

  if ! "$pg_bin/psql" -h 127.0.0.1 -p "$port" -U "$db_user" -d postgres -Atqc \
      "SELECT 1 FROM pg_database WHERE datname = '$db_name'" | grep -q 1; then
    "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U "$db_user" "$db_name"
  fi
  print_env
}

stop() {
  if running; then
    log "stopping PostgreSQL in $state"
    as_owner "$pg_bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
  fi
  rm -rf "$state"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) if running; then print_env; fi ;;
  status) running ;;
  *)
    echo "usage: $0 start|stop|env|status" >&2
    exit 2
    ;;
esac
