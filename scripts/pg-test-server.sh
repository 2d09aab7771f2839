#!/usr/bin/env bash
# A private PostgreSQL server for the tests (docs/postgres.md): `start <dir>` initdb's a cluster into <dir>,
# listening on 127.0.0.1 (a free port) and a unix socket in <dir>, and prints its URL (also kept in
# <dir>/url); `stop <dir>` stops it and deletes <dir>. Starting an already running server only prints its URL,
# so concurrent callers (vitest workers, CI) share one. `halt <dir>` stops it and keeps its data: the next
# `start <dir>` brings the same cluster back on the same port (outage tests); `restart <dir>` is pg_ctl's own
# restart (a fast shutdown, then the same cluster with the same options). As root the server runs as the `postgres` user (initdb
# refuses root). Durability is off (fsync=off): the data is thrown away anyway. Auth is trust, on 127.0.0.1 and
# the socket only: a test server, never a real one.
set -euo pipefail

usage() { echo "usage: $0 start|halt|restart|stop <dir>" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1
dir=$2

# Binaries: PG_BIN, else Debian's newest, else PATH.
bin=${PG_BIN:-}
if [ -z "$bin" ]; then
  for v in 17 16 15; do
    if [ -x "/usr/lib/postgresql/$v/bin/initdb" ]; then bin=/usr/lib/postgresql/$v/bin; break; fi
  done
fi
if [ -z "$bin" ] && command -v initdb >/dev/null; then bin=$(dirname "$(command -v initdb)"); fi
[ -n "$bin" ] || { echo "no PostgreSQL binaries (apt-get install postgresql, or set PG_BIN)" >&2; exit 1; }

# As root, run the server's commands as postgres.
as_server() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

running() { [ -f "$dir/url" ] && as_server "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; }

free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

# Starts the cluster in $dir/data on 127.0.0.1:$1 and the unix socket in $dir.
launch() {
  as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $1 -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null 9>&- || { cat "$dir/server.log" >&2; exit 1; }
}

start() {
  mkdir -p "$dir"
  # One starter at a time; the others find it running and print its URL.
  exec 9>"$dir/.lock"
  flock 9
  if running; then cat "$dir/url"; return; fi
  # Halted: the same cluster, on the port its URL names.
  if [ -f "$dir/data/PG_VERSION" ] && [ -f "$dir/url" ]; then
    local kept
    kept=$(sed -E 's|.*:([0-9]+)/.*|\1|' "$dir/url")
    launch "$kept"
    cat "$dir/url"
    return
  fi
  rm -rf "$dir/data" "$dir/url"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
  chmod 700 "$dir"
  as_server "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  local port
  port=$(free_port)
  launch "$port"
  echo "postgres://postgres@127.0.0.1:$port/postgres" >"$dir/url"
  cat "$dir/url"
}

# Stops the server as a fast shutdown does (clients told 57P01), keeping the data for the next start.
halt() {
  [ -f "$dir/data/PG_VERSION" ] || { echo "$dir is not a pg-test-server directory" >&2; exit 1; }
  as_server "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
}

restart() {
  [ -f "$dir/data/PG_VERSION" ] || { echo "$dir is not a pg-test-server directory" >&2; exit 1; }
  as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w -t 30 restart >/dev/null
}

stop() {
  [ -d "$dir" ] || return 0
  # Only a directory this script made (it has data/PG_VERSION) is deleted.
  [ -f "$dir/data/PG_VERSION" ] || { echo "$dir is not a pg-test-server directory; left alone" >&2; exit 1; }
  as_server "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case $action in
  start) start ;;
  halt) halt ;;
  restart) restart ;;
  stop) stop ;;
  *) usage ;;
esac
