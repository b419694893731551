package generator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wandstore/wandstore/catalog/contentdir"
	"github.com/wandstore/wandstore/internal/benchstore"
)

// readTree maps every file below dir (but the state folder) to its bytes.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() && e.Name() == ".wandstore" {
			return fs.SkipDir
		}
		if e.IsDir() {
			return nil
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A build of several stores (each planned while the one before renders,
// the copies of their shared assets compressed once) publishes exactly
// what building each store on its own does, copies included; and a store
// whose plan fails stops the build with the store's error.
func TestManyStoresBuildAsEachAlone(t *testing.T) {
	content := t.TempDir()
	var handles []string
	for i := 1; i <= 4; i++ {
		h := fmt.Sprintf("store-%d", i)
		handles = append(handles, h)
		if err := benchstore.Write(filepath.Join(content, h), 30+i); err != nil {
			t.Fatal(err)
		}
	}
	src := contentdir.New(os.DirFS(content))
	ctx := context.Background()
	together := t.TempDir()
	sum, err := Build(ctx, Options{Source: src, Out: together, SiteURL: "https://shop.test/", RenderVersion: "test", Workers: 3, Precompress: PrecompressOn})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Stores) != len(handles)+1 { // and the site's front door
		t.Fatalf("%d stores built, want %d and the front door", len(sum.Stores), len(handles))
	}
	alone := t.TempDir()
	for _, h := range handles {
		if _, err := Build(ctx, Options{Source: src, Stores: []string{h}, Out: alone, SiteURL: "https://shop.test/", RenderVersion: "test", Workers: 3, Precompress: PrecompressOn}); err != nil {
			t.Fatal(err)
		}
	}
	got, want := readTree(t, together), readTree(t, alone)
	for p, data := range want {
		if !bytes.Equal(got[p], data) {
			t.Errorf("%s differs from the store's build alone", p)
		}
	}
	shared := 0
	for p := range got {
		if _, ok := want[p]; !ok && strings.HasPrefix(p, "s/") {
			t.Errorf("%s: only in the build of every store", p)
		}
		if strings.Contains(p, "/assets/htmx") && strings.HasSuffix(p, ".br") {
			shared++
		}
	}
	if shared != len(handles) {
		t.Errorf("%d stores have htmx's Brotli copy, want %d", shared, len(handles))
	}
	checkCopies(t, together, true)

	// Cancelled while the first store renders (the second is being
	// planned, or waits to be taken), the build stops with the cause.
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	_, err = Build(cctx, Options{Source: src, Out: t.TempDir(), SiteURL: "https://shop.test/", RenderVersion: "test", Workers: 3,
		Progress: func(p Progress) {
			if p.Phase == "render" && p.Store == "store-1" {
				cancel()
			}
		}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("build cancelled: %v, want context.Canceled", err)
	}
}

// formOf cuts a listing page's filter form out of it.
func formOf(t *testing.T, page []byte) string {
	t.Helper()
	s := string(page)
	i := strings.Index(s, `<details class="filters"`)
	if i < 0 {
		t.Fatal("no filter form")
	}
	j := strings.Index(s[i:], "</form>")
	if j < 0 {
		t.Fatal("the filter form does not end")
	}
	return s[i : i+j]
}

// Every page of a listing in one order shows the same filter form,
// rendered once per plan; another order's form keeps its own sort.
func TestListingPagesShareTheirFilterForm(t *testing.T) {
	content := t.TempDir()
	if err := benchstore.Write(filepath.Join(content, "big"), 80); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if _, err := Build(context.Background(), Options{Source: contentdir.New(os.DirFS(content)), Out: out, SiteURL: "https://shop.test/", RenderVersion: "test", Workers: 3, Precompress: PrecompressOff}); err != nil {
		t.Fatal(err)
	}
	files := readTree(t, out)
	first, second := files["s/big/collections/all/index.html"], files["s/big/collections/all/page/2/index.html"]
	byPrice := files["s/big/collections/all/price-asc/page/2/index.html"]
	if first == nil || second == nil || byPrice == nil {
		t.Fatal("listing pages missing")
	}
	if formOf(t, first) != formOf(t, second) {
		t.Error("two pages of one listing show different filter forms")
	}
	if f := formOf(t, byPrice); !strings.Contains(f, `name="sort_by"`) || strings.Contains(formOf(t, first), `name="sort_by"`) {
		t.Error("the price order's form does not keep its sort, or the default's has one")
	}
}

// An asset's bytes seen again in the same build (another store's copy of
// htmx) take the copies made the first time, not a second compression; a
// page (no digest to share by) is compressed each time.
func TestSharedCopiesAreMadeOnce(t *testing.T) {
	b, err := newBuilder(Options{Out: t.TempDir(), SiteURL: "https://x.test/", RenderVersion: "test"}, true)
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("var htmx = function () { return 42; };\n"), 100)
	var z *compressor
	first, _, _ := b.makeCopies("s/a/assets/htmx.js", data, digest(data), &z)
	again, _, _ := b.makeCopies("s/b/assets/htmx.js", data, digest(data), &z)
	page, _, _ := b.makeCopies("s/b/index.js", data, "", &z)
	if len(first[".br"]) == 0 || len(again[".br"]) == 0 || len(page[".br"]) == 0 {
		t.Fatalf("no Brotli copies: %d %d %d bytes", len(first[".br"]), len(again[".br"]), len(page[".br"]))
	}
	if &first[".br"][0] != &again[".br"][0] {
		t.Error("the same asset's bytes were compressed again")
	}
	if &first[".br"][0] == &page[".br"][0] {
		t.Error("a file without a digest took shared copies")
	}
}
