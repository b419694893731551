package generator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/catalog/contentdir"
)

// diskSite is a content folder on disk (so the parse cache sees real time
// stamps, inodes and change times), built into out with the state folder
// inside it, as `wandgen build` does.
type diskSite struct {
	t       *testing.T
	content string
	out     string
}

func newDiskSite(t *testing.T, archive string) *diskSite {
	t.Helper()
	d := &diskSite{t: t, content: t.TempDir(), out: t.TempDir()}
	old := time.Now().Add(-time.Hour) // content edited long before the build, as usual
	for name, f := range newSite(t, archive).fs {
		d.write(name, string(f.Data))
		if err := os.Chtimes(filepath.Join(d.content, name), old, old); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func (d *diskSite) write(name, data string) {
	d.t.Helper()
	p := filepath.Join(d.content, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		d.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		d.t.Fatal(err)
	}
}

func (d *diskSite) edit(name, old, new string) {
	d.t.Helper()
	data, err := os.ReadFile(filepath.Join(d.content, filepath.FromSlash(name)))
	if err != nil || !bytes.Contains(data, []byte(old)) {
		d.t.Fatalf("edit %s: %q not found (%v)", name, old, err)
	}
	d.write(name, strings.Replace(string(data), old, new, 1))
}

func (d *diskSite) build(out string, mod ...func(*Options)) *Summary {
	d.t.Helper()
	opts := Options{Source: contentdir.New(os.DirFS(d.content)), Out: out, SiteURL: "https://shop.test/", Workers: 4}
	for _, m := range mod {
		m(&opts)
	}
	sum, err := Build(context.Background(), opts)
	if err != nil {
		d.t.Fatalf("build: %v", err)
	}
	return sum
}

// isState says whether a file is one of the state folder's that are not
// what was published: caches differ between two folders by nature (time
// stamps, random seals), and manifests are compared by what they record
// (a rebuild's changes are in its log, a full build's in its snapshot).
func isState(rel string) bool {
	base := filepath.Base(rel)
	return strings.HasPrefix(rel, ".wandstore/") &&
		(strings.HasPrefix(base, "parse-") || strings.HasPrefix(base, "plan-") || base == "render-version" || base == "published" || strings.HasPrefix(base, "manifest-"))
}

// files maps every file below dir (but the caches) to its bytes.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if isState(rel) {
			return nil
		}
		data, err := os.ReadFile(p)
		out[rel] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameAsFullBuild builds the content as it is now into an empty folder
// and fails unless d.out holds the same files, byte for byte, manifests
// included.
func (d *diskSite) sameAsFullBuild(when string) {
	d.t.Helper()
	fresh := d.t.TempDir()
	d.build(fresh)
	want, got := files(d.t, fresh), files(d.t, d.out)
	for name, w := range want {
		if g, ok := got[name]; !ok {
			d.t.Errorf("%s: the rebuild lacks %s", when, name)
		} else if g != w {
			d.t.Errorf("%s: %s differs from a full build's:\n got %.300q\nwant %.300q", when, name, g, w)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			d.t.Errorf("%s: the rebuild has %s, which a full build does not", when, name)
		}
	}
	if len(want) < 10 {
		d.t.Fatalf("%s: the full build has only %v", when, keys(want))
	}
	for _, store := range []string{"tea", rootHandle} {
		w, err := loadManifest(filepath.Join(fresh, ".wandstore"), store)
		if err != nil {
			d.t.Fatal(err)
		}
		g, err := loadManifest(filepath.Join(d.out, ".wandstore"), store)
		if err != nil {
			d.t.Fatal(err)
		}
		if len(w.Files) < 3 || !reflect.DeepEqual(g.Files, w.Files) {
			d.t.Errorf("%s: manifest of %s differs from a full build's:\n got %v\nwant %v", when, store, g.Files, w.Files)
		}
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestRebuildMatchesFullBuild is the promise of the CLI's rebuild: after
// any change to the content, a build into the last build's folder (which
// parses only the changed files and trusts the manifest) leaves exactly
// the files a full build of the changed content into an empty folder
// writes, manifests included.
func TestRebuildMatchesFullBuild(t *testing.T) {
	d := newDiskSite(t, shop)
	d.build(d.out)
	d.sameAsFullBuild("unchanged")

	steps := []struct {
		name   string
		change func()
		want   func(*Summary) bool
	}{
		{"a price, the same size", func() { d.edit("tea/products/sencha.md", `price: "14.00"`, `price: "15.00"`) },
			func(s *Summary) bool { return s.Written > 0 && s.Written < 20 }},
		{"a description", func() { d.edit("tea/products/sencha.md", "green tea", "green tea, steamed") }, nil},
		{"a product added", func() {
			d.write("tea/products/hojicha.md", "---\ntitle: Hojicha\nprice: \"9.00\"\ntags: [green]\n---\nRoasted.\n")
		}, nil},
		{"a product removed", func() { os.Remove(filepath.Join(d.content, "tea", "products", "hojicha.md")) },
			func(s *Summary) bool { return s.Deleted > 0 }},
		{"a collection", func() { d.edit("tea/collections/picks.yaml", `[teapot, sencha]`, `[sencha, teapot]`) }, nil},
		{"an image's size", func() { d.edit("tea/images/pot.svg", `viewBox="0 0 10 20"`, `viewBox="0 0 10 30"`) },
			func(s *Summary) bool { return s.Written > 0 }},
		{"damaged caches", func() {
			for _, name := range []string{"parse-tea.cache", "plan-tea.cache"} {
				p := filepath.Join(d.out, ".wandstore", name)
				data, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				os.WriteFile(p, data[:len(data)*2/3], 0o644)
			}
			d.edit("tea/products/teapot.md", `price: "60.00"`, `price: "61.00"`)
		}, nil},
		{"caches of another program", func() {
			os.WriteFile(filepath.Join(d.out, ".wandstore", "plan-tea.cache"), []byte(planCacheMagic+"\x63garbage"), 0o644)
			os.WriteFile(filepath.Join(d.out, ".wandstore", "parse-tea.cache"), []byte("wandstore parse cache\n\x07"), 0o644)
			d.edit("tea/products/teapot.md", `price: "61.00"`, `price: "62.00"`)
		}, nil},
		{"the store", func() { d.edit("tea/store.yaml", "name: ", "name: The ") },
			func(s *Summary) bool { return s.Written > 10 }},
	}
	for _, st := range steps {
		st.change()
		sum := d.build(d.out)
		if st.want != nil && !st.want(sum) {
			t.Errorf("%s: rebuild %+v", st.name, sum)
		}
		d.sameAsFullBuild(st.name)
	}
}

// A rebuild trusts its manifests only for the folder the last completed
// build published: a fresh folder with a kept state folder, or a build
// that stopped half-way, is checked file by file; --verify always is.
func TestRebuildTrustsOnlyASealedFolder(t *testing.T) {
	d := newDiskSite(t, shop)
	d.build(d.out)
	page := filepath.Join(d.out, "s", "tea", "products", "sencha", "index.html")

	// Trusted: a file removed behind the manifest's back stays removed...
	os.Remove(page)
	if sum := d.build(d.out); sum.Written != 0 {
		t.Errorf("a trusted rebuild wrote %d files", sum.Written)
	}
	// ...until a build verifies.
	if sum := d.build(d.out, func(o *Options) { o.Verify = true }); sum.Written != 1 {
		t.Errorf("a verifying build wrote %d files, want the one removed", sum.Written)
	}
	if _, err := os.Stat(page); err != nil {
		t.Fatal(err)
	}

	// A build that stopped between publishing and sealing leaves no seal.
	os.Remove(page)
	os.Remove(filepath.Join(d.out, ".wandstore", "published"))
	if sum := d.build(d.out); sum.Written != 1 {
		t.Errorf("after an unsealed build: wrote %d files, want the one removed", sum.Written)
	}

	// A kept state folder with a new, empty output folder.
	state := t.TempDir()
	first := d.build(d.out, func(o *Options) { o.StateDir = state })
	fresh := t.TempDir()
	sum := d.build(fresh, func(o *Options) { o.StateDir = state })
	if sum.Written != first.Files {
		t.Errorf("a new folder with a kept state folder: wrote %d files of %d", sum.Written, first.Files)
	}
}

func TestRenderVersionMemo(t *testing.T) {
	defer resetExecutableHash()
	state := t.TempDir()
	resetExecutableHash()
	h, save := executableHash(state)
	if len(h) != 32 {
		t.Fatalf("hash %q", h)
	}
	save()
	memo := filepath.Join(state, "render-version")
	data, err := os.ReadFile(memo)
	if err != nil || !strings.HasSuffix(string(data), h+"\n") {
		t.Fatalf("memo %q, %v", data, err)
	}
	// The memo is what a new process uses while the executable is the same
	// file (here a stand-in hash proves it is read, not computed)...
	fake := strings.Repeat("ab", 16)
	if err := os.WriteFile(memo, []byte(strings.TrimSuffix(string(data), h+"\n")+fake+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	resetExecutableHash()
	if got, _ := executableHash(state); got != fake {
		t.Errorf("with the memo: %q, want the memo's %q", got, fake)
	}
	// ...and not once the executable differs (another size, time or file).
	if err := os.WriteFile(memo, []byte("/elsewhere\n1 2 3 4\n"+fake+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	resetExecutableHash()
	if got, _ := executableHash(state); got != h {
		t.Errorf("with another executable's memo: %q, want %q", got, h)
	}
	// A damaged memo is hashed again.
	os.WriteFile(memo, []byte("garbage"), 0o644)
	resetExecutableHash()
	if got, _ := executableHash(state); got != h {
		t.Errorf("with a damaged memo: %q, want %q", got, h)
	}
}

// A server's Live builder publishing into the folder removes the seal (it
// can be killed half-way through an update), so the next build checks the
// folder file by file.
func TestLiveUnseals(t *testing.T) {
	s := newSite(t, shop)
	s.build()
	seal := filepath.Join(s.out, ".wandstore", "published")
	if _, err := os.Stat(seal); err != nil {
		t.Fatalf("a build left no seal: %v", err)
	}
	l, err := NewLive(s.options())
	if err != nil {
		t.Fatal(err)
	}
	s.edit("tea/products/sencha.md", `price: "14.00"`, `price: "15.00"`)
	st, err := contentdir.New(s.fs).Load(context.Background(), "tea")
	if err == nil {
		err = st.Validate()
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Update(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(seal); err == nil {
		t.Fatal("the seal is still there after a Live update changed the folder")
	}
	os.Remove(filepath.Join(s.out, "s/tea/products/matcha/index.html"))
	if sum := s.build(); sum.Written != 1 {
		t.Errorf("the build after a Live update wrote %d files, want the one removed", sum.Written)
	}
	if _, err := os.Stat(seal); err != nil {
		t.Errorf("the build after a Live update left no seal: %v", err)
	}
}

// A rebuild records its few changes in the manifest's log, not a new
// snapshot, until the log outgrows a quarter of the snapshot.
func TestRebuildAppendsToTheManifestLog(t *testing.T) {
	d := newDiskSite(t, shop)
	for i := 0; i < 80; i++ { // a snapshot that a change's lines are small beside
		d.write(fmt.Sprintf("tea/products/extra-%02d.md", i), fmt.Sprintf("---\ntitle: Extra %d\nprice: \"%d.00\"\ntags: [iron]\n---\n", i, 30+i))
	}
	d.build(d.out)
	state := filepath.Join(d.out, ".wandstore")
	snap, err := os.ReadFile(manifestPath(state, "tea"))
	if err != nil {
		t.Fatal(err)
	}
	compacted := false
	price := `price: "8.00"`
	for i := 0; i < 30 && !compacted; i++ {
		next := fmt.Sprintf(`price: "%d.00"`, 10+i)
		d.edit("tea/products/sencha.md", price, next)
		price = next
		d.build(d.out)
		now, err := os.ReadFile(manifestPath(state, "tea"))
		if err != nil {
			t.Fatal(err)
		}
		gens, err := logGens(state, "tea")
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case bytes.Equal(now, snap) && len(gens) == 0:
			t.Fatalf("rebuild %d: neither a log nor a new snapshot", i+1)
		case !bytes.Equal(now, snap):
			if len(gens) != 0 {
				t.Fatalf("rebuild %d: a new snapshot, but logs %v are left", i+1, gens)
			}
			if i == 0 {
				t.Fatal("the first small change rewrote the snapshot")
			}
			compacted = true
		}
	}
	if !compacted {
		t.Error("the log was never folded into a snapshot")
	}
	d.sameAsFullBuild("after the logs")
}

// plainJSON hashes what json.Marshal would give, or declines.
func TestPlainJSON(t *testing.T) {
	for _, ss := range [][]string{{}, {"a"}, {"0e629941da049f8f", "", "x y-z"}, {"<"}, {"é"}, {`"`}, {"\n"}, {"&"}, {`\`}} {
		want, _ := json.Marshal(ss)
		got := plainJSON(ss)
		if got != nil && string(got) != string(want) {
			t.Errorf("plainJSON(%q) = %s, json.Marshal gives %s", ss, got, want)
		}
	}
	if plainJSON([]string{"0e629941da049f8f9dcdc7883c37c5df", "a9974b59fde24264"}) == nil {
		t.Error("plainJSON declined hashes")
	}
	if plainJSON(nil) != nil {
		t.Error("nil is JSON's null, not a list")
	}
	for _, n := range []int{0, -3, 1 << 40} {
		a, b := newInputs(n).sum(), newInputs(json.RawMessage(mustJSON(t, n))).sum()
		if a != b {
			t.Errorf("int %d hashes as %s, its JSON as %s", n, a, b)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
