package app

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/content"
	"github.com/wandstore/wandstore/generator"
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
	code, body := get(page)
	src, _, _ := strings.Cut(body[strings.Index(body, `<script src="/_wandstore/dev/reload.js?v=`)+len(`<script src="`):], `"`)
	if code != 200 || !strings.Contains(body, `<script src="`+src+`" defer></script></head>`) {
		t.Fatalf("page %d lacks the reload script:\n%.300s", code, body)
	}
	// Cached for good at its address, which names its bytes; not under
	// another.
	for path, cc := range map[string]string{src: "public, max-age=31536000, immutable", "/_wandstore/dev/reload.js": "no-store"} {
		res, err := http.Get(d.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		js, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(js), "EventSource") || res.Header.Get("Cache-Control") != cc {
			t.Fatalf("%s: %d, Cache-Control %q", path, res.StatusCode, res.Header.Get("Cache-Control"))
		}
	}
	built, err := os.ReadFile(filepath.Join(out, "s", "shop", "products", "mug", "index.html"))
	if err != nil || strings.Contains(string(built), "_wandstore") {
		t.Fatalf("the built page carries the dev script (or is missing): %v", err)
	}

	events := devEvents(t, ctx, d.URL)
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

// TestDevFolderStateIsFiles: a folder's own time changing (as listing it
// after its file is removed, but reading its time before, would show) is
// no change; a file saved, added or removed is one, of its store.
func TestDevFolderStateIsFiles(t *testing.T) {
	dir := t.TempDir()
	products := filepath.Join(dir, "shop", "products")
	if err := os.MkdirAll(products, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{filepath.Join(dir, "shop", "store.yaml"), filepath.Join(products, "a.md")} {
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	before := folderState(dir)
	later := time.Now().Add(time.Hour)
	for _, d := range []string{dir, filepath.Join(dir, "shop"), products} {
		if err := os.Chtimes(d, later, later); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "shop", "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	after := folderState(dir)
	if got := changedStores(before.stores, after.stores, nil); got != nil {
		t.Errorf("folders' times changed: stores %v changed", got)
	}
	if !sameFolder(before, after) {
		t.Error("folders' times changed: not the same folder")
	}
	if err := os.WriteFile(filepath.Join(products, "b.md"), []byte("y"), 0o644); err != nil {
		t.Fatal(err)
	}
	added := folderState(dir)
	if got := changedStores(after.stores, added.stores, nil); !slices.Equal(got, []string{"shop"}) {
		t.Errorf("a file added: stores %v changed, want [shop]", got)
	}
	if got := changedFiles(after.files, added.files); !slices.Equal(got, []string{"shop/products/b.md"}) {
		t.Errorf("a file added: files %v changed", got)
	}
	if err := os.Remove(filepath.Join(products, "a.md")); err != nil {
		t.Fatal(err)
	}
	removed := folderState(dir)
	if got := changedFiles(added.files, removed.files); !slices.Equal(got, []string{"shop/products/a.md"}) {
		t.Errorf("a file removed: files %v changed", got)
	}
	if got := changedStores(added.stores, removed.stores, nil); !slices.Equal(got, []string{"shop"}) {
		t.Errorf("a file removed: stores %v changed, want [shop]", got)
	}
}

// devEvents reads a dev server's event stream (a real HTTP client) into a
// channel of [name, data] pairs.
func devEvents(tb testing.TB, ctx context.Context, url string) <-chan [2]string {
	tb.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", url+"/_wandstore/dev/events", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { res.Body.Close() })
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		tb.Fatalf("events Content-Type %q", ct)
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
	return events
}

// devDemoStore copies the embedded Magic Wands store (70 products) into a
// content folder of its own.
func devDemoStore(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	sub, err := fs.Sub(content.FS, "magic-wands")
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(dir, "magic-wands"), sub); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// BenchmarkDevSaveToReload is the merchant's loop without a browser: a
// one-product edit (its title and price) in the 70-product demo store is
// saved; an op is the time from the write's return to the "reload" event
// on a real events stream, then the product page's fetch with the edit
// (what a reload asks first). Reported: the median and the slowest of
// each, in ms. Run with -benchtime=20x (each op is one save).
func BenchmarkDevSaveToReload(b *testing.B) {
	dir := devDemoStore(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var log testkit.LogBuffer
	d, err := StartDev(ctx, DevOptions{Addr: "127.0.0.1:0", OpsAddr: "127.0.0.1:0", Content: dir, Out: b.TempDir(), Data: b.TempDir(), NoCache: true, Log: &log})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close(context.Background())
	events := devEvents(b, ctx, d.URL)
	// Once dev is ready for edits (or after a while, for a dev that does
	// not say).
	for deadline := time.Now().Add(3 * time.Second); !strings.Contains(log.String(), "dev: ready") && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	file := filepath.Join(dir, "magic-wands", "products", "elder-wand.md")
	orig, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	page := d.URL + "/s/magic-wands/products/elder-wand/"
	var toEvent, toPage []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		title := fmt.Sprintf("Elder Wand, edit %d", i)
		text := strings.Replace(string(orig), "title: Elder Wand", "title: "+title, 1)
		text = strings.Replace(text, `price: "129.00"`, fmt.Sprintf(`price: "12%d.00"`, i%9), 1)
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
		saved := time.Now()
	wait:
		for {
			select {
			case e, ok := <-events:
				if !ok {
					b.Fatal("the events stream ended")
				}
				if e[0] == "reload" {
					break wait
				}
				if e[0] == "problem" {
					b.Fatalf("save %d: %s", i, e[1])
				}
			case <-time.After(20 * time.Second):
				b.Fatalf("save %d: no reload in 20 s\n%s", i, log.String())
			}
		}
		toEvent = append(toEvent, time.Since(saved))
		res, err := http.Get(page)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		toPage = append(toPage, time.Since(saved))
		if !strings.Contains(string(body), title) {
			b.Fatalf("save %d: the page does not show the edit", i)
		}
		b.StopTimer()
		time.Sleep(30 * time.Millisecond) // a merchant does not save twice in a poll
		b.StartTimer()
	}
	b.StopTimer()
	ms := func(ds []time.Duration, q float64) float64 {
		s := slices.Clone(ds)
		slices.Sort(s)
		return float64(s[int(q*float64(len(s)-1))]) / 1e6
	}
	b.ReportMetric(ms(toEvent, 0.5), "ms-reload-event-p50")
	b.ReportMetric(ms(toEvent, 1), "ms-reload-event-max")
	b.ReportMetric(ms(toPage, 0.5), "ms-page-p50")
	b.ReportMetric(ms(toPage, 1), "ms-page-max")
	if b.N > 1 {
		b.Logf("save to reload event: %v", toEvent)
		b.Logf("dev log (last lines):\n%s", lastLines(log.String(), 6))
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// BenchmarkDevFolderState is the cost of one look at the demo store's
// content folder (what the dev server does every devWatchEvery).
func BenchmarkDevFolderState(b *testing.B) {
	dir := devDemoStore(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		folderState(dir)
	}
}

// After every save, dev's folder holds what a full build of the same
// content would publish, byte for byte (its own state folder aside; the
// reload script is put in as pages are served, not written), whether the
// save was published as a delta (a product edited or removed, a
// collection edited or removed) or built in full (a product or a
// collection added, store.yaml).
func TestDevPublishesWhatABuildWould(t *testing.T) {
	dir, out := devDemoStore(t), t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var log testkit.LogBuffer
	d, err := StartDev(ctx, DevOptions{Addr: "127.0.0.1:0", OpsAddr: "127.0.0.1:0", Content: dir, Out: out, Data: t.TempDir(), NoCache: true, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(ctx)
	events := devEvents(t, ctx, d.URL)
	const ready = "dev: ready"
	waitFor := func(what string, n int) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); strings.Count(log.String(), what) < n; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no %q (%d) in the log:\n%s", what, n, log.String())
			}
		}
	}
	waitFor(ready, 1)
	store := filepath.Join(dir, "magic-wands")
	read := func(rel string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(store, rel))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	// Saved whole, as an editor that renames its save into place does: a
	// look in the middle of a write may build what it read, then see the
	// rest of the write and publish it again with nothing left to write,
	// and the save's "rebuilt" line would then say delta, not how it was
	// built (what is published is right either way: same() checks it).
	scratch := t.TempDir()
	write := func(rel, text string) {
		t.Helper()
		tmp := filepath.Join(scratch, "save")
		if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(store, rel)); err != nil {
			t.Fatal(err)
		}
	}
	rebuilds := 0
	reloaded := func(what, how string) {
		t.Helper()
		select {
		case e, ok := <-events:
			if !ok || e[0] != "reload" {
				t.Fatalf("%s: %q, not a reload\n%s", what, e, log.String())
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: no reload\n%s", what, log.String())
		}
		rebuilds++
		waitFor("rebuilt ", rebuilds) // the terminal's line follows the event
		var lines []string
		for _, l := range strings.Split(log.String(), "\n") {
			if strings.HasPrefix(l, "rebuilt ") {
				lines = append(lines, l)
			}
		}
		if l := lines[rebuilds-1]; !strings.Contains(l, how) {
			t.Errorf("%s: published as %q, want %s\n%s", what, l, how, log.String())
		}
	}
	same := func(what string) {
		t.Helper()
		src, err := source(dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		fresh := t.TempDir()
		if _, err := generator.Build(ctx, generator.Options{Source: src, Out: fresh, SiteURL: d.URL + "/", Precompress: generator.PrecompressOff}); err != nil {
			t.Fatalf("%s: build: %v", what, err)
		}
		got, want := devFiles(t, out), devFiles(t, fresh)
		// The first build's compressed copies may stay beside files dev
		// does not rewrite: dev sends pages whole, and a copy is of the
		// file it sits beside, which a fingerprinted name never changes.
		for p := range got {
			if base, ok := strings.CutSuffix(p, ".br"); ok || strings.HasSuffix(p, ".gz") {
				if !ok {
					base = strings.TrimSuffix(p, ".gz")
				}
				if _, ok := want[base]; !ok || !strings.Contains(base, "/assets/") && !strings.HasPrefix(base, "assets/") {
					t.Errorf("%s: dev has a compressed copy %s of a page or of no file", what, p)
				}
				delete(got, p)
			}
		}
		for p, b := range want {
			if g, ok := got[p]; !ok {
				t.Errorf("%s: dev lacks %s", what, p)
			} else if g != b {
				t.Errorf("%s: dev's %s differs from a build's", what, p)
			}
		}
		for p := range got {
			if _, ok := want[p]; !ok {
				t.Errorf("%s: dev has %s, a build does not", what, p)
			}
		}
	}

	wand := read("products/elder-wand.md")
	write("products/elder-wand.md", strings.Replace(strings.Replace(wand, "title: Elder Wand", "title: Elder Wand, Edited", 1), `price: "129.00"`, `price: "99.00"`, 1))
	reloaded("a product edited", "delta")
	same("a product edited")
	write("products/new-wand.md", strings.ReplaceAll(strings.Replace(wand, "title: Elder Wand", "title: Newest Wand", 1), "EW-", "NW-"))
	reloaded("a product added", "full build")
	waitFor(ready, 2)

	if err := os.Remove(filepath.Join(store, "products", "new-wand.md")); err != nil {
		t.Fatal(err)
	}
	reloaded("a product removed", "delta")
	write("collections/brooms.yaml", strings.Replace(read("collections/brooms.yaml"), "title: Broomsticks", "title: Brooms and Broomsticks", 1))
	reloaded("a collection edited", "delta")
	same("a product removed and a collection edited")
	write("collections/new-wands.yaml", "title: New Wands\nsort: title-asc\nproducts: [elder-wand, holly-wand]\n")
	reloaded("a collection added", "full build")
	waitFor(ready, 3)
	if err := os.Remove(filepath.Join(store, "collections", "new-wands.yaml")); err != nil {
		t.Fatal(err)
	}
	reloaded("a collection removed", "delta")
	same("a collection added, then removed")

	write("store.yaml", strings.Replace(read("store.yaml"), "name: Magic Wands Emporium", "name: Magic Wands Emporium, Edited", 1))
	reloaded("store.yaml edited", "full build")
	waitFor(ready, 4)
	write("products/elder-wand.md", wand)
	reloaded("a product edited after a full build", "delta")
	same("store.yaml edited, then a product")
}

// devFiles are a published folder's files and their bytes, by slash path,
// without its state folder.
func devFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			if e.Name() == ".wandstore" {
				return filepath.SkipDir
			}
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// What is published as a delta: edits of a changed store's existing
// product (.md) and collection (.yaml, .yml) files; anything else, or
// nothing, is built in full.
func TestDevProductEditsOnly(t *testing.T) {
	before := map[string]fileKey{"a/products/x.md": {1, 1}, "a/collections/c.yaml": {1, 1}, "a/store.yaml": {1, 1}, "b/products/y.md": {1, 1}}
	with := func(edits map[string]fileKey, remove ...string) map[string]fileKey {
		m := maps.Clone(before)
		maps.Copy(m, edits)
		for _, p := range remove {
			delete(m, p)
		}
		return m
	}
	for _, c := range []struct {
		name   string
		after  map[string]fileKey
		stores []string
		want   bool
	}{
		{"a product edited", with(map[string]fileKey{"a/products/x.md": {2, 1}}), []string{"a"}, true},
		{"a product's time only", with(map[string]fileKey{"a/products/x.md": {1, 2}}), []string{"a"}, true},
		{"a collection edited", with(map[string]fileKey{"a/collections/c.yaml": {2, 1}}), []string{"a"}, true},
		{"a collection added as .yml", with(map[string]fileKey{"a/collections/d.yml": {2, 1}}), []string{"a"}, true},
		{"a product removed", with(nil, "a/products/x.md"), []string{"a"}, true},
		{"products of two stores", with(map[string]fileKey{"a/products/x.md": {2, 1}, "b/products/y.md": {2, 1}}), []string{"a", "b"}, true},
		{"nothing", before, []string{"a"}, false},
		{"store.yaml", with(map[string]fileKey{"a/store.yaml": {2, 1}}), []string{"a"}, false},
		{"an image", with(map[string]fileKey{"a/images/x.svg": {2, 1}}), []string{"a"}, false},
		{"a product and an image", with(map[string]fileKey{"a/products/x.md": {2, 1}, "a/images/x.svg": {2, 1}}), []string{"a"}, false},
		{"a product's notes", with(map[string]fileKey{"a/products/x.txt": {2, 1}}), []string{"a"}, false},
		{"a product in a sub-folder", with(map[string]fileKey{"a/products/old/x.md": {2, 1}}), []string{"a"}, false},
		{"a product of a store not rebuilt", with(map[string]fileKey{"b/products/y.md": {2, 1}}), []string{"a"}, false},
		{"a file at the top", with(map[string]fileKey{"README.md": {2, 1}}), []string{"a"}, false},
	} {
		if got := productEditsOnly(changedFiles(before, c.after), c.stores); got != c.want {
			t.Errorf("%s: %v, want %v (changed: %v)", c.name, got, c.want, changedFiles(before, c.after))
		}
	}
}
