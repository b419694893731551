package generator

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/catalog"
)

// movePerm gives what a stable sort gives, whichever members changed and
// however their keys tie with the others'.
func TestMovePermIsAStableSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	product := func(i int) *catalog.Product {
		// Few distinct prices, titles and dates: many ties.
		return &catalog.Product{
			Handle:    fmt.Sprintf("p%03d", i),
			Title:     []string{"Apple", "apple", "Birch", "Cedar"}[rng.IntN(4)],
			CreatedAt: time.Date(2026, 1, 1+rng.IntN(3), 0, 0, 0, 0, time.UTC),
			Variants:  []catalog.Variant{{Price: catalog.Money{Amount: int64(100 * rng.IntN(5)), Currency: "USD"}, Available: true}},
		}
	}
	for round := range 200 {
		n := 1 + rng.IntN(60)
		members := make([]*catalog.Product, n)
		for i := range members {
			members[i] = product(i)
		}
		order := []catalog.SortOrder{catalog.SortPriceAsc, catalog.SortPriceDesc, catalog.SortTitleAsc, catalog.SortTitleDesc, catalog.SortNewest}[rng.IntN(5)]
		kept := sortedPerm(members, order, nil, nil)
		var changed []int
		for i := range members {
			if rng.IntN(4) == 0 && len(changed) < maxResort {
				members[i] = product(i)
				changed = append(changed, i)
			}
		}
		got := sortedPerm(members, order, kept, changed)
		want := sortedPerm(members, order, nil, nil)
		if !slices.Equal(got, want) {
			t.Fatalf("round %d, %s, %d members, changed %v:\n got %v\nwant %v", round, order, n, changed, got, want)
		}
	}
}

// listingsShop is a store with enough products for listings of many pages
// (three products a page), a smart collection and a manual one sorted by
// price: what the kept listings must get right.
func listingsShop(n int) string {
	var b strings.Builder
	b.WriteString(`
-- tea/store.yaml --
name: Many Teas
currency: USD
locale: en-US
settings:
  products_per_page: 3
-- tea/collections/green.yaml --
title: Green teas
rules:
  conditions: [{ field: tag, relation: equals, value: green }]
-- tea/collections/cheap.yaml --
title: Under ten
rules:
  conditions: [{ field: price, relation: less_than, value: "10.00" }]
-- tea/collections/picks.yaml --
title: Staff picks
sort: price-desc
products: [t05, t03, t11, t07, t01, t09]
`)
	for i := range n {
		tag := "black"
		if i%3 == 0 {
			tag = "green"
		}
		fmt.Fprintf(&b, "-- tea/products/t%02d.md --\n---\ntitle: Tea %c\nvendor: Vendor %d\ntags: [%s]\ncreated: 2026-01-%02d\nprice: \"%d.00\"\n---\nA tea.\n",
			i, 'A'+rune(i%7), i%4, tag, 1+i%9, 5+i%6)
	}
	return b.String()
}

// A rebuild in a new process plans from the listings kept on disk: after
// each kind of change a listing can see (a price moving a product across
// pages, into a tie, into and out of a smart collection; a title; a date;
// many products at once; a product added and removed; a manual
// collection reordered) its output is a full build's, file by file.
func TestKeptListingsMatchAFullBuild(t *testing.T) {
	d := newDiskSite(t, listingsShop(30))
	d.build(d.out)
	cache := filepath.Join(d.out, ".wandstore", "listings-tea.cache")
	if _, err := os.Stat(cache); err != nil {
		t.Fatalf("no listings cache after a build: %v", err)
	}
	steps := []struct {
		name   string
		change func()
	}{
		{"a price up, across pages", func() { d.edit("tea/products/t04.md", `price: "9.00"`, `price: "99.00"`) }},
		{"a price into a tie", func() { d.edit("tea/products/t04.md", `price: "99.00"`, `price: "7.00"`) }},
		{"out of a smart collection", func() { d.edit("tea/products/t06.md", `price: "5.00"`, `price: "50.00"`) }},
		{"a title", func() { d.edit("tea/products/t10.md", "title: Tea D", "title: Aardvark tea") }},
		{"a date", func() { d.edit("tea/products/t12.md", "created: 2026-01-04", "created: 2026-02-20") }},
		{"a tag", func() { d.edit("tea/products/t13.md", "tags: [black]", "tags: [green]") }},
		{"many at once", func() {
			for i := range 30 {
				d.edit(fmt.Sprintf("tea/products/t%02d.md", i), "A tea.", "A tea, again.")
			}
			for i := 0; i < 30; i += 2 {
				name := fmt.Sprintf("tea/products/t%02d.md", i)
				data, err := os.ReadFile(filepath.Join(d.content, name))
				if err != nil {
					t.Fatal(err)
				}
				d.write(name, strings.Replace(string(data), "price: \"", "price: \"1", 1))
			}
		}},
		{"a product added", func() {
			d.write("tea/products/t99.md", "---\ntitle: Tea Z\ntags: [green]\nprice: \"6.00\"\n---\nNew.\n")
		}},
		{"a product removed", func() { os.Remove(filepath.Join(d.content, "tea", "products", "t08.md")) }},
		{"a manual collection reordered", func() {
			d.edit("tea/collections/picks.yaml", "[t05, t03, t11, t07, t01, t09]", "[t09, t05, t03, t11, t07]")
		}},
		{"a damaged cache", func() {
			data, err := os.ReadFile(cache)
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(cache, data[:len(data)/2], 0o644)
			d.edit("tea/products/t03.md", `price: "8.00"`, `price: "9.00"`)
		}},
	}
	for _, st := range steps {
		st.change()
		d.build(d.out)
		d.sameAsFullBuild(st.name)
	}
}

// A kept listing whose members did not change is reused whole: a rebuild
// after a change to one product keeps every other collection's entry as
// it was, and moves only that product in the listings that show it.
func TestKeptListingsFollowOneChange(t *testing.T) {
	d := newDiskSite(t, listingsShop(30))
	d.build(d.out)
	read := func() (map[string][16]byte, map[string]*diskCollection) {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(d.out, ".wandstore", "listings-tea.cache"))
		if err != nil {
			t.Fatal(err)
		}
		_, keys, cols := decodeListings(data)
		return keys, cols
	}
	keys, before := read()
	if keys == nil || before["all"] == nil || before["green"] == nil || before["picks"] == nil {
		t.Fatalf("the cache lacks collections: %v", before)
	}
	d.edit("tea/products/t01.md", `price: "6.00"`, `price: "60.00"`) // t01: black, in picks
	d.build(d.out)
	keys2, after := read()
	// The plan cache was saved with the unchanged plans' records copied as
	// read and t01's encoded: it decodes whole, a plan a product.
	if plans := readDiskPlans(filepath.Join(d.out, ".wandstore"), "tea"); len(plans.plans) != len(keys) {
		t.Errorf("the plan cache after a rebuild holds %d plans, want %d", len(plans.plans), len(keys))
	}
	if keys2["t01"] == keys["t01"] {
		t.Error("the changed product's key did not change")
	}
	for h, k := range keys {
		if h != "t01" && keys2[h] != k {
			t.Errorf("product %s's key changed", h)
		}
	}
	green := before["green"]
	if !slices.Equal(after["green"].members, green.members) || after["green"].meta != green.meta {
		t.Error("the green collection (without t01) changed")
	}
	for _, order := range catalog.SortOrders {
		if !slices.Equal(after["green"].orders[order].ins, green.orders[order].ins) {
			t.Errorf("green, %s: its pages' hashes changed", order)
		}
	}
	// In "all", price-asc: t01 moved from among the cheap to the end.
	all := after["all"]
	perm := all.orders[catalog.SortPriceAsc].perm
	if last := all.members[perm[len(perm)-1]]; last != "t01" {
		t.Errorf("all, price-asc ends with %s, want t01", last)
	}
}
