package app

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/catalog/contentdir"
	"github.com/wandstore/wandstore/generator"
	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/islands/session"
	"github.com/wandstore/wandstore/islands/store"
)

const shopArchive = `
-- shop/store.yaml --
name: Shop
currency: EUR
locale: de-DE
-- shop/products/mug.md --
---
title: Mug
price: "1234.50"
---
A mug.
`

func run(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var o, e bytes.Buffer
	err = Run(context.Background(), append([]string{"wandgen"}, args...), &o, &e)
	return o.String(), e.String(), err
}

func TestBuildCommand(t *testing.T) {
	content, out := testkit.ContentDir(t, shopArchive), t.TempDir()
	stdout, stderr, err := run(t, "build", "--content", content, "--out", out, "--site-url", "https://example.test")
	if err != nil {
		t.Fatalf("build: %v\n%s", err, stderr)
	}
	if !strings.Contains(stdout, "shop") || !strings.Contains(stdout, "rendered") {
		t.Errorf("no summary:\n%s", stdout)
	}
	if !strings.Contains(stderr, `msg=published store=shop`) {
		t.Errorf("a non-terminal gets plain log lines:\n%s", stderr)
	}
	page, err := os.ReadFile(filepath.Join(out, "s/shop/products/mug/index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(page, []byte("1.234,50\u00a0€")) || !bytes.Contains(page, []byte(`href="https://example.test/s/shop/products/mug/"`)) {
		t.Error("product page lacks the German price or the site URL")
	}
	stdout, _, err = run(t, "build", "--content", content, "--out", out, "--site-url", "https://example.test")
	if err != nil || !strings.Contains(stdout, " 0 rendered, 0 written") {
		t.Errorf("second build should render nothing: %v\n%s", err, stdout)
	}
}

func TestBuildFlagsFromEnvironment(t *testing.T) {
	content, out := testkit.ContentDir(t, shopArchive), t.TempDir()
	t.Setenv("WANDSTORE_CONTENT", content)
	t.Setenv("WANDSTORE_OUT", out)
	t.Setenv("WANDSTORE_STORES", "shop")
	if _, stderr, err := run(t, "build", "--quiet"); err != nil {
		t.Fatalf("build: %v\n%s", err, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "s/shop/index.html")); err != nil {
		t.Error("WANDSTORE_OUT not used:", err)
	}
}

func TestBuildBadContentWritesNothing(t *testing.T) {
	content, out := testkit.ContentDir(t, shopArchive+`
-- shop/products/bad.md --
---
title: Bad
prise: "3.00"
---
`), t.TempDir()
	_, stderr, err := run(t, "build", "--content", content, "--out", out)
	if err == nil {
		t.Fatal("bad content built")
	}
	for _, want := range []string{"nothing was written", "shop: products/bad.md:3: prise: invalid YAML: unknown field"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("output written: %v", entries)
	}
}

func TestBuildUsageErrors(t *testing.T) {
	content := testkit.ContentDir(t, shopArchive)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"build", "--content", content, "--store", "nope", "--out", t.TempDir()}, `no store "nope"`},
		{[]string{"build", "--content", filepath.Join(content, "missing")}, "content folder"},
		{[]string{"build", "extra"}, "takes no arguments"},
		{[]string{"build", "--content", content, "--site-url", "ftp://x", "--out", t.TempDir()}, "site URL"},
	} {
		_, stderr, err := run(t, tc.args...)
		if err == nil || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: err=%v, stderr=%q, want %q", tc.args, err, stderr, tc.want)
		}
	}
}

func TestVersion(t *testing.T) {
	stdout, _, err := run(t, "version")
	if err != nil || !strings.HasPrefix(stdout, "wandgen ") || !strings.Contains(stdout, "go1.") {
		t.Errorf("version: %v %q", err, stdout)
	}
}

// TestDemoServesLikeACDN starts the real demo (embedded content) on a free
// port and checks how it answers.
func TestDemoServesLikeACDN(t *testing.T) {
	ctx := context.Background()
	d, err := StartDemo(ctx, DemoOptions{Addr: "127.0.0.1:0", Out: t.TempDir(), Data: t.TempDir(), OlricPort: testkit.MustFreePort(t), OlricGossipPort: testkit.MustFreePort(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := d.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(method, path string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, d.URL+path, nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}

	resp, body := get("GET", "/")
	if resp.StatusCode != 200 || !strings.Contains(body, "Magic Wands Emporium") || !strings.Contains(body, "Kitsune Tea House") {
		t.Errorf("front door: %d", resp.StatusCode)
	}
	resp, body = get("GET", "/s/magic-wands/products/elder-wand/")
	if resp.StatusCode != 200 || !strings.Contains(body, `data-testid="product-title">Elder Wand<`) {
		t.Fatalf("product page: %d", resp.StatusCode)
	}
	if !strings.Contains(body, `<link rel="canonical" href="`+d.URL+`/s/magic-wands/products/elder-wand/">`) {
		t.Error("canonical URL does not point at the demo's own address")
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=0, must-revalidate" {
		t.Errorf("page Cache-Control = %q", cc)
	}
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("missing %s", h)
		}
	}
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Error("CSP allows more than same-origin scripts")
	}

	css := between(body, `<link rel="stylesheet" href="`, `"`)
	resp, _ = get("GET", css)
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Errorf("asset %s: %d %q %q", css, resp.StatusCode, resp.Header.Get("Cache-Control"), resp.Header.Get("Content-Type"))
	}

	resp, _ = get("GET", "/s/magic-wands/products/elder-wand")
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/s/magic-wands/products/elder-wand/" {
		t.Errorf("folder without slash: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body = get("GET", "/s/magic-wands/products/no-such-wand/")
	if resp.StatusCode != 404 || !strings.Contains(body, "Magic Wands Emporium") || !strings.Contains(body, "Page not found") {
		t.Errorf("store 404: %d", resp.StatusCode)
	}
	resp, _ = get("GET", "/.wandstore/manifest-magic-wands.json")
	if resp.StatusCode != 404 {
		t.Errorf("manifest exposed: %d", resp.StatusCode)
	}
	// ServeMux redirects a dotted path to its clean form; following it must
	// stay inside the served folder.
	follow, err := http.Get(d.URL + "/s/magic-wands/../../etc/passwd")
	if err != nil {
		t.Fatal(err)
	}
	follow.Body.Close()
	if follow.StatusCode != 404 {
		t.Errorf("path traversal: %d", follow.StatusCode)
	}
	resp, _ = get("POST", "/s/magic-wands/")
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST to a page: %d", resp.StatusCode)
	}
	// Islands: same origin, personal (never stored on the way), a signed
	// HttpOnly cookie for a new shopper.
	resp, body = get("GET", "/s/magic-wands/islands/cart/badge")
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "private, no-store" || !strings.Contains(body, `data-testid="cart-count">0<`) {
		t.Errorf("cart badge island: %d %q\n%s", resp.StatusCode, resp.Header.Get("Cache-Control"), body)
	}
	if c := resp.Cookies(); len(c) != 0 {
		t.Errorf("a GET issued a shopper cookie: %+v", c)
	}
	post, err := client.PostForm(d.URL+"/s/magic-wands/islands/views", url.Values{"product": {"elder-wand"}})
	if err != nil {
		t.Fatal(err)
	}
	post.Body.Close()
	// The shopper cookie, and the store's version cookie (read-your-writes).
	if c := post.Cookies(); post.StatusCode != http.StatusSeeOther || len(c) != 2 || c[0].Name != session.CookieName ||
		c[1].Name != session.VersionCookiePrefix+"magic-wands" || !c[0].HttpOnly || !c[1].HttpOnly || c[0].SameSite != http.SameSiteLaxMode {
		t.Errorf("shopper cookie on the first write: %d %+v", post.StatusCode, c)
	}
	// Readiness and metrics are the operator's: not on the shop's port.
	for _, path := range []string{"/readyz", "/metrics"} {
		if resp, body = get("GET", path); resp.StatusCode != 404 || strings.Contains(body, "wandstore_") {
			t.Errorf("public %s: %d", path, resp.StatusCode)
		}
	}
	if resp, body = get("GET", "/healthz"); resp.StatusCode != 200 || body != "ok\n" {
		t.Errorf("public healthz: %d %q", resp.StatusCode, body)
	}
	opsGet := func(path string) (int, string) {
		resp, err := http.Get(d.OpsURL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := opsGet("/readyz"); code != 200 || !strings.Contains(body, `"cache":"ok"`) || !strings.Contains(body, `"database":"ok"`) {
		t.Errorf("readyz: %d %s", code, body)
	}
	if code, body := opsGet("/metrics"); code != 200 || !strings.Contains(body, `wandstore_island_requests_total{code="200",route="cart/badge"} 1`) {
		t.Errorf("metrics: %d", code)
	}
	if !strings.HasPrefix(d.OpsURL, "http://127.0.0.1:") {
		t.Errorf("the operations address is %s, want 127.0.0.1", d.OpsURL)
	}
}

func between(s, start, end string) string {
	_, after, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(after, end)
	return v
}

// Without --session-secret the cookie key lives in the database, so every
// server sharing it agrees; an old session.key file is carried over.
func TestSessionKeys(t *testing.T) {
	ctx := t.Context()
	open := func(path string) *store.DB {
		db, err := store.Open(ctx, path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return db
	}
	shared := filepath.Join(t.TempDir(), "wand.db")
	db1, db2 := open(shared), open(shared)
	k1, err := sessionKeys(ctx, "", t.TempDir(), db1)
	if err != nil || len(k1) != 1 || len(k1[0]) != 32 {
		t.Fatalf("generated key: %v %v", k1, err)
	}
	k2, err := sessionKeys(ctx, "", t.TempDir(), db2) // another member, its own data folder
	if err != nil || !bytes.Equal(k1[0], k2[0]) {
		t.Error("two servers on one database sign with different keys (a shopper would become a new one on every hop)")
	}

	// A server that kept its key in <data>/session.key keeps it.
	data := t.TempDir()
	hexKey := strings.Repeat("ab", 32)
	os.WriteFile(filepath.Join(data, "session.key"), []byte(hexKey+"\n"), 0o600)
	k3, err := sessionKeys(ctx, "", data, open(filepath.Join(t.TempDir(), "wand.db")))
	if err != nil || len(k3) != 1 || k3[0][0] != 0xab {
		t.Errorf("key file not carried over: %x %v", k3, err)
	}

	keys, err := sessionKeys(ctx, hexKey+", "+strings.Repeat("A", 44), data, db1)
	if err != nil || len(keys) != 2 || keys[0][0] != 0xab {
		t.Errorf("explicit keys: %v", err)
	}
	for _, bad := range []string{"short", strings.Repeat("ab", 8), hexKey + ",nope"} {
		if _, err := sessionKeys(ctx, bad, data, db1); err == nil || strings.Contains(err.Error(), bad) {
			t.Errorf("bad secret %q: %v (and a secret must never be echoed)", bad, err)
		}
	}
	os.WriteFile(filepath.Join(data, "session.key"), []byte("garbage"), 0o600)
	if _, err := sessionKeys(ctx, "", data, open(filepath.Join(t.TempDir(), "wand.db"))); err == nil {
		t.Error("a corrupt key file must not be silently replaced")
	}
}

func TestTrustedProxies(t *testing.T) {
	ps, err := parsePrefixes([]string{"10.0.0.0/8, 192.168.1.7", "::1"})
	if err != nil || len(ps) != 3 || ps[1].String() != "192.168.1.7/32" || ps[2].String() != "::1/128" {
		t.Errorf("prefixes: %v %v", ps, err)
	}
	if _, err := parsePrefixes([]string{"10.0.0.300"}); err == nil {
		t.Error("bad address accepted")
	}
}

// A Shopify export builds directly, as one store. As a build source it is
// strict: a messy export is refused with its rows named (wandgen import is
// the lenient path); a clean one builds.
func TestBuildFromShopifyFiles(t *testing.T) {
	for _, f := range []string{"../shopify/productcsv/testdata/messy.csv", "../shopify/productsjson/testdata/products.json"} {
		out := t.TempDir()
		_, stderr, err := run(t, "build", "--content", f, "--store", "imported", "--out", out)
		if err == nil || !strings.Contains(stderr, "nothing was written") || !strings.Contains(stderr, "imported: ") {
			t.Errorf("%s: a messy export must be refused with its problems: %v\n%s", f, err, stderr)
		}
		if entries, _ := os.ReadDir(out); len(entries) != 0 {
			t.Errorf("%s: output written", f)
		}
	}
	dir := t.TempDir()
	csv := filepath.Join(dir, "shop.csv")
	os.WriteFile(csv, []byte("Handle,Title,Body (HTML),Vendor,Published,Option1 Name,Option1 Value,Variant SKU,Variant Price,Variant Inventory Qty,Image Src,Image Alt Text,Status\r\n"+
		"mug,Mug,<p>A <b>mug</b></p>,Acme,TRUE,Size,Small,M-S,12.50,4,https://cdn.example/mug.png,A white mug,active\r\n"+
		"mug,,,,,,Large,M-L,14.00,0,,,\r\n"), 0o644)
	out := t.TempDir()
	stdout, stderr, err := run(t, "build", "--content", csv, "--out", out)
	if err != nil {
		t.Fatalf("clean CSV: %v\n%s", err, stderr)
	}
	page, err := os.ReadFile(filepath.Join(out, "s/shop/products/mug/index.html"))
	if err != nil || !strings.Contains(stdout, "shop") {
		t.Fatalf("clean CSV built no product page: %v", err)
	}
	for _, want := range []string{"$12.50", "Large – $14.00 – Sold out", `src="https://cdn.example/mug.png"`, `alt="A white mug"`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("product page lacks %q", want)
		}
	}
	if _, stderr, err := run(t, "build", "--content", "app.go"); err == nil || !strings.Contains(stderr, "not a folder, a Shopify product CSV") {
		t.Errorf("a .go file as content: %v %s", err, stderr)
	}
}

// On a terminal the progress bar and the summary share a screen: the bar's
// line is cleared before the summary's first line is printed, so the
// table's header does not start on what is left of the bar.
func TestProgressBarClearedBeforeSummary(t *testing.T) {
	content := testkit.ContentDir(t, shopArchive)
	var screen bytes.Buffer // stderr and stdout, as a terminal shows them
	bar := &progressBar{w: &screen}
	opts := generator.Options{Source: contentdir.New(os.DirFS(content)), Out: t.TempDir(), SiteURL: "https://example.test"}
	if _, err := buildAndReport(context.Background(), opts, &screen, bar, false); err != nil {
		t.Fatal(err)
	}
	out := screen.String()
	drawn := strings.LastIndex(out, "] ")
	header := strings.Index(out, "store")
	if drawn < 0 || header < 0 {
		t.Fatalf("no bar or no summary:\n%q", out)
	}
	clear := strings.LastIndex(out, "\r"+strings.Repeat(" ", bar.line)+"\r")
	if clear < drawn || clear > header || strings.TrimLeft(out[clear+bar.line+2:header], " ") != "" {
		t.Errorf("the summary starts before the bar's line is cleared:\n%q", out)
	}
}

// serve refuses an output folder that holds no build of its stores (a
// wrong --out, or a build not run yet), naming the store and what to run,
// instead of starting and answering 404 to every page; once the build is
// there, it starts.
func TestServeRefusesAFolderWithoutABuild(t *testing.T) {
	content := testkit.ContentDir(t, shopArchive)
	for name, out := range map[string]string{"empty": t.TempDir(), "missing": filepath.Join(t.TempDir(), "nonexistent-folder")} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			s, err := StartServe(ctx, ServeOptions{Addr: "127.0.0.1:0", OpsAddr: "127.0.0.1:0", Content: content, Public: out, Data: t.TempDir(), NoCache: true})
			if err == nil {
				s.Close(ctx)
				t.Fatal("serve started on a folder with no build")
			}
			for _, want := range []string{"holds no build of shop", "wandgen build --out " + out} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
	// Told the pages are elsewhere, it starts on the empty folder, answers
	// the islands and nothing else.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := StartServe(ctx, ServeOptions{Addr: "127.0.0.1:0", OpsAddr: "127.0.0.1:0", Content: content, Public: t.TempDir(), Data: t.TempDir(), NoCache: true, IslandsOnly: true})
	if err != nil {
		t.Fatalf("serve --islands-only: %v", err)
	}
	for path, want := range map[string]int{"/s/shop/islands/cart/badge": http.StatusOK, "/s/shop/": http.StatusNotFound} {
		resp, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("--islands-only: GET %s = %d, want %d", path, resp.StatusCode, want)
		}
	}
	if err := s.Close(ctx); err != nil {
		t.Error(err)
	}

	out := t.TempDir()
	if _, stderr, err := run(t, "build", "--content", content, "--out", out, "--quiet"); err != nil {
		t.Fatalf("build: %v\n%s", err, stderr)
	}
	s, err = StartServe(ctx, ServeOptions{Addr: "127.0.0.1:0", OpsAddr: "127.0.0.1:0", Content: content, Public: out, Data: t.TempDir(), NoCache: true})
	if err != nil {
		t.Fatalf("serve after a build: %v", err)
	}
	if err := s.Close(ctx); err != nil {
		t.Error(err)
	}
}

// Every count a build prints agrees: the log's and the summary's products
// are the published ones, and drafts are named as such.
func TestBuildCountsAgree(t *testing.T) {
	content := testkit.ContentDir(t, shopArchive+`
-- shop/products/secret.md --
---
title: Secret
price: "5.00"
status: draft
---
Not yet.
`)
	stdout, stderr, err := run(t, "build", "--content", content, "--out", t.TempDir())
	if err != nil {
		t.Fatalf("build: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "msg=loaded store=shop products=1 drafts=1") {
		t.Errorf("the load's log line:\n%s", stderr)
	}
	var row []string
	for _, l := range strings.Split(stdout, "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "shop" {
			row = f
		}
	}
	if len(row) < 2 || row[1] != "1" {
		t.Errorf("the summary's products for shop: %v\n%s", row, stdout)
	}
}
