// Package e2e holds WandStore's browser tests: they start the real demo
// program (wandgen demo) on 127.0.0.1, drive Debian's Chromium through
// Playwright, and check the pages against the catalog they were built from.
//
// The tests need a browser and a Playwright driver, which `bash e2e/setup.sh`
// installs. Without them the tests skip, unless WANDSTORE_E2E=1 (as in CI),
// which turns a missing browser into a failure. Screenshots go to
// e2e/artifacts/.
package e2e
