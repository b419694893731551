package generator

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/internal/testkit"
)

// oneStore is a catalog.Source holding one store already in memory.
type oneStore struct{ st *catalog.Store }

func (s oneStore) Stores(context.Context) ([]string, error) { return []string{s.st.Handle}, nil }
func (s oneStore) Load(context.Context, string) (*catalog.Store, error) {
	return s.st, nil
}

// edited returns a copy of p with f applied.
func edited(p *catalog.Product, f func(*catalog.Product)) *catalog.Product {
	cp := *p
	cp.Variants = slices.Clone(p.Variants)
	cp.Tags = slices.Clone(p.Tags)
	f(&cp)
	return &cp
}

// TestLiveMatchesAFullBuild applies random changes through Live and after
// each checks that a full build of the same catalog, from the manifest
// Live saved, finds every file's inputs unchanged and every file
// published: Live's incremental plan hashes and renders exactly what a
// build does.
func TestLiveMatchesAFullBuild(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	opts := Options{Out: out, SiteURL: "https://shop.test/", RenderVersion: "test", Workers: 2}
	live, err := NewLive(opts)
	if err != nil {
		t.Fatal(err)
	}
	st := testkit.DemoStore(t, "magic-wands")
	first, err := live.Update(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if first.Written == 0 || first.Written != first.Files {
		t.Fatalf("first update wrote %d of %d files", first.Written, first.Files)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for round := 0; round < 25; round++ {
		ps := st.Products
		var ch catalog.Change
		p := ps[rng.IntN(len(ps))]
		switch round % 5 {
		case 0: // price
			ch.Products = append(ch.Products, edited(p, func(p *catalog.Product) { p.Variants[0].Price.Amount += int64(1 + rng.IntN(5000)) }))
		case 1: // title
			ch.Products = append(ch.Products, edited(p, func(p *catalog.Product) { p.Title = fmt.Sprintf("Renamed %d", round) }))
		case 2: // sold out
			ch.Products = append(ch.Products, edited(p, func(p *catalog.Product) {
				for i := range p.Variants {
					p.Variants[i].Available, p.Variants[i].Inventory, p.Variants[i].Tracked = false, 0, true
				}
			}))
		case 3: // a new product, and one removed
			ch.Products = append(ch.Products, edited(p, func(n *catalog.Product) {
				n.Handle, n.Title, n.File = fmt.Sprintf("new-%d", round), "Brand new", ""
				for i := range n.Variants {
					n.Variants[i].SKU = fmt.Sprintf("NEW-%d-%d", round, i)
					n.Variants[i].ID = n.Variants[i].SKU
				}
			}))
			ch.RemoveProducts = []string{ps[rng.IntN(len(ps))].Handle}
		case 4: // a collection renamed
			c := *st.Collections[rng.IntN(len(st.Collections))]
			c.Title = fmt.Sprintf("Retitled %d", round)
			ch.Collections = []*catalog.Collection{&c}
		}
		next, err := st.With(ch)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		sum, err := live.Update(ctx, next)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if visible := round%5 != 0 && round%5 != 2; visible && sum.Written == 0 { // a price or stock change may not show
			t.Fatalf("round %d: the change published nothing", round)
		}
		if sum.Rendered > sum.Files/2 && round%5 != 4 {
			t.Fatalf("round %d: a product change rendered %d of %d files", round, sum.Rendered, sum.Files)
		}
		if err := live.Flush(); err != nil {
			t.Fatal(err)
		}
		// The build reads a copy of what Live saved: its own manifest save
		// must not become Live's (a build and a running Live never share
		// a state folder).
		state := t.TempDir()
		if err := os.CopyFS(state, os.DirFS(filepath.Join(out, ".wandstore"))); err != nil {
			t.Fatal(err)
		}
		full, err := Build(ctx, Options{Source: oneStore{next}, Out: out, StateDir: state, SiteURL: opts.SiteURL, RenderVersion: "test", Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		// The build also writes the site's front door, which Live leaves
		// alone: compare the store's own files.
		i := slices.IndexFunc(full.Stores, func(s StoreSummary) bool { return s.Handle == next.Handle })
		if fs := full.Stores[i]; fs.Rendered != 0 || fs.Written != 0 || fs.Deleted != 0 {
			t.Fatalf("round %d: after Live published %v (removed %v), a full build rendered %d, wrote %v, deleted %v",
				round, sum.Changed, sum.Removed, fs.Rendered, full.Changed, full.Removed)
		}
		st = next
	}
}

func TestLivePublishesOnlyWhatAPriceChangeTouches(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	live, err := NewLive(Options{Out: out, SiteURL: "https://shop.test/", RenderVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { live.Flush() }) // copies written in the background, before the folder goes
	st := testkit.DemoStore(t, "magic-wands")
	first, err := live.Update(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	p := st.Product("elder-wand")
	next, err := st.With(catalog.Change{Products: []*catalog.Product{edited(p, func(p *catalog.Product) {
		p.Title = "The Elder Wand, reforged"
		p.Variants[0].Price.Amount = 777700
	})}})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := live.Update(ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	page := "s/magic-wands/products/elder-wand/index.html"
	if len(sum.Stores) != 1 || !sum.Stores[0].Delta {
		t.Fatalf("a product change was planned in full: %+v", sum.Stores)
	}
	if sum.Files != first.Files || sum.Stores[0].Pages != sum.Files {
		t.Errorf("the store's file count after a delta: %d (%d)", sum.Files, sum.Stores[0].Pages)
	}
	if !slices.Contains(sum.Changed, page) || !slices.Contains(sum.Changed, "s/magic-wands/search.json") {
		t.Fatalf("changed %v: want the product page and the search index", sum.Changed)
	}
	for _, f := range sum.Changed {
		if strings.Contains(f, "/products/") && f != page {
			t.Errorf("another product's page was published: %s", f)
		}
	}
	data, err := os.ReadFile(filepath.Join(out, page))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "The Elder Wand, reforged") || !strings.Contains(string(data), "7,777.00") {
		t.Fatal("the published page does not show the new title and price")
	}
	if sum.Rendered > 80 {
		t.Fatalf("rendered %d files for one product", sum.Rendered)
	}
	// The same catalog again: nothing to do.
	again, err := live.Update(ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	if again.Rendered != 0 || again.Written != 0 {
		t.Fatalf("an unchanged catalog rendered %d, wrote %d", again.Rendered, again.Written)
	}
}

// A vendor no product had before is a new value in the filter form of
// every collection listing the product: Live publishes every page of
// those collections (in place or not) with it, and a stock change that
// leaves the values as they were publishes no more than the pages that
// show the product.
func TestLiveNewFacetValueRelistsEveryPage(t *testing.T) {
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
	p := st.Product("elder-wand")
	next, err := st.With(catalog.Change{Products: []*catalog.Product{edited(p, func(p *catalog.Product) { p.Vendor = "Brand New Makers" })}})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := live.Update(ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	var listings []string
	filepath.WalkDir(filepath.Join(out, "s/magic-wands/collections/all"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == "index.html" {
			rel, _ := filepath.Rel(out, path)
			listings = append(listings, filepath.ToSlash(rel))
		}
		return nil
	})
	if len(listings) < 12 {
		t.Fatalf("only %d pages of all", len(listings))
	}
	for _, f := range listings {
		data, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(sum.Changed, f) || !strings.Contains(string(data), `value="Brand New Makers"`) {
			t.Errorf("%s: published %v, offers the new vendor %v", f, slices.Contains(sum.Changed, f), strings.Contains(string(data), `value="Brand New Makers"`))
		}
	}
	// Sold out: no value comes or goes.
	p = next.Product("elder-wand")
	again, err := next.With(catalog.Change{Products: []*catalog.Product{edited(p, func(p *catalog.Product) {
		for i := range p.Variants {
			p.Variants[i].Available = false
		}
	})}})
	if err != nil {
		t.Fatal(err)
	}
	sum, err = live.Update(ctx, again)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range sum.Changed {
		if strings.Contains(f, "/collections/all/") {
			n++
		}
	}
	if n >= len(listings) {
		t.Errorf("a stock change published %d of the %d pages of all", n, len(listings))
	}
}
