package testkit

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/catalog/contentdir"
	"github.com/wandstore/wandstore/content"
	"golang.org/x/tools/txtar"
)

// DemoStore loads one of the embedded demo stores ("magic-wands",
// "kitsune-tea"), validated, as the demo serves it, so tests take expected
// values from the content instead of copying them. Each call loads a fresh
// copy, which the caller may change. It fails t if the store does not load
// or validate.
func DemoStore(t testing.TB, handle string) *catalog.Store {
	t.Helper()
	st, err := contentdir.New(content.FS).Load(context.Background(), handle)
	if err != nil {
		t.Fatalf("demo store %s: %v", handle, err)
	}
	if err := st.Validate(); err != nil {
		t.Fatalf("demo store %s: %v", handle, err)
	}
	return st
}

// ContentFS is a content folder (one sub-folder per store) described as a
// txtar archive:
//
//	-- shop/store.yaml --
//	name: Shop
//	-- shop/products/mug.md --
//	...
//
// Files have mode 0644 and the modification time 0, so a build's output
// depends only on their bytes. Tests may add or edit files between builds.
func ContentFS(archive string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for _, f := range txtar.Parse([]byte(archive)).Files {
		fsys[f.Name] = &fstest.MapFile{Data: f.Data, Mode: 0o644, ModTime: time.Unix(0, 0)}
	}
	return fsys
}

// ContentDir writes a content folder described as a txtar archive (see
// ContentFS) into a new temporary directory and returns its path, for
// what reads content from disk (the wandgen command's --content). It
// fails t if a file cannot be written.
func ContentDir(t testing.TB, archive string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range txtar.Parse([]byte(archive)).Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
