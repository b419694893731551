package app

import (
	"bytes"
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

// Paths no file can have (a NUL byte, bytes that are not UTF-8, a name
// longer than a file system allows, a file used as a folder) answer 400
// or 404, never 500, and a flood of them is logged once a minute per
// kind, the path cut short.
func TestOddPathsAnswer4xxAndLogOnce(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "s/wands"), 0o755)
	os.WriteFile(filepath.Join(root, "s/wands/index.html"), []byte("home"), 0o644)
	os.WriteFile(filepath.Join(root, "s/wands/404.html"), []byte("wands 404"), 0o644)
	var logs bytes.Buffer
	h := &siteHandler{root: root, log: slog.New(slog.NewTextHandler(&logs, nil))}
	srv := httptest.NewServer(h)
	defer srv.Close()
	long := strings.Repeat("a", 300)
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/s/wands/", 200},
		{"/s/wands/%00", 400},
		{"/s/wands/x%00y/", 400},
		{"/s/wands/%ff%fe", 400},
		{"/s/wands/" + long, 404},
		{"/s/wands/" + strings.Repeat(long+"/", 20), 404},
		{"/s/wands/index.html/x", 404},
	} {
		for i := 0; i < 50; i++ {
			resp, err := http.Get(srv.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("%.60s: %d, want %d", tc.path, resp.StatusCode, tc.status)
			}
		}
	}
	out := logs.String()
	for _, kind := range []string{"nul", "not-utf8", "long"} {
		if n := strings.Count(out, "kind="+kind); n != 1 {
			t.Errorf("%s logged %d times in a minute, want once:\n%s", kind, n, out)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if len(line) > 400 {
			t.Errorf("a log line of %d bytes: the path is not cut short", len(line))
		}
		if strings.Contains(line, "level=ERROR") {
			t.Errorf("an odd path logged at ERROR: %s", line)
		}
	}
}

// The static server compresses text as the browser accepts it (Brotli,
// else gzip), says it varies by Accept-Encoding, answers a conditional
// request for the compressed copy with 304, and compresses a rewritten
// file again; small files and images go as they are.
func TestStaticServerCompresses(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "s/wands/assets"), 0o755)
	page := strings.Repeat("<p>An elder wand, turned by hand.</p>\n", 200)
	os.WriteFile(filepath.Join(root, "s/wands/index.html"), []byte(page), 0o644)
	os.WriteFile(filepath.Join(root, "s/wands/small.txt"), []byte("ok"), 0o644)
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 4000)...)
	os.WriteFile(filepath.Join(root, "s/wands/assets/x.png"), png, 0o644)
	h := &siteHandler{root: root, log: slog.New(slog.DiscardHandler), compressed: newCompressCache(maxCompressCache)}
	srv := httptest.NewServer(h)
	defer srv.Close()
	// The transport would ask for gzip and undo it itself: ask by hand.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	get := func(path, accept, inm string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if accept != "" {
			req.Header.Set("Accept-Encoding", accept)
		}
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	decode := func(enc string, b []byte) string {
		t.Helper()
		var r io.Reader
		switch enc {
		case "br":
			r = brotli.NewReader(bytes.NewReader(b))
		case "gzip":
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			r = zr
		default:
			return string(b)
		}
		out, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	for _, tc := range []struct{ accept, want string }{
		{"gzip, deflate, br, zstd", "br"},
		{"gzip", "gzip"},
		{"br;q=0, gzip", "gzip"},
		{"", ""},
	} {
		resp, body := get("/s/wands/", tc.accept, "")
		if got := resp.Header.Get("Content-Encoding"); got != tc.want {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", tc.accept, got, tc.want)
		}
		if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("Accept-Encoding %q: no Vary", tc.accept)
		}
		if decode(tc.want, body) != page {
			t.Errorf("Accept-Encoding %q: the body is not the page", tc.accept)
		}
		if tc.want != "" && len(body) > len(page)/5 {
			t.Errorf("%s: %d bytes of %d", tc.want, len(body), len(page))
		}
		if tc.want == "br" {
			if again, _ := get("/s/wands/", tc.accept, resp.Header.Get("ETag")); again.StatusCode != http.StatusNotModified {
				t.Errorf("If-None-Match of the compressed copy: %d", again.StatusCode)
			}
		}
	}
	// Rewritten (a webhook's publish): compressed again, not served stale.
	page2 := strings.Replace(page, "elder", "holly", -1)
	os.WriteFile(filepath.Join(root, "s/wands/index.html.tmp"), []byte(page2), 0o644)
	os.Rename(filepath.Join(root, "s/wands/index.html.tmp"), filepath.Join(root, "s/wands/index.html"))
	if resp, body := get("/s/wands/", "br", ""); decode(resp.Header.Get("Content-Encoding"), body) != page2 {
		t.Error("a rewritten page was served from the old compressed copy")
	}
	for _, p := range []string{"/s/wands/small.txt", "/s/wands/assets/x.png"} {
		if resp, _ := get(p, "br, gzip", ""); resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s compressed", p)
		}
	}
}
