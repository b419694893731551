package e2e

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// TestPagesArriveCompressed opens a product page in Chromium and checks
// that the page, its stylesheet and its scripts arrive compressed (as
// Chromium asks over HTTP to 127.0.0.1: the build's copies, br or gzip),
// with Vary: Accept-Encoding, and that what Chromium decodes is the built
// file byte for byte.
func TestPagesArriveCompressed(t *testing.T) {
	page := newPage(t)
	var mu sync.Mutex
	var responses []playwright.Response
	page.OnResponse(func(r playwright.Response) {
		mu.Lock()
		responses = append(responses, r)
		mu.Unlock()
	})
	open(t, page, productPath(demoStore, "elder-wand"))
	// Not "network idle": the page's live stream stays open (LIVE.md).
	// The page and its stylesheet are in once it has loaded.
	check(t, page.WaitForLoadState(playwright.PageWaitForLoadStateOptions{State: playwright.LoadStateLoad}), "page loaded")
	// htmx comes with the shopper's first action (static/islands.js).
	htmx, err := page.ExpectResponse("**/assets/htmx*", func() error {
		return page.Locator("[data-testid=header-search]").Focus()
	})
	check(t, err, "htmx asked for on the first focus")
	check(t, htmx.Finished(), "htmx arrived")

	out := filepath.Join(use(t).tmp, "out")
	mu.Lock()
	seen := append([]playwright.Response(nil), responses...)
	mu.Unlock()
	kinds := map[string]bool{}
	for _, r := range seen {
		u, err := url.Parse(r.URL())
		check(t, err, "response URL")
		p := u.Path
		var kind string
		switch {
		case strings.HasSuffix(p, "/products/elder-wand/"):
			kind, p = "page", p+"index.html"
		case strings.HasSuffix(p, ".css"):
			kind = "css"
		case strings.Contains(p, "/assets/htmx"):
			kind = "htmx"
		default:
			continue
		}
		file, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(strings.TrimPrefix(p, "/"))))
		check(t, err, "read the built "+kind)
		if len(file) < 1024 {
			t.Fatalf("%s is %d bytes: too small to be compressed, the test proves nothing", p, len(file))
		}
		headers, err := r.AllHeaders()
		check(t, err, "headers of "+p)
		enc := headers["content-encoding"]
		if enc != "br" && enc != "gzip" {
			t.Errorf("%s (%s) arrived with Content-Encoding %q", p, kind, enc)
		}
		if !strings.Contains(strings.ToLower(headers["vary"]), "accept-encoding") {
			t.Errorf("%s: Vary %q", p, headers["vary"])
		}
		body, err := r.Body()
		check(t, err, "body of "+p)
		if !bytes.Equal(body, file) {
			t.Errorf("%s: Chromium decoded %d bytes, not the built file's %d", p, len(body), len(file))
		}
		// The copy itself is on disk beside the file.
		suf := map[string]string{"br": ".br", "gzip": ".gz"}[enc]
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(strings.TrimPrefix(p, "/")+suf))); suf != "" && err != nil {
			t.Errorf("%s: no %s copy beside it: %v", p, suf, err)
		}
		kinds[kind] = true
		t.Logf("%s: Content-Encoding %s, %d bytes decoded", kind, enc, len(body))
	}
	for _, k := range []string{"page", "css", "htmx"} {
		if !kinds[k] {
			t.Errorf("no %s response seen", k)
		}
	}
}
