package generator

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"testing"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/internal/testkit"
)

// A manifest is its snapshot and the logs after it; a log's last line cut
// short by a crash is ignored, a log damaged elsewhere gives an empty
// manifest (a full rebuild), and saving a snapshot retires the logs.
func TestManifestLog(t *testing.T) {
	dir := t.TempDir()
	m := &Manifest{Version: manifestVersion, Store: "tea", Files: map[string]Entry{"a": {In: "1", Out: "1", Size: 1}, "b": {In: "2"}}}
	if err := m.save(dir); err != nil {
		t.Fatal(err)
	}
	l := &manifestLog{stateDir: dir, store: "tea", gen: m.Log}
	if err := l.append([]logLine{{Path: "c", Entry: Entry{In: "3"}}, {Path: "a", Gone: true}}); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(logPath(dir, "tea", m.Log), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"p":"d","in":"4"`) // killed mid-append
	f.Close()
	got, err := loadManifest(dir, "tea")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Entry{"b": {In: "2"}, "c": {In: "3"}}
	if !maps.Equal(got.Files, want) {
		t.Fatalf("loaded %v, want %v", got.Files, want)
	}

	// A snapshot written (a build) retires the logs: an old log is not
	// replayed over the new snapshot.
	got.Files["e"] = Entry{In: "5"}
	if err := got.save(dir); err != nil {
		t.Fatal(err)
	}
	if gens, _ := logGens(dir, "tea"); len(gens) != 0 {
		t.Errorf("logs left after a snapshot: %v", gens)
	}
	again, err := loadManifest(dir, "tea")
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Files) != 3 || again.Files["e"].In != "5" {
		t.Errorf("after a snapshot: %v", again.Files)
	}

	// Damage in the middle of a log: nothing of the manifest is trusted.
	os.WriteFile(logPath(dir, "tea", again.Log), []byte("{\"p\":\"x\"}\nnot json\n{\"p\":\"y\"}\n"), 0o644)
	if bad, err := loadManifest(dir, "tea"); err != nil || len(bad.Files) != 0 {
		t.Errorf("a damaged log loaded as %v, %v", bad, err)
	}
}

// Live's log is folded into a snapshot once it outgrows the manifest, in
// the background; what loads afterwards is what Live holds, and only the
// logs after the snapshot are left.
func TestLiveCompactsItsLog(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	live, err := NewLive(Options{Out: out, SiteURL: "https://shop.test/", RenderVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { live.Flush() }) // copies written in the background, before the folder goes
	st := testkit.DemoStore(t, "magic-wands")
	if _, err := live.Update(ctx, st); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(out, ".wandstore")
	for i := 0; ; i++ {
		p := st.Products[i%len(st.Products)]
		next, err := st.With(catalog.Change{Products: []*catalog.Product{edited(p, func(p *catalog.Product) { p.Title = fmt.Sprintf("Edit %d", i) })}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := live.Update(ctx, next); err != nil {
			t.Fatal(err)
		}
		st = next
		if err := live.Flush(); err != nil {
			t.Fatal(err)
		}
		if gens, _ := logGens(state, st.Handle); len(gens) == 1 && gens[0] > 0 {
			break // compacted: the first log is gone, the next one started
		}
		if i > 2000 {
			t.Fatal("the log was never compacted")
		}
	}
	got, err := loadManifest(state, st.Handle)
	if err != nil {
		t.Fatal(err)
	}
	live.mu.Lock()
	ls := live.stores[st.Handle]
	live.mu.Unlock()
	if !maps.Equal(got.Files, ls.man.Files) {
		t.Fatalf("the compacted manifest on disk (%d files) differs from Live's (%d)", len(got.Files), len(ls.man.Files))
	}
}
