#!/usr/bin/env bash
# Runs every fuzz target in the module for a bounded time each, and prints
# how many inputs each tried. A failing input is written under the
# package's testdata/fuzz/<target>/ by go test: commit it, and it runs as a
# regression seed in every `go test` from then on.
#
#   bash scripts/fuzz.sh [SECONDS]    (default 20 per target)
set -euo pipefail

secs=${1:-20}
summary=()
status=0
while IFS=: read -r file _ line; do
	target=$(sed -E 's/^func (Fuzz[A-Za-z0-9_]*)\(.*/\1/' <<<"$line")
	pkg=$(dirname "$file")
	printf '\n==> %s %s (%ss)\n' "$pkg" "$target" "$secs"
	log=$(mktemp)
	for _ in 1 2; do
		if go test -run '^$' -fuzz "^${target}\$" -fuzztime "${secs}s" "$pkg" 2>&1 | tee "$log" | grep -v '^fuzz: elapsed' ; then :; fi
		# Go's fuzzing engine sometimes ends a run at -fuzztime with
		# "context deadline exceeded" and no failing input (a worker slow
		# to stop): that is not a finding, so the target runs once more. A
		# finding always writes its input under testdata/fuzz/.
		if grep -q '^ok' "$log" || grep -q 'Failing input written' "$log" || ! grep -q 'context deadline exceeded' "$log"; then
			break
		fi
		printf '(the fuzzing engine timed out without a finding: running %s again)\n' "$target"
	done
	if grep -q '^ok' "$log"; then
		execs=$(grep -o 'execs: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
		summary+=("$(printf '%-36s %-22s %12s execs' "$pkg" "$target" "$execs")")
	else
		summary+=("$(printf '%-36s %-22s %12s' "$pkg" "$target" "FAILED")")
		status=1
	fi
	rm -f "$log"
done < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]*\(f \*testing\.F\)' . | sort)
printf "\n"; printf "%s\n" "${summary[@]}"
exit $status
