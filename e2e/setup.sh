#!/usr/bin/env bash
# Prepares a machine for the browser tests in e2e/ without Playwright's browser
# download (its CDN is not reachable from here or from CI):
#
#   1. Debian's chromium at /usr/bin/chromium (apt), unless WANDSTORE_CHROMIUM
#      already names a working browser;
#   2. playwright-core from npm at exactly the version playwright-go pins
#      (Run() refuses a driver whose `cli.js --version` differs);
#   3. a driver directory holding `node` and `package` symlinks, which is what
#      playwright.RunOptions.DriverDirectory / PLAYWRIGHT_DRIVER_PATH expect.
#
# Safe to re-run: every step checks first and does nothing when already done.
# Progress goes to stderr; the only stdout line is the export, so
#   out=$(bash e2e/setup.sh) && eval "$out"
# sets PLAYWRIGHT_DRIVER_PATH in the calling shell.
#
# Environment (all optional):
#   WANDSTORE_CHROMIUM         browser to use instead of /usr/bin/chromium
#   WANDSTORE_PLAYWRIGHT_DIR   npm prefix for playwright-core
#                              (default ${XDG_CACHE_HOME:-$HOME/.cache}/wandstore/playwright)
#   PLAYWRIGHT_DRIVER_PATH     driver directory to create
#                              (default ${XDG_CACHE_HOME:-$HOME/.cache}/wandstore/playwright-driver)
set -euo pipefail

log() { printf 'e2e/setup: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

cd "$(dirname "${BASH_SOURCE[0]}")/.."

cache_home="${XDG_CACHE_HOME:-$HOME/.cache}"
npm_dir="${WANDSTORE_PLAYWRIGHT_DIR:-$cache_home/wandstore/playwright}"
driver_dir="${PLAYWRIGHT_DRIVER_PATH:-$cache_home/wandstore/playwright-driver}"
browser="${WANDSTORE_CHROMIUM:-/usr/bin/chromium}"

# Root runs apt directly; anyone else needs sudo, asked for only when there is
# something to install.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		die "need root to run: $*"
	fi
}

apt_updated=
apt_install() {
	command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install $* by hand"
	if [ -z "$apt_updated" ]; then
		log "apt-get update"
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
		apt_updated=1
	fi
	log "apt-get install $*"
	as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends "$@" >&2
}

# 1. The browser.
if [ -x "$browser" ]; then
	log "browser: $browser (present)"
elif [ -n "${WANDSTORE_CHROMIUM:-}" ]; then
	die "WANDSTORE_CHROMIUM=$WANDSTORE_CHROMIUM is not an executable file"
else
	apt_install chromium
	[ -x "$browser" ] || die "apt installed chromium but $browser is missing"
fi

# 2. Node and npm. The project's machines have Node 20; Debian's nodejs (18)
# is new enough for playwright-core 1.52 and is the fallback on a bare machine.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	apt_install nodejs npm
fi
node_bin="$(command -v node)"
command -v go >/dev/null 2>&1 || die "go not found on PATH"

# 3. The Playwright version playwright-go pins, read from its source so that
# bumping playwright-go in go.mod is the only change needed.
module=github.com/playwright-community/playwright-go
go mod download "$module" >&2 || die "go mod download $module failed"
module_dir="$(go list -m -f '{{.Dir}}' "$module")"
if [ -z "$module_dir" ] || [ ! -f "$module_dir/run.go" ]; then
	die "cannot find run.go of $module"
fi
version="$(sed -n 's/^const playwrightCliVersion = "\([^"]*\)".*/\1/p' "$module_dir/run.go")"
[ -n "$version" ] || die "no playwrightCliVersion in $module_dir/run.go"
log "playwright-go pins Playwright $version"

installed_version() {
	local pkg="$npm_dir/node_modules/playwright-core/package.json"
	[ -f "$pkg" ] || return 0
	"$node_bin" -p 'require(process.argv[1]).version' "$pkg" 2>/dev/null || true
}

if [ "$(installed_version)" = "$version" ]; then
	log "playwright-core $version: $npm_dir (present)"
else
	log "npm install playwright-core@$version into $npm_dir"
	mkdir -p "$npm_dir"
	npm install --prefix "$npm_dir" --save-exact --no-audit --no-fund \
		--loglevel=error "playwright-core@$version" >&2
	[ "$(installed_version)" = "$version" ] ||
		die "npm installed playwright-core $(installed_version), want $version"
fi

# 4. The driver directory. A real directory (not our symlink) in the way means
# someone else's driver lives there: refuse rather than write into it.
mkdir -p "$driver_dir"
link() { # link <target> <name>
	local name="$driver_dir/$2"
	if [ -e "$name" ] && [ ! -L "$name" ]; then
		die "$name exists and is not a symlink; remove it or set PLAYWRIGHT_DRIVER_PATH elsewhere"
	fi
	ln -sfn "$1" "$name"
}
link "$node_bin" node
link "$npm_dir/node_modules/playwright-core" package

got="$("$driver_dir/node" "$driver_dir/package/cli.js" --version 2>&1)" ||
	die "driver does not run: $got"
case "$got" in
*"$version"*) log "driver: $driver_dir ($got)" ;;
*) die "driver reports '$got', want $version" ;;
esac

printf 'export PLAYWRIGHT_DRIVER_PATH=%q\n' "$driver_dir"
