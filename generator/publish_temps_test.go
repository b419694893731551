package generator

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A write interrupted by a crash leaves its temporary file; the next
// publisher on the folder removes it, but not one that is being written
// now, nor a page that merely looks alike.
func TestDirPublisherRemovesStaleTemps(t *testing.T) {
	root := t.TempDir()
	write := func(rel string, age time.Duration) string {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		at := time.Now().Add(-age)
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
		return p
	}
	stale := []string{
		write("s/wands/products/elder/.index.html.tmp-3k2j1h", time.Hour),
		write(".wandstore/.manifest-wands.json.tmp-zz9", 2*time.Minute),
	}
	kept := []string{
		write("s/wands/.index.html.tmp-abc", time.Second), // being written now
		write("s/wands/index.html", time.Hour),            // a page
		write("s/wands/notes.tmp-1", time.Hour),           // not a dot file
		write("s/wands/.index.html.tmp-ABC", time.Hour),   // not writeAtomic's digits
		write("s/wands/assets/.keep.tmp-", time.Hour),     // no digits
		write("s/wands/products/elder/index.html", time.Hour),
	}
	if _, err := NewDirPublisher(root); err != nil {
		t.Fatal(err)
	}
	for _, p := range stale {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("stale temporary file kept: %s", p)
		}
	}
	for _, p := range kept {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s removed: %v", p, err)
		}
	}
}

// A folder the publisher made is fresh (empty: a file there has no copies
// to remove) until it writes into it; one that was there before is not;
// one it removed and someone else made again is not.
func TestDirPublisherKnowsTheFoldersItMade(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "s/old"), 0o755); err != nil {
		t.Fatal(err)
	}
	d, err := NewDirPublisher(root)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const old, page = "s/old/index.html", "s/new/products/a/index.html"
	for _, p := range []string{old, page} {
		if d.fresh(p) {
			t.Errorf("%s: fresh before its folder was made", p)
		}
		if err := d.prepare(p); err != nil {
			t.Fatal(err)
		}
	}
	if d.fresh(old) {
		t.Error("a folder that was there before the publisher is fresh")
	}
	if !d.fresh(page) {
		t.Error("a folder the publisher made is not fresh")
	}
	if err := d.Put(ctx, page, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if d.fresh(page) || d.fresh("s/new/products/a/index.html.br") {
		t.Error("a folder the publisher wrote into is still fresh")
	}
	if err := d.Delete(ctx, page); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "s/new/products/a"), 0o755); err != nil {
		t.Fatal(err) // made again by someone else
	}
	if err := d.prepare(page); err != nil {
		t.Fatal(err)
	}
	if d.fresh(page) {
		t.Error("a folder removed and then made by someone else is fresh")
	}
	if err := d.Put(ctx, "s/x/y", []byte("z")); err != nil {
		t.Fatal(err)
	}
	if err := d.Put(ctx, "s/x/y/z", []byte("z")); err == nil {
		t.Error("a file where a folder should be: no error")
	}
}
