package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/wandstore/wandstore/internal/testkit"
)

const purgeToken = "cf-purge-token-s3cr3t"

// fakePurge is a Cloudflare purge_cache endpoint on 127.0.0.1 that records
// the files it is asked to purge, or refuses them when refuse is set.
type fakePurge struct {
	srv    *httptest.Server
	mu     sync.Mutex
	files  []string
	calls  int
	refuse bool
}

func newFakePurge(t *testing.T) *fakePurge {
	t.Helper()
	f := &fakePurge{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.calls++
		var body struct{ Files []string }
		if r.Method != http.MethodPost || r.URL.Path != "/client/v4/zones/z1/purge_cache" ||
			r.Header.Get("Authorization") != "Bearer "+purgeToken || json.NewDecoder(r.Body).Decode(&body) != nil {
			t.Errorf("bad purge request: %s %s", r.Method, r.URL)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if f.refuse {
			fmt.Fprint(w, `{"success":false,"errors":[{"code":1134,"message":"Zone is not active"}],"messages":[],"result":null}`)
			return
		}
		f.files = append(f.files, body.Files...)
		fmt.Fprint(w, `{"success":true,"errors":[],"messages":[],"result":{"id":"abc"}}`)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakePurge) endpoint() string { return f.srv.URL + "/client/v4/zones/z1/purge_cache" }

func (f *fakePurge) take() ([]string, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	files, calls := f.files, f.calls
	f.files, f.calls = nil, 0
	slices.Sort(files)
	return files, calls
}

func TestBuildPurgesChangedURLs(t *testing.T) {
	f := newFakePurge(t)
	content, out := testkit.ContentDir(t, shopArchive), t.TempDir()
	t.Setenv("WANDSTORE_PURGE_TOKEN", purgeToken)
	args := []string{"build", "--content", content, "--out", out, "--site-url", "https://example.test/", "--purge-endpoint", f.endpoint(), "--purge-batch-size", "2"}

	stdout, stderr, err := run(t, args...)
	if err != nil {
		t.Fatalf("build: %v\n%s", err, stderr)
	}
	files, calls := f.take()
	for _, want := range []string{"https://example.test/s/shop/", "https://example.test/s/shop/index.html",
		"https://example.test/s/shop/products/mug/", "https://example.test/s/shop/sitemap.xml"} {
		if !slices.Contains(files, want) {
			t.Errorf("%s not purged; purged:\n%s", want, strings.Join(files, "\n"))
		}
	}
	for _, u := range files {
		if strings.Contains(u, "/assets/") {
			t.Errorf("purged a new fingerprinted asset: %s", u)
		}
	}
	if want := fmt.Sprintf("purged %d URLs in %d requests\n", len(files), calls); !strings.Contains(stdout, want) || calls != (len(files)+1)/2 {
		t.Errorf("stdout lacks %q (batches of 2):\n%s", want, stdout)
	}

	// Nothing changed: nothing to purge, and no request.
	stdout, stderr, err = run(t, args...)
	if err != nil {
		t.Fatalf("second build: %v\n%s", err, stderr)
	}
	if files, calls := f.take(); calls != 0 || !strings.Contains(stdout, "purged 0 URLs in 0 requests") {
		t.Errorf("an unchanged build purged %q in %d requests:\n%s", files, calls, stdout)
	}

	// One product changes: its page, the listings that show it and the
	// search index; the old CSS is untouched, so nothing under assets/.
	mug := filepath.Join(content, "shop/products/mug.md")
	if err := os.WriteFile(mug, []byte("---\ntitle: Big Mug\nprice: \"1234.50\"\n---\nA mug.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := run(t, args...); err != nil {
		t.Fatalf("third build: %v\n%s", err, stderr)
	}
	files, _ = f.take()
	if !slices.Contains(files, "https://example.test/s/shop/products/mug/") || slices.ContainsFunc(files, func(u string) bool { return strings.Contains(u, "/assets/") }) {
		t.Errorf("after a product changed, purged:\n%s", strings.Join(files, "\n"))
	}
}

func TestBuildPurgeUnderASiteURLWithAPath(t *testing.T) {
	f := newFakePurge(t)
	content, out := testkit.ContentDir(t, shopArchive), t.TempDir()
	t.Setenv("WANDSTORE_PURGE_TOKEN", purgeToken)
	t.Setenv("WANDSTORE_PURGE_ENDPOINT", f.endpoint()) // the flag's environment variable
	if _, stderr, err := run(t, "build", "--quiet", "--content", content, "--out", out, "--site-url", "https://example.test/shop"); err != nil {
		t.Fatalf("build: %v\n%s", err, stderr)
	}
	files, _ := f.take()
	if !slices.Contains(files, "https://example.test/shop/s/shop/products/mug/") || !slices.Contains(files, "https://example.test/shop/") {
		t.Errorf("purged:\n%s", strings.Join(files, "\n"))
	}
	for _, u := range files {
		if strings.Contains(u, "/shop/shop/") {
			t.Errorf("the site URL's path counted twice: %s", u)
		}
	}
}

func TestBuildPurgeNeedsAToken(t *testing.T) {
	f := newFakePurge(t)
	content, out := testkit.ContentDir(t, shopArchive), t.TempDir()
	t.Setenv("WANDSTORE_PURGE_TOKEN", "")
	_, stderr, err := run(t, "build", "--content", content, "--out", out, "--purge-endpoint", f.endpoint())
	if err == nil || !strings.Contains(stderr, "WANDSTORE_PURGE_TOKEN") {
		t.Fatalf("err = %v\n%s", err, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "s/shop/index.html")); !os.IsNotExist(err) {
		t.Error("the build ran without the token it would need to purge:", err)
	}
}

func TestBuildPurgeFailureKeepsThePublish(t *testing.T) {
	f := newFakePurge(t)
	f.refuse = true
	content, out := testkit.ContentDir(t, shopArchive), t.TempDir()
	t.Setenv("WANDSTORE_PURGE_TOKEN", purgeToken)
	stdout, stderr, err := run(t, "build", "--content", content, "--out", out, "--site-url", "https://example.test/", "--purge-endpoint", f.endpoint())
	if err == nil {
		t.Fatal("a refused purge did not fail the command")
	}
	for _, want := range []string{"Zone is not active (code 1134)", "the build was published"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stdout+stderr, purgeToken) {
		t.Error("the token was printed")
	}
	if strings.Contains(stdout, "purged") {
		t.Errorf("claimed a purge:\n%s", stdout)
	}
	if _, err := os.Stat(filepath.Join(out, "s/shop/products/mug/index.html")); err != nil {
		t.Error("the publish did not stand:", err)
	}
}

func TestBuildPurgeTokenIsNoFlag(t *testing.T) {
	content, out := testkit.ContentDir(t, shopArchive), t.TempDir()
	_, _, err := run(t, "build", "--content", content, "--out", out, "--purge-token", purgeToken)
	if err == nil {
		t.Error("--purge-token was accepted: secrets come only from the environment")
	}
}
