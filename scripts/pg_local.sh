#!/usr/bin/env bash
# A throwaway PostgreSQL server in one folder, for workers on this machine, the
# chaos test, the cluster test and the benchmarks: Debian's PostgreSQL 15
# (`apt-get install postgresql`), initdb and pg_ctl run as an unprivileged user
# (`nobody` when called as root), listening on a unix socket in the folder only
# (no TCP port unless --port is given), trust authentication for local
# connections, one database `mtlab`.
#
# Usage: scripts/pg_local.sh start DIR [--port P]   create (first time) and start; prints the URL
#        scripts/pg_local.sh stop DIR                 stop (immediate)
#        scripts/pg_local.sh restart DIR              stop, then start again (same data)
#        scripts/pg_local.sh url DIR                  the store URL for experiment.database / --db
# Keep DIR short (a unix socket path must fit in 107 bytes): e.g. $(mktemp -d /tmp/pg.XXXX).
set -euo pipefail

cmd="${1:-}"; dir="${2:-}"
[[ -n "$cmd" && -n "$dir" ]] || { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
shift 2
port=""
while (($#)); do
  case "$1" in
    --port) port="${2:?--port needs a number}"; shift 2 ;;
    *) echo "pg_local: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[[ -x "$bin/initdb" ]] || { echo "pg_local: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 2; }
dir="$(cd "$(dirname "$dir")" && pwd)/$(basename "$dir")"
user="$(id -un)"
as_user() { if [[ $(id -u) -eq 0 ]]; then runuser -u nobody -- "$@"; else "$@"; fi; }
[[ $(id -u) -eq 0 ]] && user=nobody
url() { echo "postgresql://${user}@/mtlab?host=${dir}${port:+&port=$port}"; }

start() {
  mkdir -p "$dir"
  [[ $(id -u) -eq 0 ]] && chown nobody: "$dir"
  chmod 700 "$dir"
  if [[ ! -f "$dir/data/PG_VERSION" ]]; then
    as_user "$bin/initdb" -D "$dir/data" -U "$user" --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  local listen="''"
  [[ -n "$port" ]] && listen="127.0.0.1"
  as_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=$listen -c unix_socket_directories=$dir ${port:+-p $port} -c fsync=on -c max_connections=300" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  if ! as_user "$bin/psql" -h "$dir" ${port:+-p $port} -U "$user" -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'mtlab'" | grep -q 1; then
    as_user "$bin/createdb" -h "$dir" ${port:+-p $port} -U "$user" mtlab
  fi
  url
}

stop() { as_user "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true; }

case "$cmd" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  url) url ;;
  *) echo "pg_local: unknown command '$cmd' (start, stop, restart, url)" >&2; exit 2 ;;
esac
