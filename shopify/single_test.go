package shopify_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/wandstore/wandstore/shopify"
	"github.com/wandstore/wandstore/shopify/shopifytest"
)

func singleShop(t *testing.T) *shopifytest.Server {
	t.Helper()
	srv := shopifytest.New(t, shopifytest.WithShop("Ollivanders", "JPY"))
	img := shopifytest.Image{URL: "https://cdn.shopify.com/s/files/elder.jpg", AltText: "Elder", Width: 10, Height: 10}
	big := shopifytest.Product{Handle: "many-wands", Title: "Many wands", Options: []shopifytest.Option{{Name: "Number"}}}
	for i := range 260 { // more than a page of variants
		n := fmt.Sprint(i)
		big.Options[0].Values = append(big.Options[0].Values, n)
		big.Variants = append(big.Variants, shopifytest.Variant{AvailableForSale: true, Price: shopifytest.Money{Amount: "1200.0", CurrencyCode: "JPY"},
			SelectedOptions: []shopifytest.SelectedOption{{Name: "Number", Value: n}}})
	}
	srv.SetProducts([]shopifytest.Product{
		{Handle: "elder-wand", Title: "Elder Wand", Tags: []string{"wand"}, Images: []shopifytest.Image{img},
			SEO: &shopifytest.SEO{Title: "Elder"}, CreatedAt: "2026-03-01T15:00:00Z",
			Variants: []shopifytest.Variant{{SKU: "EW", AvailableForSale: true, QuantityAvailable: ptr(2),
				Price: shopifytest.Money{Amount: "1200.0", CurrencyCode: "JPY"}, Image: &img}}},
		big,
		{Handle: "hidden-wand", Title: "Hidden", Status: "draft",
			Variants: []shopifytest.Variant{{AvailableForSale: true, Price: shopifytest.Money{Amount: "1.0", CurrencyCode: "JPY"}}}},
		{Handle: "no-title", Variants: []shopifytest.Variant{{AvailableForSale: true, Price: shopifytest.Money{Amount: "1.0", CurrencyCode: "JPY"}}}},
	})
	var members []string
	for i := range 600 {
		members = append(members, fmt.Sprintf("m-%03d", i))
	}
	srv.SetCollections([]shopifytest.Collection{
		{Handle: "everything", Title: "Everything", DescriptionHTML: "<p>All.</p>", ProductHandles: members},
		{Handle: "untitled"},
	})
	return srv
}

func TestSingleProduct(t *testing.T) {
	srv := singleShop(t)
	ctx := context.Background()
	src := shopify.NewSource(newClient(t, srv, nil), "wands", shopify.SourceOptions{Lenient: true})
	st, _, err := src.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if srv.RequestsFor("Shop") != 1 {
		t.Fatalf("%d shop requests", srv.RequestsFor("Shop"))
	}
	for _, h := range []string{"elder-wand", "many-wands"} {
		p, problems, err := src.Product(ctx, h)
		if err != nil || len(problems) > 0 {
			t.Fatal(h, err, problems)
		}
		if !reflect.DeepEqual(p, st.Product(h)) {
			t.Errorf("%s: single read %+v\nRead %+v", h, p, st.Product(h))
		}
		byID, _, err := src.ProductByID(ctx, p.SourceID)
		if err != nil || !reflect.DeepEqual(byID, p) {
			t.Errorf("%s by id %q: %+v, %v", h, p.SourceID, byID, err)
		}
	}
	if n := len(st.Product("many-wands").Variants); n != 260 {
		t.Errorf("many-wands: %d variants", n)
	}
	// The currency came from Read: no more shop requests.
	if n := srv.RequestsFor("Shop"); n != 1 {
		t.Errorf("%d shop requests after single reads", n)
	}
	if n := srv.RequestsFor("ProductVariants"); n != 1+2 {
		t.Errorf("%d variant pages, want 3 (one per read of many-wands)", n)
	}

	for _, h := range []string{"no-such-wand", "hidden-wand"} {
		p, problems, err := src.Product(ctx, h)
		if p != nil || problems != nil || err != nil {
			t.Errorf("%s: %+v, %v, %v", h, p, problems, err)
		}
	}
	if p, _, err := src.ProductByID(ctx, "999"); p != nil || err != nil {
		t.Errorf("id 999: %+v, %v", p, err)
	}
	if _, _, err := src.ProductByID(ctx, "gid://shopify/Product/1"); err == nil {
		t.Error("a GID as numeric id: no error")
	}
	// One the catalog would reject comes back nil, with its problems.
	p, problems, err := src.Product(ctx, "no-title")
	if p != nil || err != nil || len(problems) != 1 || problems[0].Field != "title" || problems[0].File != "products/no-title" {
		t.Errorf("no-title: %+v, %v, %v", p, problems, err)
	}
}

func TestSingleReadsShopOnce(t *testing.T) {
	srv := singleShop(t)
	src := shopify.NewSource(newClient(t, srv, nil), "wands", shopify.SourceOptions{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			p, _, err := src.Product(context.Background(), "elder-wand")
			if err != nil || p == nil || p.Variants[0].Price.Currency != "JPY" || p.Variants[0].Price.Amount != 1200 {
				t.Errorf("%+v, %v", p, err)
			}
		})
	}
	wg.Wait()
	before := srv.RequestsFor("Shop")
	if before < 1 {
		t.Fatal("no shop request")
	}
	if _, _, err := src.Product(context.Background(), "elder-wand"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := src.Collection(context.Background(), "everything"); err != nil {
		t.Fatal(err)
	}
	if n := srv.RequestsFor("Shop"); n != before {
		t.Errorf("shop read again: %d requests, was %d", n, before)
	}
}

func TestSingleCollection(t *testing.T) {
	srv := singleShop(t)
	ctx := context.Background()
	src := shopify.NewSource(newClient(t, srv, nil), "wands", shopify.SourceOptions{})
	c, problems, err := src.Collection(ctx, "everything")
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	if len(c.ProductHandles) != 600 || c.ProductHandles[0] != "m-000" || c.ProductHandles[599] != "m-599" ||
		!slices.IsSorted(c.ProductHandles) {
		t.Errorf("%d members", len(c.ProductHandles))
	}
	if c.SourceID != "1" || c.Title != "Everything" || c.DescriptionHTML != "<p>All.</p>" || c.File != "collections/everything" {
		t.Errorf("collection = %+v", c)
	}
	if n := srv.RequestsFor("CollectionProducts"); n != 2 {
		t.Errorf("%d member pages after the first, want 2", n)
	}
	if c, problems, err := src.Collection(ctx, "nothing"); c != nil || problems != nil || err != nil {
		t.Errorf("nothing: %+v, %v, %v", c, problems, err)
	}
	c, problems, err = src.Collection(ctx, "untitled")
	if c != nil || err != nil || len(problems) != 1 || problems[0].Field != "title" {
		t.Errorf("untitled: %+v, %v, %v", c, problems, err)
	}
}

func TestSingleReadsRetry(t *testing.T) {
	srv := singleShop(t)
	ctx := context.Background()
	src := shopify.NewSource(newClient(t, srv, nil), "wands", shopify.SourceOptions{})
	srv.Fail(502, 2, "")
	if p, _, err := src.Product(ctx, "elder-wand"); err != nil || p == nil {
		t.Fatalf("after two 502s: %+v, %v", p, err)
	}
	srv.Throttle(1)
	if c, _, err := src.Collection(ctx, "everything"); err != nil || len(c.ProductHandles) != 600 {
		t.Fatalf("after throttling: %v", err)
	}
	srv.Fail(500, 100, "")
	_, _, err := src.ProductByID(ctx, "1")
	var se *shopify.StatusError
	if err == nil || !errors.As(err, &se) {
		t.Errorf("a shop that keeps failing: %v", err)
	}
	srv.Fail(500, 0, "")

	// A token without the inventory scope still reads, stock untracked.
	srv.DenyInventory(true)
	p, _, err := shopify.NewSource(newClient(t, srv, nil), "wands", shopify.SourceOptions{}).Product(ctx, "elder-wand")
	if err != nil || p == nil || p.Variants[0].Tracked || !p.Variants[0].Available {
		t.Errorf("inventory denied: %+v, %v", p, err)
	}
}
