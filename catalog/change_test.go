package catalog

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"testing"
	"time"
)

// changeStore is a store of n products with smart and hand-picked
// collections, indexed.
func changeStore(n int) *Store {
	st := &Store{Handle: "s", Name: "S", Currency: "USD", Locale: "en-US"}
	for i := 0; i < n; i++ {
		st.Products = append(st.Products, changeProduct(i, fmt.Sprintf("t%d", i%5), int64(100+i)))
	}
	for t := 0; t < 5; t++ {
		st.Collections = append(st.Collections, &Collection{Handle: fmt.Sprintf("tag-%d", t), Title: "Tag",
			Rules: &Rules{Conditions: []Condition{{Field: "tag", Relation: "equals", Value: fmt.Sprintf("t%d", t)}}}})
	}
	st.Collections = append(st.Collections,
		&Collection{Handle: "cheap", Title: "Cheap", Rules: &Rules{Conditions: []Condition{{Field: "price", Relation: "less_than", Value: "1.20"}}}},
		&Collection{Handle: "picks", Title: "Picks", ProductHandles: []string{"p-3", "p-1", "p-7", "p-2"}})
	st.Index()
	return st
}

func changeProduct(i int, tag string, cents int64) *Product {
	return &Product{Handle: fmt.Sprintf("p-%d", i), Title: fmt.Sprintf("P %d", i), Tags: []string{tag}, File: fmt.Sprintf("products/p-%d.md", i),
		Variants: []Variant{{ID: "default", SKU: fmt.Sprintf("SKU-%d", i), Title: "Default Title", Price: Money{Amount: cents, Currency: "USD"}, Available: true, Image: -1}}}
}

// members is every collection's resolved members by handle (and
// address: a replaced product's old version is not its new one), and every
// product's collections, as handles.
func members(st *Store) (map[string][]string, map[string][]string) {
	cols, of := map[string][]string{}, map[string][]string{}
	for _, c := range st.Collections {
		for _, p := range c.Products() {
			cols[c.Handle] = append(cols[c.Handle], fmt.Sprintf("%s@%p", p.Handle, p))
		}
	}
	for _, p := range st.Products {
		for _, c := range st.CollectionsOf(p) {
			of[p.Handle] = append(of[p.Handle], c.Handle)
		}
	}
	return cols, of
}

func TestWithMatchesAFreshIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	st := changeStore(60)
	for round := 0; round < 300; round++ {
		before, beforeOf := members(st)
		var ch Change
		changes := 1 + rng.IntN(3)
		if round%10 == 9 {
			changes = 20 + rng.IntN(20) // a batch: the paths for many changes
		}
		for k := 0; k < changes; k++ {
			i := rng.IntN(70) // beyond 60: a new product
			if slices.ContainsFunc(ch.Products, func(p *Product) bool { return p.Handle == fmt.Sprintf("p-%d", i) }) {
				continue // a product changes once in a change
			}
			switch rng.IntN(6) {
			case 0:
				ch.RemoveProducts = append(ch.RemoveProducts, fmt.Sprintf("p-%d", i))
			case 1:
				p := changeProduct(i, "t1", int64(100+i))
				p.Status = StatusDraft // unpublished: leaves every collection
				ch.Products = append(ch.Products, p)
			default:
				ch.Products = append(ch.Products, changeProduct(i, fmt.Sprintf("t%d", rng.IntN(5)), int64(90+rng.IntN(60))))
			}
		}
		next, err := st.With(ch)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		got, gotOf := members(next)
		// The same products and collections, indexed from scratch.
		fresh := *next
		fresh.Collections = nil
		for _, c := range next.Collections {
			cp := *c
			fresh.Collections = append(fresh.Collections, &cp)
		}
		fresh.Index()
		want, wantOf := members(&fresh)
		if fmt.Sprint(got) != fmt.Sprint(want) || fmt.Sprint(gotOf) != fmt.Sprint(wantOf) {
			t.Fatalf("round %d (%+v):\n got %v\nwant %v\n got %v\nwant %v", round, ch, got, want, gotOf, wantOf)
		}
		// The lookup tables, shared with earlier versions, answer as
		// fresh ones do (products removed included).
		for i := 0; i < 70; i++ {
			h := fmt.Sprintf("p-%d", i)
			if next.Product(h) != fresh.Product(h) {
				t.Fatalf("round %d: Product(%s) = %v, want %v", round, h, next.Product(h), fresh.Product(h))
			}
			if sku := fmt.Sprintf("SKU-%d", i); next.skus.get(sku) != fresh.skus.get(sku) {
				t.Fatalf("round %d: the owner of %s is %v, want %v", round, sku, next.skus.get(sku), fresh.skus.get(sku))
			}
		}
		// The old store is untouched.
		if a, b := members(st); fmt.Sprint(a) != fmt.Sprint(before) || fmt.Sprint(b) != fmt.Sprint(beforeOf) {
			t.Fatalf("round %d: With changed the old store", round)
		}
		if err := next.Validate(); err != nil {
			t.Fatalf("round %d: the new store does not validate: %v", round, err)
		}
		st = next
	}
}

func TestWithRejectsBadProducts(t *testing.T) {
	st := changeStore(10)
	bad := changeProduct(3, "t1", 100)
	bad.Title = " "
	dupSKU := changeProduct(20, "t1", 100)
	dupSKU.Variants[0].SKU = "SKU-4"
	for name, ch := range map[string]Change{
		"no title":       {Products: []*Product{bad}},
		"taken SKU":      {Products: []*Product{dupSKU}},
		"twice":          {Products: []*Product{changeProduct(2, "t1", 1), changeProduct(2, "t2", 1)}},
		"bad collection": {Collections: []*Collection{{Handle: "x", Title: "X", ProductHandles: []string{"nope"}}}},
	} {
		t.Run(name, func(t *testing.T) {
			next, err := st.With(ch)
			var ve ValidationErrors
			if next != nil || !errors.As(err, &ve) {
				t.Fatalf("With = %v, %v; want a ValidationErrors and no store", next, err)
			}
		})
	}
	if st.Product("p-3").Title != "P 3" {
		t.Fatal("a refused change touched the store")
	}
}

func TestWithDropsRemovedProductsFromPicks(t *testing.T) {
	st := changeStore(10)
	next, err := st.With(Change{RemoveProducts: []string{"p-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := next.Collection("picks").ProductHandles; !slices.Equal(got, []string{"p-3", "p-7", "p-2"}) {
		t.Fatalf("picks lists %v", got)
	}
	if got := st.Collection("picks").ProductHandles; len(got) != 4 {
		t.Fatalf("the old store's picks changed: %v", got)
	}
	if err := next.Validate(); err != nil {
		t.Fatal(err)
	}
}

// Diff's change, applied, gives the other store's products and
// collections; two reads of one catalog differ by nothing; a store whose
// settings differ cannot be reached by a change.
func TestDiff(t *testing.T) {
	from := changeStore(30)
	to := changeStore(30)
	if ch, ok := Diff(from, to); !ok || !ch.Empty() {
		t.Fatalf("two reads of one catalog differ by %+v (%v)", ch, ok)
	}
	to.Products[3] = changeProduct(3, "t4", 999)                    // changed
	to.Products = append(to.Products[:7], to.Products[8:]...)       // p-7 removed
	to.Products = append(to.Products, changeProduct(40, "t0", 150)) // added
	to.Products[10].UpdatedAt = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	to.Collections[len(to.Collections)-1].ProductHandles = []string{"p-1", "p-40"} // picks redefined
	to.Index()
	ch, ok := Diff(from, to)
	if !ok {
		t.Fatal("a catalog change was taken for a store change")
	}
	if len(ch.Products) != 3 || len(ch.RemoveProducts) != 1 || ch.RemoveProducts[0] != "p-7" || len(ch.Collections) != 1 || ch.Collections[0].Handle != "picks" {
		t.Fatalf("diff = %d products, removed %v, %d collections", len(ch.Products), ch.RemoveProducts, len(ch.Collections))
	}
	got, err := from.With(ch)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := Diff(got, to); !again.Empty() {
		t.Fatalf("after the change the stores still differ by %+v", again)
	}
	// The same members (by handle: unchanged products are from's).
	addr := regexp.MustCompile(`@0x[0-9a-f]+`)
	a, aOf := members(got)
	b, bOf := members(to)
	if fmt.Sprint(aOf) != fmt.Sprint(bOf) {
		t.Fatalf("each product's collections after the change:\n%v\nwant\n%v", aOf, bOf)
	}
	if addr.ReplaceAllString(fmt.Sprint(a), "") != addr.ReplaceAllString(fmt.Sprint(b), "") {
		t.Fatalf("members after the change:\n%v\nwant\n%v", a, b)
	}
	to.Settings.ProductsPerPage = 7
	if _, ok := Diff(from, to); ok {
		t.Fatal("a change of settings was taken for a catalog change")
	}
}
