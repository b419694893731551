package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"

	"github.com/wandstore/wandstore/app"
	"github.com/wandstore/wandstore/internal/testkit"
)

const (
	// envRequired set to 1 (CI does) turns a missing browser or driver from a
	// skip into a failure, so CI can never go green without running them.
	envRequired = "WANDSTORE_E2E"
	// envBrowser overrides the browser binary.
	envBrowser     = "WANDSTORE_CHROMIUM"
	defaultBrowser = "/usr/bin/chromium"
	// envDriver is playwright-go's own variable; e2e/setup.sh prints it.
	envDriver = "PLAYWRIGHT_DRIVER_PATH"

	skipMessage = "browser tests skipped: run `bash e2e/setup.sh`, then `WANDSTORE_E2E=1 go test ./e2e/`"

	// artifactsDir is relative to the package directory, where go test runs.
	artifactsDir = "artifacts"

	demoStore = "magic-wands"
)

// chromiumArgs are the flags that let Debian's chromium run headless as root
// on a CI machine without a GPU or much /dev/shm, and keep it from calling
// home (no network but the demo's).
var chromiumArgs = []string{
	"--headless",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-quic",
	"--no-first-run",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
	"--disable-dev-shm-usage",
}

// expect waits up to 10 s for a condition: CI machines have 2 cores and the
// default 5 s leaves little margin while the demo is still warming up.
var expect = playwright.NewPlaywrightAssertions(10_000)

// suite is what every test in the binary shares: one demo server, one
// Playwright driver and one browser. It starts on first use, so listing or
// skipping tests costs nothing, and TestMain stops it.
type suite struct {
	once    sync.Once
	missing string // a prerequisite that is not installed
	err     error  // a prerequisite is installed but did not start

	cancel  context.CancelFunc
	tmp     string
	demo    *app.Demo
	demoLog *testkit.LogBuffer
	pw      *playwright.Playwright
	browser playwright.Browser
}

var shared suite

func TestMain(m *testing.M) {
	code := m.Run()
	if err := shared.stop(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: stopping: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	if code != 0 && shared.demoLog != nil && shared.demoLog.Len() > 0 {
		fmt.Fprintf(os.Stderr, "e2e: demo log (last 4 KiB):\n%s\n", shared.demoLog.Tail(4096))
	}
	os.Exit(code)
}

// use returns the started suite, or ends the test: a skip when the browser
// tests are not installed and not required, a failure otherwise.
func use(t *testing.T) *suite {
	t.Helper()
	s := &shared
	s.once.Do(s.start)
	if s.missing != "" {
		if required() {
			t.Fatalf("%s=1 requires the browser tests, but %s.\nRun `bash e2e/setup.sh` and export the PLAYWRIGHT_DRIVER_PATH it prints.", envRequired, s.missing)
		}
		t.Log(s.missing)
		t.Skip(skipMessage)
	}
	if s.err != nil {
		t.Fatalf("e2e setup: %v", s.err)
	}
	return s
}

func required() bool {
	ok, _ := strconv.ParseBool(os.Getenv(envRequired))
	return ok
}

// driverDir is where e2e/setup.sh puts the driver unless told otherwise.
func driverDir() string {
	if d := os.Getenv(envDriver); d != "" {
		return d
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache")
	}
	return filepath.Join(cache, "wandstore", "playwright-driver")
}

func browserPath() string {
	if b := os.Getenv(envBrowser); b != "" {
		return b
	}
	return defaultBrowser
}

// prerequisites reports the first missing piece, or "" when all are there.
func prerequisites(driver, browser string) string {
	if fi, err := os.Stat(browser); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		return fmt.Sprintf("no browser at %s (set %s to use another)", browser, envBrowser)
	}
	if _, err := os.Stat(filepath.Join(driver, "package", "cli.js")); err != nil {
		return fmt.Sprintf("no Playwright driver at %s (package/cli.js missing)", driver)
	}
	if os.Getenv("PLAYWRIGHT_NODEJS_PATH") == "" {
		if _, err := os.Stat(filepath.Join(driver, "node")); err != nil {
			return fmt.Sprintf("no Playwright driver at %s (node missing)", driver)
		}
	}
	return ""
}

func (s *suite) start() {
	driver, browser := driverDir(), browserPath()
	if s.missing = prerequisites(driver, browser); s.missing != "" {
		return
	}
	if err := s.startDemo(); err != nil {
		s.err = fmt.Errorf("demo: %w", err)
		return
	}
	if err := s.startBrowser(driver, browser); err != nil {
		s.err = err
	}
}

func (s *suite) startDemo() error {
	tmp, err := os.MkdirTemp("", "wandstore-e2e-")
	if err != nil {
		return err
	}
	s.tmp = tmp
	out, data := filepath.Join(tmp, "out"), filepath.Join(tmp, "data")
	for _, dir := range []string{out, data} {
		if err := os.Mkdir(dir, 0o755); err != nil {
			return err
		}
	}
	// The context lives as long as the server: StartDemo may tie the
	// server's lifetime to it.
	olricPort, err := testkit.FreePort()
	if err != nil {
		return err
	}
	gossipPort, err := testkit.FreePort()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.demoLog = &testkit.LogBuffer{}
	demo, err := app.StartDemo(ctx, app.DemoOptions{
		Addr: "127.0.0.1:0",
		Out:  out,
		Data: data,
		Log:  s.demoLog,
		// Test packages run in parallel: no fixed ports.
		OlricPort:       olricPort,
		OlricGossipPort: gossipPort,
		// The operator's dashboard is on (admin_test.go).
		AdminToken: adminToken,
	})
	if err != nil {
		return err
	}
	s.demo = demo
	return nil
}

func (s *suite) startBrowser(driver, browser string) error {
	pw, err := playwright.Run(&playwright.RunOptions{
		DriverDirectory:     driver,
		SkipInstallBrowsers: true,
	})
	if err != nil {
		return fmt.Errorf("start Playwright from %s (re-run `bash e2e/setup.sh`): %w", driver, err)
	}
	s.pw = pw
	b, err := pw.Chromium.Launch(playwright.BrowserTypeLaunchOptions{
		ExecutablePath: playwright.String(browser),
		Args:           chromiumArgs,
		Headless:       playwright.Bool(true),
		Timeout:        playwright.Float(60_000),
	})
	if err != nil {
		return fmt.Errorf("launch %s: %w", browser, err)
	}
	s.browser = b
	return nil
}

// stop undoes start, in reverse, and reports every failure.
func (s *suite) stop() error {
	var errs []error
	if s.browser != nil {
		if err := s.browser.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close browser: %w", err))
		}
	}
	if s.pw != nil {
		if err := s.pw.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stop Playwright: %w", err))
		}
	}
	if s.demo != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := s.demo.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("close demo: %w", err))
		}
		cancel()
	}
	if s.cancel != nil {
		s.cancel()
	}
	if s.tmp != "" {
		if err := os.RemoveAll(s.tmp); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// newPage opens a page in a browser context of its own (no cookies, cache
// or storage shared with other tests) whose base URL is the demo's, so
// tests navigate with paths. The page fails its test if it throws an
// uncaught exception, logs a console error or gets an error status for any
// request.
func newPage(t *testing.T, opts ...playwright.BrowserNewContextOptions) playwright.Page {
	t.Helper()
	var cfg pageConfig
	if len(opts) > 0 {
		cfg.context = opts[0]
	}
	return newPageWith(t, cfg)
}

// pageConfig configures newPageWith.
type pageConfig struct {
	context playwright.BrowserNewContextOptions
	// expectError, when set, names the error responses a test provokes on
	// purpose (and asserts itself): those, and the console's "Failed to
	// load resource" line about them, are not reported as problems. Keep it
	// as narrow as the test allows: a status and a path, not "any 4xx".
	expectError func(status int, rawURL string) bool
}

// failedResource is how Chromium logs an error response on the console.
var failedResource = regexp.MustCompile(`status of (\d{3})\b`)

// newPageWith is newPage with the options of pageConfig.
func newPageWith(t *testing.T, cfg pageConfig) playwright.Page {
	t.Helper()
	s := use(t)
	o := cfg.context
	expected := func(status int, rawURL string) bool {
		return cfg.expectError != nil && cfg.expectError(status, rawURL)
	}
	o.BaseURL = playwright.String(s.demo.URL)
	bctx, err := s.browser.NewContext(o)
	if err != nil {
		t.Fatalf("new browser context: %v", err)
	}
	t.Cleanup(func() {
		if err := bctx.Close(); err != nil {
			t.Errorf("close browser context: %v", err)
		}
	})
	bctx.SetDefaultTimeout(15_000)
	bctx.SetDefaultNavigationTimeout(30_000)

	// Events arrive on Playwright's goroutine, possibly after the test has
	// ended: collect them under a lock and report them in a cleanup, which
	// runs before the context closes.
	var (
		mu       sync.Mutex
		problems []string
	)
	note := func(format string, args ...any) {
		mu.Lock()
		problems = append(problems, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	page, err := bctx.NewPage()
	if err != nil {
		t.Fatalf("new page: %v", err)
	}
	page.OnPageError(func(err error) { note("uncaught exception: %v", err) })
	// Console errors catch what the network events do not: a stylesheet
	// refused for its MIME type, a CSP violation, htmx reporting a failed
	// fragment request.
	page.OnConsole(func(m playwright.ConsoleMessage) {
		if m.Type() != "error" {
			return
		}
		where := ""
		if loc := m.Location(); loc != nil {
			if isDefaultFavicon(loc.URL) {
				return
			}
			if sm := failedResource.FindStringSubmatch(m.Text()); sm != nil {
				if status, _ := strconv.Atoi(sm[1]); expected(status, loc.URL) {
					return
				}
			}
			where = " (" + loc.URL + ")"
		}
		note("console error: %s%s", m.Text(), where)
	})
	page.OnResponse(func(r playwright.Response) {
		if r.Status() >= 400 && !isDefaultFavicon(r.URL()) && !expected(r.Status(), r.URL()) {
			note("%d %s %s", r.Status(), r.Request().Method(), r.URL())
		}
	})
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			t.Errorf("page: %s", p)
		}
	})
	return page
}

// isDefaultFavicon reports whether rawURL is the /favicon.ico a browser asks
// for on its own when a page declares no icon. Whether that request happens
// before a test ends is a matter of timing, so its outcome would make tests
// flaky; Lighthouse's best-practices audit (just lighthouse) reports it.
func isDefaultFavicon(rawURL string) bool {
	u, err := url.Parse(rawURL)
	return err == nil && u.Path == "/favicon.ico"
}

// open navigates to path on the demo and requires a 200.
func open(t *testing.T, page playwright.Page, path string) {
	t.Helper()
	resp, err := page.Goto(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	if resp == nil || resp.Status() != 200 {
		status := 0
		if resp != nil {
			status = resp.Status()
		}
		t.Fatalf("open %s: status %d, want 200", path, status)
	}
}

// check ends the test when a Playwright call or assertion failed.
func check(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// screenshot saves a full-page screenshot under e2e/artifacts/, where CI
// picks it up. The caret is left alone: hiding it makes Playwright set and
// then clear an inline style on every input, and the style="" it leaves
// behind is copied by htmx when it swaps that input's island (htmx settles
// the style attribute), which the page's CSP (style-src 'self') reports as
// a console error the shopper's own browser would never produce.
func screenshot(t *testing.T, page playwright.Page, name string) {
	t.Helper()
	if err := os.MkdirAll(artifactsDir, 0o755); err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(artifactsDir, name)
	_, err := page.Screenshot(playwright.PageScreenshotOptions{
		FullPage: playwright.Bool(true),
		Path:     playwright.String(path),
		Caret:    playwright.ScreenshotCaretInitial,
	})
	check(t, err, "screenshot "+path)
	t.Logf("screenshot: e2e/%s", path)
}

func storePath(store string) string { return "/s/" + store + "/" }

func productPath(store, handle string) string {
	return "/s/" + store + "/products/" + handle + "/"
}
