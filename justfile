# WandStore developer recipes. Nothing here is required: CI runs `bash .ci/run`,
# and README's commands work without just.

set shell := ["bash", "-euo", "pipefail", "-c"]

# List the recipes.
default:
    @{{ just_executable() }} --list --unsorted

# Regenerate the templ components (*_templ.go; commit them).
gen:
    go tool templ generate

# Run every test; the browser tests skip unless installed (see `just e2e`).
test:
    go test ./...

# Install the browser and Playwright driver if needed, then run the browser tests.
e2e:
    out=$(bash e2e/setup.sh) && eval "$out" && WANDSTORE_E2E=1 go test -count=1 ./e2e/

# Every fuzz target for SECONDS each (CI: 20); a crasher is written under
# the package's testdata/fuzz/: commit it as a regression seed.
fuzz SECONDS="20":
    bash scripts/fuzz.sh {{SECONDS}}

# What CI checks before testing: templ generate leaves no diff, gofmt, go vet.
check:
    bash .ci/run check

# The build table (internal/buildbench): cold builds of 1,000, 10,000 and
# 100,000 products by wandgen, with and without the compressed copies, beside
# Hugo (Debian's hugo, installed here if missing and we are root) building the
# same product files, each a process of its own (wall clock, peak RSS); and
# 1,000 stores of 100 products beside the one store of 100,000; and the CLI
# rebuild after one product's price changed at each size (a new process each),
# beside Hugo's cold build, which is its rebuild. Then the
# generator's Go benchmarks on a generated 10,000-product store, Hugo beside. Output goes to tmpfs when there is one, for both tools, so the
# figures compare generators rather than this machine's shared disk.
# Then the islands server over HTTP on 127.0.0.1 (warm and cold fragments
# beside a bare handler, add to cart), printed as a table; then the webhook
# path (a product change published incrementally, and signed webhooks over
# HTTP until the files are published) at 1,000 and 10,000 products.
bench:
    if ! command -v hugo >/dev/null; then \
        if [ "$(id -u)" = 0 ]; then (apt-get update -qq && apt-get install -y -qq --no-install-recommends hugo) || true; fi; \
        command -v hugo >/dev/null || echo "hugo not installed: the build table will have no Hugo rows"; \
    fi
    go run ./internal/buildbench -sizes 1000,10000,100000 -stores 1000x100 -runs 3
    WANDSTORE_BENCH_DIR=$([ -d /dev/shm ] && echo /dev/shm || true) go test -run '^$' -bench 'BuildFull10k|Rebuild$' -benchtime 3x -benchmem ./generator/
    go test -run '^$' -bench . ./islands/
    out=$(bash scripts/postgres.sh start) && eval "$out" && trap 'bash scripts/postgres.sh stop' EXIT && \
        go test -run '^$' -bench DurableAddToCart -benchtime 2s ./islands/store/ && \
        go test -run '^$' -bench ClusterIslands -benchtime 4000x ./e2e/cluster/
    WANDSTORE_BENCH_DIR=$([ -d /dev/shm ] && echo /dev/shm || true) go test -run '^$' -bench LiveProductChange -benchtime 300x -benchmem ./generator/
    WANDSTORE_BENCH_DIR=$([ -d /dev/shm ] && echo /dev/shm || true) go test -run '^$' -bench WebhookToPublished -benchtime 300x ./app/
    WANDSTORE_BENCH_DIR=$([ -d /dev/shm ] && echo /dev/shm || true) go test -run '^$' -bench WebhookBurst -benchtime 1x ./app/

# Build the demo stores and serve them (flags pass through: just demo --addr 127.0.0.1:8080).
demo *flags:
    go run ./cmd/wandgen demo {{ flags }}

# Three islands servers as one Olric cluster over a throwaway PostgreSQL, on
# localhost:8081-8083 (scripts/cluster.sh; Ctrl+C stops everything).
cluster:
    bash scripts/cluster.sh

# Lighthouse scores for the demo's home, collection and product pages.
lighthouse:
    bash e2e/lighthouse.sh
