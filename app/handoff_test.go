package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/catalog/contentdir"
	"github.com/wandstore/wandstore/generator"
	"github.com/wandstore/wandstore/internal/handoff"
	"github.com/wandstore/wandstore/internal/testkit"
)

// A merchant edits a price and builds into the folder a server is serving:
// the islands price the cart from the new catalog the moment the build
// returns (the build waited for the server to switch before writing a
// page), and the cart says the price changed since it was added.
func TestBuildIntoServedFolderSwitchesTheIslandsFirst(t *testing.T) {
	content, out := testkit.ContentDir(t, shopArchive), t.TempDir()
	build := func() {
		t.Helper()
		if _, stderr, err := run(t, "build", "--content", content, "--out", out, "--quiet"); err != nil {
			t.Fatalf("build: %v\n%s", err, stderr)
		}
	}
	build()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := StartServe(ctx, ServeOptions{Addr: "127.0.0.1:0", OpsAddr: "127.0.0.1:0", Content: content, Public: out, Data: t.TempDir(), NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			s.Close(ctx)
		}
	}()

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	base := s.URL + "/s/shop/"
	get := func(path string) string {
		t.Helper()
		res, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	res, err := c.PostForm(base+"islands/cart/add", url.Values{"product": {"mug"}, "variant": {"default"}, "quantity": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if cart := get("islands/cart"); !strings.Contains(cart, "1.234,50\u00a0€") {
		t.Fatalf("cart before the edit:\n%s", cart)
	}

	file := filepath.Join(content, "shop", "products", "mug.md")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(strings.Replace(string(b), `price: "1234.50"`, `price: "55.00"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	build()
	built := time.Now()
	cart := get("islands/cart")
	took := time.Since(built)
	if !strings.Contains(cart, "55,00\u00a0€") || !strings.Contains(cart, `data-testid="cart-line-price-changed"`) || !strings.Contains(cart, "1.234,50\u00a0€") {
		t.Errorf("cart right after the build, %s later: the new price and a note of the old one wanted:\n%s", took, cart)
	}
	if page := get("products/mug/"); !strings.Contains(page, "55,00\u00a0€") {
		t.Errorf("the page after the build lacks the new price:\n%s", page)
	}
	t.Logf("cart answered with the new price %s after the build returned", took.Round(time.Millisecond))

	// Stopped, the server leaves no registration: the next build does not
	// wait for it.
	closed = true
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if ids, err := handoff.Folder(filepath.Join(out, ".wandstore")).Servers(ctx); err != nil || len(ids) != 0 {
		t.Errorf("servers registered after Close: %v %v", ids, err)
	}
	start := time.Now()
	build()
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("a build with no server took %s", d)
	}
}

// A server that cannot switch (its own content no longer loads) does not
// acknowledge: the build waits, then fails with that server named and
// nothing written, so the pages keep the prices the islands charge.
func TestBuildFailsWhenAServerCannotSwitch(t *testing.T) {
	served, out := testkit.ContentDir(t, shopArchive), t.TempDir()
	if _, stderr, err := run(t, "build", "--content", served, "--out", out, "--quiet"); err != nil {
		t.Fatalf("build: %v\n%s", err, stderr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := StartServe(ctx, ServeOptions{Addr: "127.0.0.1:0", OpsAddr: "127.0.0.1:0", Content: served, Public: out, Data: t.TempDir(), NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	// The server's content breaks; the build reads another, sound copy
	// with a new price.
	if err := os.WriteFile(filepath.Join(served, "shop", "products", "mug.md"), []byte("---\ntitle: [\n---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	other := testkit.ContentDir(t, strings.Replace(shopArchive, `price: "1234.50"`, `price: "55.00"`, 1))
	page := filepath.Join(out, "s", "shop", "products", "mug", "index.html")
	before, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	opts := generator.Options{Source: contentdir.New(os.DirFS(other)), Out: out, SiteURL: generator.DefaultSiteURL,
		BeforePublish: announce([]handoff.Board{handoff.Folder(folderStateDir(out, ""))}, 500*time.Millisecond)}
	_, err = generator.Build(ctx, opts)
	if !errors.Is(err, handoff.ErrNotServed) || !strings.Contains(err.Error(), "nothing was published") {
		t.Fatalf("build with a server that cannot switch: %v", err)
	}
	if after, _ := os.ReadFile(page); string(after) != string(before) {
		t.Error("the page changed though a server still serves the old catalog")
	}
}

// A build into a bucket tells the islands servers through their database
// (--data, or --db): a server that serves the islands alone (the pages are
// in the bucket) prices the cart from the new catalog as soon as the
// build returns; one that cannot switch stops the build before anything
// is uploaded.
func TestBucketBuildSwitchesTheIslandsFirst(t *testing.T) {
	f := newFakeBucket(t)
	content, data, state := testkit.ContentDir(t, shopArchive), t.TempDir(), t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIATESTKEY")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "very-secret-value")
	build := func() error {
		t.Helper()
		_, stderr, err := run(t, "build", "--content", content, "--publish", "s3://shop-bucket/live/", "--s3-endpoint", f.srv.URL,
			"--state-dir", state, "--site-url", "https://example.test/", "--data", data, "--quiet")
		if err != nil {
			return fmt.Errorf("%w\n%s", err, stderr)
		}
		return nil
	}
	if err := build(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := StartServe(ctx, ServeOptions{Addr: "127.0.0.1:0", OpsAddr: "127.0.0.1:0", Content: content, IslandsOnly: true,
		Data: data, NoCache: true, SiteURL: "https://example.test/"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	base := s.URL + "/s/shop/islands/"
	res, err := c.PostForm(base+"cart/add", url.Values{"product": {"mug"}, "variant": {"default"}, "quantity": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	cart := func() string {
		t.Helper()
		res, err := c.Get(base + "cart")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	if got := cart(); !strings.Contains(got, "1.234,50\u00a0€") {
		t.Fatalf("cart before the edit:\n%s", got)
	}
	mug := filepath.Join(content, "shop", "products", "mug.md")
	b, err := os.ReadFile(mug)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mug, []byte(strings.Replace(string(b), `price: "1234.50"`, `price: "55.00"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	f.takePuts()
	if err := build(); err != nil {
		t.Fatal(err)
	}
	if got := cart(); !strings.Contains(got, "55,00\u00a0€") || !strings.Contains(got, `data-testid="cart-line-price-changed"`) {
		t.Errorf("cart right after the bucket build: the new price and a note of the old one wanted:\n%s", got)
	}
	if page, _ := f.get(t, "shop-bucket", "live/s/shop/products/mug/index.html"); !strings.Contains(page, "55,00\u00a0€") {
		t.Error("the bucket's page lacks the new price")
	}

	// The server's own content breaks: it cannot switch, so the next
	// build (another price) waits, fails, and uploads nothing.
	sound := testkit.ContentDir(t, strings.Replace(shopArchive, `price: "1234.50"`, `price: "77.00"`, 1))
	if err := os.WriteFile(mug, []byte("---\ntitle: [\n---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f.takePuts()
	defer func(d time.Duration) { handoffTimeout = d }(handoffTimeout)
	handoffTimeout = 500 * time.Millisecond
	_, stderr, err := run(t, "build", "--content", sound, "--publish", "s3://shop-bucket/live/", "--s3-endpoint", f.srv.URL,
		"--state-dir", state, "--site-url", "https://example.test/", "--data", data, "--quiet")
	if !errors.Is(err, handoff.ErrNotServed) || !strings.Contains(err.Error(), "nothing was published") {
		t.Fatalf("a bucket build with a server that cannot switch: %v\n%s", err, stderr)
	}
	if puts := f.takePuts(); len(puts) != 0 {
		t.Errorf("uploaded %d objects though a server still serves the old catalog", len(puts))
	}
}
