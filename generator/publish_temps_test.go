package generator

import (
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
