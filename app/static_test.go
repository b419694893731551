package app

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
