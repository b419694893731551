#!/usr/bin/env bash
# Three islands servers on this machine as one Olric cluster over one
# PostgreSQL database: what an operator runs across machines, on loopback.
#
#   bash scripts/cluster.sh            build, start PostgreSQL and three members, wait for Ctrl+C
#
# Members listen on http://localhost:8081, :8082 and :8083 (WANDSTORE_CLUSTER_PORT
# moves the first). Each shopper cookie works on all three. Ctrl+C stops the
# members (each leaves the cluster gracefully) and PostgreSQL, and removes
# the throwaway database. Logs go to $dir/member-N.log.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

base=${WANDSTORE_CLUSTER_PORT:-8081}
dir=$(mktemp -d /tmp/wandstore-cluster.XXXXXX)
chmod 755 "$dir" # as root, PostgreSQL runs as the postgres user, who must reach $dir/pg
pids=()

cleanup() {
	trap - EXIT INT TERM
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	bash scripts/postgres.sh stop "$dir/pg" || true
	echo "stopped; logs were in $dir" >&2
}
trap cleanup EXIT INT TERM

echo "building wandgen and the demo stores" >&2
go build -o "$dir/wandgen" ./cmd/wandgen
"$dir/wandgen" build --quiet --out "$dir/public" --site-url "http://localhost:$base/"

pg=$(bash scripts/postgres.sh start "$dir/pg")
eval "$pg"

# One olric.yaml for every member; what differs per member is in flags.
export WANDSTORE_OLRIC_PEERS=127.0.0.1:3322,127.0.0.1:3332,127.0.0.1:3342
export WANDSTORE_OLRIC_REPLICAS=2
export WANDSTORE_DB=$WANDSTORE_PG_DSN
for i in 0 1 2; do
	port=$((base + i))
	mkdir -p "$dir/data-$i"
	"$dir/wandgen" serve --addr "localhost:$port" --ops-addr "127.0.0.1:$((port + 100))" --out "$dir/public" --data "$dir/data-$i" \
		--olric-config olric.yaml --olric-port $((3320 + 10 * i)) --olric-gossip-port $((3322 + 10 * i)) \
		>"$dir/member-$i.log" 2>&1 &
	pids+=($!)
done

for i in 0 1 2; do
	port=$((base + i))
	for _ in $(seq 1 300); do
		if curl -fs "http://127.0.0.1:$((port + 100))/readyz" >/dev/null 2>&1; then break; fi
		if ! kill -0 "${pids[$i]}" 2>/dev/null; then
			echo "member $i exited:" >&2
			tail -20 "$dir/member-$i.log" >&2
			exit 1
		fi
		sleep 0.1
	done
done

echo
for i in 0 1 2; do
	port=$((base + i))
	printf 'member %d: http://localhost:%d/  readyz (http://127.0.0.1:%d/readyz): %s\n' "$i" "$port" $((port + 100)) "$(curl -fs "http://127.0.0.1:$((port + 100))/readyz")"
done
cat <<MSG

The stores: http://localhost:$base/s/magic-wands/ (the same carts on :$((base + 1)) and :$((base + 2))).
Try: kill -9 ${pids[1]}   (member 1); its peers stay ready and report "split":true.
Ctrl+C stops everything.
MSG
wait
