package generator

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/internal/testkit"
)

// decoded is a copy's bytes decoded, or an error.
func decoded(t *testing.T, name string) ([]byte, error) {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var r io.Reader
	switch filepath.Ext(name) {
	case ".br":
		r = brotli.NewReader(bytes.NewReader(data))
	case ".gz":
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		r = zr
	}
	return io.ReadAll(r)
}

// checkCopies walks out and checks that every text file of
// MinPrecompress bytes or more has a .br and a .gz copy (want) or none
// (!want) decoding to its bytes, that no other file has any, and that
// every copy has its file. It returns how many files have copies.
func checkCopies(t *testing.T, out string, want bool) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(out, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || strings.Contains(p, "/.wandstore") {
			return err
		}
		if IsCompressedCopy(p) {
			ext := filepath.Ext(p)
			if _, err := os.Stat(strings.TrimSuffix(p, ext)); err != nil {
				t.Errorf("%s has no file: %v", p, err)
			}
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		worth := want && Precompressible(p) && len(data) >= MinPrecompress
		if worth {
			n++
		}
		for _, suf := range []string{".br", ".gz"} {
			got, err := decoded(t, p+suf)
			switch {
			case worth && err != nil:
				t.Errorf("%s%s: %v", p, suf, err)
			case worth && !bytes.Equal(got, data):
				t.Errorf("%s%s decodes to other bytes than the file's", p, suf)
			case !worth && !errors.Is(err, fs.ErrNotExist):
				t.Errorf("%s%s exists (err %v): the file gets no copies", p, suf, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A build into a folder writes a Brotli and a gzip copy beside each text
// file of 1 KiB or more, none beside small files and images; the next
// build compresses nothing again; a copy lost behind the build's back is
// made again; turning Precompress off removes every copy and turning it
// on brings them back.
func TestBuildWritesCompressedCopies(t *testing.T) {
	s := newSite(t, shop)
	sum := s.build()
	n := checkCopies(t, s.out, true)
	if n < 5 || sum.Compressed != n || sum.CompressedBytes <= 0 {
		t.Fatalf("%d files with copies; the summary says %d (%d bytes)", n, sum.Compressed, sum.CompressedBytes)
	}
	if !s.exists("s/tea/index.html.br") || !s.exists("s/tea/index.html.gz") {
		t.Fatal("the home page has no copies")
	}
	before := snapshot(t, s.out)

	again := s.build()
	if again.Compressed != 0 || again.Written != 0 {
		t.Fatalf("an unchanged build compressed %d files, wrote %d", again.Compressed, again.Written)
	}
	if after := snapshot(t, s.out); !mapsEqualExcept(before, after, ".wandstore/") {
		t.Fatal("an unchanged build touched the output")
	}

	// A lost copy is put back, with nothing else.
	if err := os.Remove(filepath.Join(s.out, "s/tea/index.html.br")); err != nil {
		t.Fatal(err)
	}
	repair := s.build(func(o *Options) { o.Verify = true })
	if repair.Compressed != 1 || repair.Written != 0 {
		t.Fatalf("repair build: compressed %d, wrote %d; want the home page's copies only", repair.Compressed, repair.Written)
	}
	checkCopies(t, s.out, true)

	// A product page changes: its copies follow.
	s.edit("tea/products/sencha.md", "A **fresh** green tea.", "A **fresh** green tea, "+strings.Repeat("steamed and rolled; ", 60))
	changed := s.build()
	if changed.Compressed == 0 {
		t.Fatal("a changed page was not compressed")
	}
	checkCopies(t, s.out, true)

	off := s.build(func(o *Options) { o.Precompress = PrecompressOff })
	if off.Written != 0 {
		t.Errorf("turning compression off rewrote %d files", off.Written)
	}
	checkCopies(t, s.out, false)
	on := s.build()
	if on.Compressed != n {
		t.Errorf("turning compression on again compressed %d files, want %d", on.Compressed, n)
	}
	checkCopies(t, s.out, true)

	// A deleted product leaves no copy behind.
	delete(s.fs, "tea/products/matcha.md")
	s.build()
	for _, p := range []string{"s/tea/products/matcha/index.html", "s/tea/products/matcha/index.html.br", "s/tea/products/matcha/index.html.gz"} {
		if s.exists(p) {
			t.Errorf("%s outlived its product", p)
		}
	}
	checkCopies(t, s.out, true)
}

func mapsEqualExcept(a, b map[string]string, prefix string) bool {
	for k, v := range a {
		if !strings.HasPrefix(k, prefix) && b[k] != v {
			return false
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok && !strings.HasPrefix(k, prefix) {
			return false
		}
	}
	return true
}

// failingCopies publishes into a folder but fails the Put of one copy: a
// build that dies between writing a page and its copies.
type failingCopies struct {
	*DirPublisher
	fail string
}

func (f *failingCopies) Put(ctx context.Context, p string, data []byte) error {
	if p == f.fail {
		return errKilled
	}
	return f.DirPublisher.Put(ctx, p, data)
}

// A build that fails after writing a changed page but before its copies
// leaves no copy of the old bytes beside it (they were removed first), and
// the next build writes the copies of the new bytes.
func TestACopyNeverOutlivesItsFilesBytes(t *testing.T) {
	s := newSite(t, shop)
	s.build()
	page := "s/tea/products/teapot/index.html"
	old := s.read(page)
	s.edit("tea/products/teapot.md", `price: "60.00"`, `price: "61.00"`)
	dir, err := NewDirPublisher(s.out)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Build(context.Background(), func() Options {
		o := s.options()
		o.Publisher, o.Precompress = &failingCopies{DirPublisher: dir, fail: page + ".br"}, PrecompressOn
		return o
	}())
	if !errors.Is(err, errKilled) {
		t.Fatalf("build: %v, want the failure", err)
	}
	if s.read(page) == old {
		t.Fatal("the page was not rewritten before the failure: the test proves nothing")
	}
	for _, suf := range []string{".br", ".gz"} {
		if s.exists(page + suf) {
			t.Errorf("%s%s sits beside the rewritten page before its copies were written", page, suf)
		}
	}
	sum := s.build()
	if sum.Compressed == 0 {
		t.Fatal("the next build did not write the missing copies")
	}
	checkCopies(t, s.out, true)
}

// Live (the webhook path): a product's change rewrites its page's copies,
// a deleted product leaves none behind, and a full build afterwards finds
// every copy in place (it compresses nothing).
func TestLiveKeepsCompressedCopies(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	live, err := NewLive(Options{Out: out, SiteURL: "https://shop.test/", RenderVersion: "test", Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	st := testkit.DemoStore(t, "magic-wands")
	if _, err := live.Update(ctx, st); err != nil {
		t.Fatal(err)
	}
	flush := func() {
		t.Helper()
		if err := live.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	flush() // the copies are written after Update returns
	checkCopies(t, out, true)
	page := filepath.Join(out, "s/magic-wands/products/elder-wand/index.html")
	next, err := st.With(catalog.Change{Products: []*catalog.Product{edited(st.Product("elder-wand"), func(p *catalog.Product) {
		p.Title = "The Elder Wand, reforged"
	})}})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := live.Update(ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Compressed == 0 || sum.Compressed > sum.Written {
		t.Fatalf("compressed %d files for %d written", sum.Compressed, sum.Written)
	}
	// Published before its copies: until they are written it has none
	// (never the old page's).
	if got, err := decoded(t, page+".br"); err == nil && !strings.Contains(string(got), "The Elder Wand, reforged") {
		t.Fatal("the old page's copy sits beside the new page")
	}
	flush()
	for _, suf := range []string{".br", ".gz"} {
		got, err := decoded(t, page+suf)
		if err != nil || !strings.Contains(string(got), "The Elder Wand, reforged") {
			t.Fatalf("%s does not hold the new page (%v)", suf, err)
		}
	}
	checkCopies(t, out, true)

	gone := next.Products[len(next.Products)-1].Handle
	last, err := next.With(catalog.Change{RemoveProducts: []string{gone}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := live.Update(ctx, last); err != nil {
		t.Fatal(err)
	}
	flush()
	dir := filepath.Join(out, "s/magic-wands/products", gone)
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		entries, _ := os.ReadDir(dir)
		t.Fatalf("the deleted product's folder is still there: %v", entries)
	}
	checkCopies(t, out, true)
	full, err := Build(ctx, Options{Source: oneStore{last}, Out: out, StateDir: filepath.Join(out, ".wandstore"), SiteURL: "https://shop.test/", RenderVersion: "test", Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if s := full.Stores[0]; s.Rendered != 0 || full.Compressed > 3 { // the site's front door is Build's alone
		t.Fatalf("after Live, a full build rendered %d files and compressed %d", s.Rendered, full.Compressed)
	}
}

// A publisher other than a folder gets no copies by default (a bucket
// cannot pick an encoding per request), and PrecompressOn gives it them.
func TestPrecompressAutoIsForFolders(t *testing.T) {
	s := newSite(t, shop)
	dir, err := NewDirPublisher(s.out)
	if err != nil {
		t.Fatal(err)
	}
	wrapped := &failingCopies{DirPublisher: dir}
	s.build(func(o *Options) { o.Publisher = wrapped })
	checkCopies(t, s.out, false)
	s.build(func(o *Options) { o.Publisher, o.Precompress = wrapped, PrecompressOn })
	checkCopies(t, s.out, true)
	if _, err := Build(context.Background(), func() Options { o := s.options(); o.Precompress = 7; return o }()); err == nil {
		t.Error("an unknown Precompress value was accepted")
	}
}

// A build that has lost its manifest (a new state folder) into a folder
// that still holds pages and copies of other bytes leaves no copy of
// other bytes beside any file: a folder the build did not make may hold
// anything, so it is not taken for fresh.
func TestBuildWithoutManifestReplacesStaleCopies(t *testing.T) {
	s := newSite(t, shop)
	s.build(func(o *Options) { o.Precompress = PrecompressOn })
	// A page (which gets copies again) and a file too small for copies,
	// whose stale ones only the removal before its write takes away.
	for _, p := range []string{"s/tea/products/teapot/index.html", "s/tea/robots.txt"} {
		for _, suf := range []string{".br", ".gz"} {
			if err := os.WriteFile(filepath.Join(s.out, filepath.FromSlash(p+suf)), []byte("stale"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.RemoveAll(filepath.Join(s.out, ".wandstore")); err != nil {
		t.Fatal(err)
	}
	s.build(func(o *Options) { o.Precompress = PrecompressOn })
	if n := checkCopies(t, s.out, true); n == 0 {
		t.Fatal("no file has copies: the test proves nothing")
	}
}
