#!/usr/bin/env bash
# A throwaway PostgreSQL server on 127.0.0.1 for tests, benchmarks and a
# local cluster: Debian's postgresql (installed when missing and we are
# root), a fresh data folder, trust authentication, no fsync (a crash of the
# machine loses it; nothing here is meant to outlive the run).
#
#   eval "$(bash scripts/postgres.sh start [DIR])"   prints export lines:
#        WANDSTORE_PG_DSN (a postgres:// URL) and WANDSTORE_PG_DIR
#   bash scripts/postgres.sh stop [DIR]              stops it (DIR defaults
#        to $WANDSTORE_PG_DIR) and removes the folder
#
# PostgreSQL refuses to run as root: as root the server runs as the
# `postgres` user Debian's package creates. Progress goes to stderr, so
# stdout is only the export lines.
set -euo pipefail

log() { printf 'postgres.sh: %s\n' "$*" >&2; }

bindir() {
	local d
	for d in /usr/lib/postgresql/*/bin; do
		if [ -x "$d/initdb" ]; then
			echo "$d"
			return 0
		fi
	done
	return 1
}

install() {
	if bindir >/dev/null; then
		return 0
	fi
	if [ "$(id -u)" != 0 ]; then
		log "PostgreSQL is not installed (apt-get install postgresql, as root)"
		exit 1
	fi
	log "installing Debian's postgresql"
	(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql) >&2
	bindir >/dev/null || { log "postgresql installed, but no initdb found"; exit 1; }
}

# as USER CMD...: runs CMD as the server's owner.
as_owner() {
	if [ "$(id -u)" = 0 ]; then
		su postgres -s /bin/bash -c "$(printf '%q ' "$@")"
	else
		"$@"
	fi
}

free_port() {
	local p
	for p in $(seq 55432 55532); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	log "no free port in 55432-55532"
	exit 1
}

start() {
	install
	local bin dir port
	bin=$(bindir)
	dir=${1:-$(mktemp -d /tmp/wandstore-pg.XXXXXX)}
	mkdir -p "$dir"
	if [ "$(id -u)" = 0 ]; then
		chown postgres: "$dir"
		chmod 700 "$dir"
	fi
	port=$(free_port)
	as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-locale >/dev/null
	as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -w -t 60 start \
		-o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" >/dev/null
	log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, data in $dir"
	printf 'export WANDSTORE_PG_DSN=%q\n' "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
	printf 'export WANDSTORE_PG_DIR=%q\n' "$dir"
}

stop() {
	local dir=${1:-${WANDSTORE_PG_DIR:-}}
	if [ -z "$dir" ] || [ ! -d "$dir/data" ]; then
		log "nothing to stop (no folder given and WANDSTORE_PG_DIR unset)"
		return 0
	fi
	as_owner "$(bindir)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
	rm -rf "$dir"
}

case "${1:-}" in
start) start "${2:-}" ;;
stop) stop "${2:-}" ;;
*)
	echo "usage: bash scripts/postgres.sh start [DIR] | stop [DIR]" >&2
	exit 2
	;;
esac
