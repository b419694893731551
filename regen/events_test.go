package regen

import (
	"slices"
	"strings"
	"testing"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/shopify/shopifytest"
	"github.com/wandstore/wandstore/shopify/webhook"
)

// A price change delivered by webhook tells ProductsChanged the product's
// handle, once its page shows the new price (so a page that looks again
// finds it).
func TestProductsChangedAfterThePage(t *testing.T) {
	f := newFixture(t)
	type call struct {
		store   string
		handles []string
		page    string
	}
	var calls []call
	f.r.opts.ProductsChanged = func(store string, handles []string) {
		calls = append(calls, call{store, handles, f.page("elder-wand")})
	}
	ps := f.shop.Products()
	i := slices.IndexFunc(ps, func(p shopifytest.Product) bool { return p.Handle == "elder-wand" })
	ps[i].Variants[0].Price.Amount, ps[i].UpdatedAt = "151.00", at(12).Format("2006-01-02T15:04:05Z07:00")
	f.shop.SetProducts(ps)
	body := shopifytest.ProductPayload(ps[i], at(12))
	if err := f.handle(webhook.TopicProductsUpdate, body); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 || calls[0].store != "wands" || !slices.Equal(calls[0].handles, []string{"elder-wand"}) {
		t.Fatalf("calls %+v, want one for wands: [elder-wand]", calls)
	}
	if !strings.Contains(calls[0].page, "$151.00") {
		t.Fatal("told before the page shows the new price")
	}
}

func TestChangedProducts(t *testing.T) {
	got := ChangedProducts([]catalog.Change{
		{Products: []*catalog.Product{{Handle: "b"}, {Handle: "a"}}, RemoveProducts: []string{"c"}},
		{Products: []*catalog.Product{{Handle: "a"}}, Collections: []*catalog.Collection{{Handle: "wands"}}},
		{RemoveCollections: []string{"old"}},
	})
	if want := []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Fatalf("ChangedProducts = %v, want %v", got, want)
	}
	if got := ChangedProducts(nil); len(got) != 0 {
		t.Fatalf("no changes: %v", got)
	}
}
