package contentdir

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/wandstore/wandstore/catalog"
)

// loadBoth loads a store with Load and with LoadCached (cache in dir) and
// fails unless both give the same store or the same problems. It returns
// LoadCached's store and how many files it parsed.
func loadBoth(t *testing.T, fsys fstest.MapFS, dir string) (*catalog.Store, int64) {
	t.Helper()
	ctx := context.Background()
	want, wantErr := New(fsys).Load(ctx, "magic-wands")
	before := parsed.Load()
	got, save, err := New(fsys).LoadCached(ctx, "magic-wands", dir, "v1")
	n := parsed.Load() - before
	if err == nil {
		save()
	}
	if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
		t.Fatalf("LoadCached error %v, Load's %v", err, wantErr)
	}
	if err != nil {
		return nil, n
	}
	got.Index() // as Validate does
	if !reflect.DeepEqual(got.Products, want.Products) {
		t.Errorf("LoadCached's products differ from Load's:\n got %+v\nwant %+v", got.Products, want.Products)
	}
	if len(got.Collections) != len(want.Collections) {
		t.Fatalf("LoadCached has %d collections, Load %d", len(got.Collections), len(want.Collections))
	}
	for i, c := range got.Collections {
		w := want.Collections[i]
		if c.Handle != w.Handle || c.Title != w.Title || c.DescriptionHTML != w.DescriptionHTML || c.Image != w.Image ||
			c.Sort != w.Sort || !reflect.DeepEqual(c.ProductHandles, w.ProductHandles) || !reflect.DeepEqual(c.Rules, w.Rules) ||
			c.File != w.File || c.SEO != w.SEO || !reflect.DeepEqual(handles(c.Products()), handles(w.Products())) {
			t.Errorf("collection %d: LoadCached's %+v, Load's %+v", i, c, w)
		}
	}
	return got, n
}

func handles(ps []*catalog.Product) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Handle)
	}
	return out
}

func TestParseCacheParsesOnlyWhatChanged(t *testing.T) {
	fsys := goodStore(t)
	dir := t.TempDir()
	if _, n := loadBoth(t, fsys, dir); n != 6 {
		t.Fatalf("first load parsed %d files, want all 6", n)
	}
	if _, err := os.Stat(filepath.Join(dir, "parse-magic-wands.cache")); err != nil {
		t.Fatalf("no cache written: %v", err)
	}
	if _, n := loadBoth(t, fsys, dir); n != 0 {
		t.Errorf("second load parsed %d files, want none", n)
	}

	// A changed product (its size changes) is parsed again, alone.
	f := fsys["magic-wands/products/hat.md"]
	f.Data = []byte("---\ntitle: Wizard Hat\nprice: \"7\"\n---\n")
	st, n := loadBoth(t, fsys, dir)
	if n != 1 || st.Product("hat").Title != "Wizard Hat" {
		t.Errorf("after an edit: parsed %d files, title %q; want 1, Wizard Hat", n, st.Product("hat").Title)
	}

	// Files added and removed.
	delete(fsys, "magic-wands/products/cloak.md")
	fsys["magic-wands/products/broom.md"] = &fstest.MapFile{Data: []byte("---\ntitle: Broom\nprice: \"9\"\n---\n")}
	st, n = loadBoth(t, fsys, dir)
	if n != 1 || st.Product("cloak") != nil || st.Product("broom") == nil {
		t.Errorf("after adding broom and removing cloak: parsed %d files (want 1), cloak %v, broom %v", n, st.Product("cloak"), st.Product("broom"))
	}

	// A new modification time with the same bytes (a checkout, a CI cache
	// restore) is checked by the bytes' hash: nothing is parsed.
	for name, f := range fsys {
		if strings.HasPrefix(name, "magic-wands/products/") {
			f.ModTime = time.Now().Add(-time.Hour)
		}
	}
	if _, n := loadBoth(t, fsys, dir); n != 0 {
		t.Errorf("after touching every product: parsed %d files, want none", n)
	}
}

// A file edited within the time-stamp granularity of the load that cached
// it keeps its size and modification time: it must still be read again.
func TestParseCacheRacyEdit(t *testing.T) {
	fsys := goodStore(t)
	now := time.Now()
	hat := fsys["magic-wands/products/hat.md"]
	hat.ModTime = now
	dir := t.TempDir()
	loadBoth(t, fsys, dir)
	hat.Data = []byte(strings.Replace(string(hat.Data), `"5"`, `"6"`, 1)) // same size, same time stamp
	st, n := loadBoth(t, fsys, dir)
	if got := st.Product("hat").Variants[0].Price.Amount; n != 1 || got != 600 {
		t.Errorf("after a racy edit: parsed %d files, price %d; want 1, 600", n, got)
	}

	// A file system without time stamps tells nothing either.
	hat.ModTime = time.Time{}
	loadBoth(t, fsys, dir)
	hat.Data = []byte(strings.Replace(string(hat.Data), `"6"`, `"7"`, 1))
	st, n = loadBoth(t, fsys, dir)
	if got := st.Product("hat").Variants[0].Price.Amount; n != 1 || got != 700 {
		t.Errorf("after an edit without time stamps: parsed %d files, price %d; want 1, 700", n, got)
	}

	// An old file with the same stat fields is taken from the cache (and
	// the test above is not passing only because nothing is cached).
	hat.ModTime = now.Add(-time.Hour)
	loadBoth(t, fsys, dir)
	if _, n := loadBoth(t, fsys, dir); n != 0 {
		t.Errorf("an unchanged old file was parsed again (%d files)", n)
	}
}

// A changed image file gives the products that took their dimensions from
// it their new dimensions.
func TestParseCacheImageChanged(t *testing.T) {
	fsys := goodStore(t)
	dir := t.TempDir()
	loadBoth(t, fsys, dir)
	img := fsys["magic-wands/images/holly.webp"]
	img.Data, img.ModTime = webpVP8X(800, 600), time.Now().Add(-time.Hour) // the same size: its time stamp tells
	st, n := loadBoth(t, fsys, dir)
	if img := st.Product("holly-wand").Images[0]; n != 1 || img.Width != 800 || img.Height != 600 {
		t.Errorf("after the image changed: parsed %d files, image %dx%d; want 1, 800x600", n, img.Width, img.Height)
	}
}

// A file with a problem is never cached: it is parsed and reported every
// time, exactly as Load reports it.
func TestParseCacheKeepsProblems(t *testing.T) {
	fsys := goodStore(t)
	fsys["magic-wands/products/hat.md"].Data = []byte("---\ntitle: Hat\nprise: \"5\"\n---\n")
	dir := t.TempDir()
	for i := 0; i < 2; i++ {
		_, save, err := New(fsys).LoadCached(context.Background(), "magic-wands", dir, "v1")
		if save != nil {
			t.Fatal("a failed load gives a save")
		}
		ve, ok := catalog.AsValidationErrors(err)
		if !ok || len(ve) != 1 || ve[0].File != "products/hat.md" || ve[0].Line != 3 || ve[0].Field != "prise" {
			t.Fatalf("load %d: got %v, want products/hat.md:3: prise: unknown field", i+1, err)
		}
		loadBoth(t, fsys, dir)
	}
	fsys["magic-wands/products/hat.md"].Data = []byte("---\ntitle: Hat\nprice: \"5\"\n---\n")
	if _, n := loadBoth(t, fsys, dir); n != 6 {
		t.Errorf("after a failed load, parsed %d files; want 6 (a failed load writes no cache)", n)
	}
}

// A damaged cache, another version's, or another currency's is ignored
// and written anew.
func TestParseCacheNotTrusted(t *testing.T) {
	fsys := goodStore(t)
	dir := t.TempDir()
	name := filepath.Join(dir, "parse-magic-wands.cache")
	loadBoth(t, fsys, dir)
	good, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	damage := map[string][]byte{
		"garbage":   []byte("not a cache"),
		"truncated": good[:len(good)/2],
		"one byte":  append(append([]byte(nil), good[:len(good)-1]...), good[len(good)-1]^0xff),
		"appended":  append(append([]byte(nil), good...), 1),
		"empty":     nil,
	}
	for what, data := range damage {
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, n := loadBoth(t, fsys, dir); n == 0 && what != "one byte" {
			t.Errorf("%s cache: nothing parsed", what)
		}
		if _, n := loadBoth(t, fsys, dir); n != 0 {
			t.Errorf("%s cache: not written anew (%d files parsed again)", what, n)
		}
	}
	// Another version of the program.
	before := parsed.Load()
	if _, _, err := New(fsys).LoadCached(context.Background(), "magic-wands", dir, "v2"); err != nil {
		t.Fatal(err)
	}
	if n := parsed.Load() - before; n != 6 {
		t.Errorf("another version's cache: parsed %d files, want 6", n)
	}
	// Another currency: prices are parsed in it.
	fsys["magic-wands/store.yaml"].Data = []byte(strings.Replace(goodStoreYAML, "currency: usd", "currency: eur", 1))
	st, n := loadBoth(t, fsys, dir)
	if n != 6 || st.Product("hat").Variants[0].Price.Currency != "EUR" {
		t.Errorf("another currency: parsed %d files, want 6", n)
	}
}

// On a real folder, a rewrite that keeps the size and puts the old
// modification time back is still seen (its change time and, for an
// editor that saves by renaming, its inode differ).
func TestParseCacheDirFS(t *testing.T) {
	root := t.TempDir()
	for name, f := range goodStore(t) {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-time.Hour)
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	src := New(os.DirFS(root))
	ctx := context.Background()
	load := func() (*catalog.Store, int64) {
		t.Helper()
		before := parsed.Load()
		st, save, err := src.LoadCached(ctx, "magic-wands", dir, "v1")
		if err != nil {
			t.Fatal(err)
		}
		save()
		st.Index()
		return st, parsed.Load() - before
	}
	first, _ := load()
	if _, n := load(); n != 0 {
		t.Fatalf("second load parsed %d files, want none", n)
	}
	hat := filepath.Join(root, "magic-wands", "products", "hat.md")
	info, err := os.Stat(hat)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(hat, []byte("---\ntitle: Hat\nprice: \"6\"\n---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(hat, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	if st, n := load(); n != 1 || st.Product("hat").Variants[0].Price.Amount != 600 {
		t.Errorf("after a same-size edit with the old time stamp: parsed %d files, price %d; want 1, 600", n, st.Product("hat").Variants[0].Price.Amount)
	}
	// Entries recorded long enough before a load (not racy) are taken by
	// their stat fields, and that load's save copies their records as it
	// read them; a changed file's is encoded: the load after finds every
	// file in what was saved.
	defer func(w time.Duration) { racyWindow = w }(racyWindow)
	// The files' change times are seconds old: make them "long before",
	// and have a load record them as not racy.
	racyWindow = -time.Minute
	load()
	if err := os.WriteFile(hat, []byte("---\ntitle: Hat\nprice: \"7\"\n---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if st, n := load(); n != 1 || st.Product("hat").Variants[0].Price.Amount != 700 {
		t.Errorf("after an edit: parsed %d files, price %d; want 1, 700", n, st.Product("hat").Variants[0].Price.Amount)
	}
	if st, n := load(); n != 0 || st.Product("hat").Variants[0].Price.Amount != 700 || len(st.Products) != len(first.Products) {
		t.Errorf("after a save of copied and new entries: parsed %d files, price %d, %d products; want 0, 700, %d",
			n, st.Product("hat").Variants[0].Price.Amount, len(st.Products), len(first.Products))
	}
}

// A product file that is a symbolic link is known by the file it names.
func TestParseCacheSymlink(t *testing.T) {
	root := t.TempDir()
	for name, f := range goodStore(t) {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	target := filepath.Join(t.TempDir(), "hat.md")
	if err := os.WriteFile(target, []byte("---\ntitle: Hat\nprice: \"5\"\n---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	hat := filepath.Join(root, "magic-wands", "products", "hat.md")
	os.Remove(hat)
	if err := os.Symlink(target, hat); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(target, old, old)
	defer func(w time.Duration) { racyWindow = w }(racyWindow)
	racyWindow = 0 // the link was made just now: only its stat fields may tell
	dir := t.TempDir()
	load := func() *catalog.Store {
		st, save, err := New(os.DirFS(root)).LoadCached(context.Background(), "magic-wands", dir, "v1")
		if err != nil {
			t.Fatal(err)
		}
		save()
		st.Index()
		return st
	}
	load()
	if err := os.WriteFile(target, []byte("---\ntitle: Hat\nprice: \"6\"\n---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(target, old.Add(time.Minute), old.Add(time.Minute))
	if got := load().Product("hat").Variants[0].Price.Amount; got != 600 {
		t.Errorf("after the linked file changed: price %d, want 600", got)
	}
}
