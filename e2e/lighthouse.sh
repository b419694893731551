#!/usr/bin/env bash
# Lighthouse scores (performance, accessibility, best practices, SEO) for the
# demo store's home, collection, product, search, cart and account pages,
# islands live, and for the operator's dashboard (/admin/, with a bearer
# token), with Debian's chromium. Reports go to
# e2e/artifacts/lighthouse-<page>.json; a table of the scores and of the
# metrics the performance score is made of (FCP, LCP, speed index, TBT, CLS)
# is printed at the end. Not part of CI: scores are noisy on shared machines,
# so this is a tool for looking, not a gate.
#
# Environment (all optional):
#   LIGHTHOUSE_PORT            port for the demo (default: a free one)
#   WANDSTORE_LIGHTHOUSE_DIR   npm prefix for lighthouse
#                              (default ${XDG_CACHE_HOME:-$HOME/.cache}/wandstore/lighthouse)
#   WANDSTORE_CHROMIUM         browser (default /usr/bin/chromium)
#   LIGHTHOUSE_RUNS            runs of each page (default 5); the table has a
#                              row for each run, and each report is kept as
#                              lighthouse-<page>[-<run>].json. With more than
#                              one run, a second table gives each page's
#                              median run, chosen as Lighthouse itself
#                              chooses it (computeMedianRun: the run nearest
#                              the median FCP and time to interactive, as
#                              Lighthouse CI picks its representative run),
#                              beside the lowest and highest performance.
set -euo pipefail

log() { printf 'e2e/lighthouse: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

cd "$(dirname "${BASH_SOURCE[0]}")/.."

cache_home="${XDG_CACHE_HOME:-$HOME/.cache}"
lh_dir="${WANDSTORE_LIGHTHOUSE_DIR:-$cache_home/wandstore/lighthouse}"
browser="${WANDSTORE_CHROMIUM:-/usr/bin/chromium}"
artifacts=e2e/artifacts
store=magic-wands
# name=path, in the order of the table.
pages=(
	"home=/s/$store/"
	"collection=/s/$store/collections/wands/"
	"product=/s/$store/products/elder-wand/"
	"search=/s/$store/search/?q=wand"
	"cart=/s/$store/cart/"
	"account=/s/$store/account/"
	"admin=/admin/"
)
# The dashboard's token: the demo runs with it, and Lighthouse sends it.
admin_token="lighthouse-admin-token-$$-$RANDOM"

# The browser (and node), the same way the browser tests get them.
bash e2e/setup.sh >/dev/null

lh="$lh_dir/node_modules/.bin/lighthouse"
lh_version() {
	if [ -x "$lh" ]; then "$lh" --version 2>/dev/null || true; fi
}
case "$(lh_version)" in
12.*) log "lighthouse $(lh_version): $lh_dir (present)" ;;
*)
	log "npm install lighthouse@12 into $lh_dir"
	mkdir -p "$lh_dir"
	npm install --prefix "$lh_dir" --no-audit --no-fund --loglevel=error lighthouse@12 >&2
	case "$(lh_version)" in
	12.*) log "lighthouse $(lh_version)" ;;
	*) die "npm did not install lighthouse 12 (got '$(lh_version)')" ;;
	esac
	;;
esac

# Chromium's own work is kept out of the measurement, as Lighthouse's
# launcher does with its default flags (chrome-launcher's DEFAULT_FLAGS:
# translate, media router and other background services off). One more:
# headless Chromium 156 opens two omnibox popup pages of its own browser UI
# (chrome://omnibox-popup.top-chrome/, WebUI renderers running about 0.7 s
# of script) at start, which now and then overlapped a measured page view
# on this machine's two cores. Chromium takes only the last
# --disable-features, so the launcher's list is repeated in ours.
launcher_features=$(node --input-type=module -e '
	const { DEFAULT_FLAGS } = await import(process.argv[1]);
	const f = DEFAULT_FLAGS.find((x) => x.startsWith("--disable-features="));
	console.log(f ? f.slice("--disable-features=".length) : "");' \
	"$lh_dir/node_modules/chrome-launcher/dist/flags.js") || die "cannot read chrome-launcher's default flags"
disabled_features="${launcher_features:+$launcher_features,}WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup"
# The launcher adds its other defaults itself (--no-first-run,
# --disable-background-networking, --disable-component-update,
# --disable-sync and more); these are the ones it does not.
chrome_flags="--headless --no-sandbox --disable-gpu --disable-quic --disable-dev-shm-usage --disable-features=$disabled_features"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wandstore-lighthouse.XXXXXX")
demo_pid=
cleanup() {
	if [ -n "$demo_pid" ] && kill -0 "$demo_pid" 2>/dev/null; then
		kill "$demo_pid" 2>/dev/null || true
		wait "$demo_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

port="${LIGHTHOUSE_PORT:-$(node -e '
	const s = require("net").createServer();
	s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')}"
base="http://127.0.0.1:$port"

# Build first, then start the binary itself: the background PID is then the
# demo's own, not a `go run` parent that might not pass the signal on.
log "building wandgen"
go build -o "$tmp/wandgen" ./cmd/wandgen
mkdir -p "$tmp/out"
log "starting the demo on $base"
WANDSTORE_ADMIN_TOKEN="$admin_token" "$tmp/wandgen" demo --addr "127.0.0.1:$port" --out "$tmp/out" >"$tmp/demo.log" 2>&1 &
demo_pid=$!

# Wait for the home page to answer 200, for up to 2 minutes.
ready() {
	node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
		"$base${pages[0]#*=}"
}
for _ in $(seq 240); do
	if ready; then break; fi
	if ! kill -0 "$demo_pid" 2>/dev/null; then
		cat "$tmp/demo.log" >&2
		die "the demo exited before serving"
	fi
	sleep 0.5
done
ready || { cat "$tmp/demo.log" >&2; die "the demo did not answer on $base within 2 minutes"; }

runs="${LIGHTHOUSE_RUNS:-5}"
case "$runs" in '' | *[!0-9]* | 0) die "LIGHTHOUSE_RUNS must be a whole number of runs, not '$runs'" ;; esac
mkdir -p "$artifacts"
reports=()
for run in $(seq "$runs"); do
	for page in "${pages[@]}"; do
		name=${page%%=*}
		url="$base${page#*=}"
		report="$artifacts/lighthouse-$name.json"
		if [ "$runs" -gt 1 ]; then report="$artifacts/lighthouse-$name-$run.json"; fi
		log "lighthouse $url (run $run of $runs)"
		headers=()
		if [ "$name" = admin ]; then
			headers=(--extra-headers="{\"Authorization\":\"Bearer $admin_token\"}")
		fi
		CHROME_PATH="$browser" "$lh" "$url" "${headers[@]}" \
			--quiet \
			--only-categories=performance,accessibility,best-practices,seo \
			--chrome-flags="$chrome_flags" \
			--output=json \
			--output-path="$report"
		reports+=("$name=$run=$report")
	done
done

# One row a page and run: the four scores (0-100), then the metrics the
# performance score is made of, as Lighthouse simulated them for a phone
# (FCP, LCP, speed index and TBT in ms; CLS unitless). With several runs,
# then each page's median run: one run's performance moves by a few points
# on a shared machine (docs/LIGHTHOUSE.md), which is why Lighthouse's own
# guidance is to run five times and take the median run; the lowest and
# highest performance are beside it.
node --input-type=module - "$lh_dir/node_modules/lighthouse/core/lib/median-run.js" "${reports[@]}" <<'EOF'
import fs from "fs";
const [lib, ...args] = process.argv.slice(2);
const { computeMedianRun } = await import(lib);
const cats = ["performance", "accessibility", "best-practices", "seo"];
const metrics = [
	["FCP", "first-contentful-paint", 0],
	["LCP", "largest-contentful-paint", 0],
	["SI", "speed-index", 0],
	["TBT", "total-blocking-time", 0],
	["CLS", "cumulative-layout-shift", 3],
];
const score = (lhr, c) => {
	const s = lhr.categories[c] && lhr.categories[c].score;
	return s == null ? "n/a" : String(Math.round(s * 100));
};
const metric = (lhr, [, id, digits]) => {
	const a = lhr.audits[id];
	return a && a.numericValue != null ? a.numericValue.toFixed(digits) : "n/a";
};
// Columns: the page's name, then numbers; column wide (the median
// table's performance range) is wider.
const row = (cells, wide) => cells.map((c, i) => (i === 0 ? c.padEnd(11) : c.padStart(i === wide ? 14 : 9))).join("");
const byPage = new Map();
console.log(row(["page", "run", "perf", "a11y", "best-pr", "seo", ...metrics.map((m) => m[0])]));
for (const arg of args) {
	const [name, run, file] = arg.split("=");
	const lhr = JSON.parse(fs.readFileSync(file, "utf8"));
	lhr.run = run;
	if (!byPage.has(name)) byPage.set(name, []);
	byPage.get(name).push(lhr);
	console.log(row([name, run, ...cats.map((c) => score(lhr, c)), ...metrics.map((m) => metric(lhr, m))]));
}
if ([...byPage.values()].some((lhrs) => lhrs.length > 1)) {
	console.log("\nmedian run of each page (Lighthouse's computeMedianRun); perf range: the lowest and highest performance of all its runs");
	console.log(row(["page", "run", "perf", "a11y", "best-pr", "seo", "perf range", ...metrics.map((m) => m[0])], 6));
	for (const [name, lhrs] of byPage) {
		const m = computeMedianRun(lhrs);
		const perfs = lhrs.map((l) => score(l, "performance")).filter((p) => p !== "n/a").map(Number);
		const range = perfs.length ? Math.min(...perfs) + "-" + Math.max(...perfs) : "n/a";
		console.log(row([name, m.run, ...cats.map((c) => score(m, c)), range, ...metrics.map((x) => metric(m, x))], 6));
	}
}
EOF
log "reports: $artifacts/lighthouse-*.json"
