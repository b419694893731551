package app

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/internal/testkit"
)

// wandgen dev: pages carry the reload script (and only here: the build's
// files do not), the events stream says "reload" after a saved edit is
// rebuilt and "problem" with the file's name after a broken save, while
// the last good build stays served; the islands follow each good build.
func TestDevRebuildsAndTellsThePages(t *testing.T) {
	content, out := testkit.ContentDir(t, shopArchive), t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var log testkit.LogBuffer
	d, err := StartDev(ctx, DevOptions{Addr: "127.0.0.1:0", OpsAddr: "127.0.0.1:0", Content: content, Out: out, Data: t.TempDir(), NoCache: true, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(ctx)
	get := func(path string) (int, string) {
		t.Helper()
		res, err := http.Get(d.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	page := "/s/shop/products/mug/"
	if code, body := get(page); code != 200 || !strings.Contains(body, `<script src="/_wandstore/dev/reload.js" defer></script></head>`) {
		t.Fatalf("page %d lacks the reload script:\n%.300s", code, body)
	}
	if code, body := get("/_wandstore/dev/reload.js"); code != 200 || !strings.Contains(body, "EventSource") {
		t.Fatalf("reload.js: %d", code)
	}
	built, err := os.ReadFile(filepath.Join(out, "s", "shop", "products", "mug", "index.html"))
	if err != nil || strings.Contains(string(built), "_wandstore") {
		t.Fatalf("the built page carries the dev script (or is missing): %v", err)
	}

	req, _ := http.NewRequestWithContext(ctx, "GET", d.URL+"/_wandstore/dev/events", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("events Content-Type %q", ct)
	}
	events := make(chan [2]string, 8)
	go func() {
		sc := bufio.NewScanner(res.Body)
		var name string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				events <- [2]string{name, strings.TrimPrefix(line, "data: ")}
			}
		}
		close(events)
	}()
	next := func(what string) [2]string {
		t.Helper()
		select {
		case e, ok := <-events:
			if !ok {
				t.Fatalf("%s: the stream ended", what)
			}
			return e
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no event in 10 s\n%s", what, log.String())
		}
		return [2]string{}
	}

	file := filepath.Join(content, "shop", "products", "mug.md")
	orig, _ := os.ReadFile(file)
	saved := time.Now()
	if err := os.WriteFile(file, []byte(strings.Replace(string(orig), `price: "1234.50"`, `price: "55.00"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if e := next("edit"); e[0] != "reload" {
		t.Fatalf("after an edit: %q", e)
	}
	t.Logf("save to reload event: %s", time.Since(saved).Round(time.Millisecond))
	if _, body := get(page); !strings.Contains(body, "55,00\u00a0€") {
		t.Error("the page was not rebuilt with the new price")
	}
	if c, ok := d.cats.Get("shop"); !ok || c.Store.Product("mug").Variants[0].Price.Amount != 5500 {
		t.Error("the islands did not switch to the new catalog")
	}

	if err := os.WriteFile(file, []byte("---\ntitle: [\n---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if e := next("broken save"); e[0] != "problem" || !strings.Contains(e[1], "mug.md") {
		t.Fatalf("after a broken save: %q", e)
	}
	if code, body := get(page); code != 200 || !strings.Contains(body, "55,00\u00a0€") {
		t.Errorf("the last good build is not served after a broken save: %d", code)
	}
	if !strings.Contains(log.String(), "mug.md") || !strings.Contains(log.String(), "still serving the last good build") {
		t.Errorf("the terminal does not show the problem:\n%s", log.String())
	}
	if err := os.WriteFile(file, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	if e := next("fixed"); e[0] != "reload" {
		t.Fatalf("after the fix: %q", e)
	}
}

// The dev files are the dev server's alone: serve does not have them.
func TestServeHasNoDevFiles(t *testing.T) {
	content, out := testkit.ContentDir(t, shopArchive), t.TempDir()
	if _, stderr, err := run(t, "build", "--content", content, "--out", out, "--quiet"); err != nil {
		t.Fatalf("build: %v\n%s", err, stderr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := StartServe(ctx, ServeOptions{Addr: "127.0.0.1:0", OpsAddr: "127.0.0.1:0", Content: content, Public: out, Data: t.TempDir(), NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	for _, p := range []string{"/_wandstore/dev/reload.js", "/_wandstore/dev/events"} {
		res, err := http.Get(s.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("serve answers %s with %d", p, res.StatusCode)
		}
	}
	res, err := http.Get(s.URL + "/s/shop/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if strings.Contains(string(b), "_wandstore") {
		t.Error("serve's page carries the dev script")
	}
}

// What a change rebuilds: the stores whose files changed; every store
// when a file outside them changed or a store came or went; nothing when
// nothing changed.
func TestDevChangedStores(t *testing.T) {
	base := map[string]uint64{"": 1, "a": 2, "b": 3}
	with := func(k string, v uint64) map[string]uint64 {
		m := map[string]uint64{}
		for kk, vv := range base {
			m[kk] = vv
		}
		if v == 0 {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	for _, c := range []struct {
		name  string
		after map[string]uint64
		only  []string
		want  []string // nil: nothing; empty: every store
	}{
		{"nothing", base, nil, nil},
		{"one store", with("b", 9), nil, []string{"b"}},
		{"one store not built", with("b", 9), []string{"a"}, nil},
		{"a file at the top", with("", 9), nil, []string{}},
		{"a store added", with("c", 9), nil, []string{}},
		{"a store removed", with("a", 0), []string{"a", "b"}, []string{"a", "b"}},
	} {
		got := changedStores(base, c.after, c.only)
		if (got == nil) != (c.want == nil) || !slices.Equal(got, c.want) {
			t.Errorf("%s: %#v, want %#v", c.name, got, c.want)
		}
	}
}
