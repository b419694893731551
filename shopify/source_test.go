package shopify_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/shopify"
	"github.com/wandstore/wandstore/shopify/shopifytest"
)

func newClient(t *testing.T, srv *shopifytest.Server, edit func(*shopify.Config)) *shopify.Client {
	t.Helper()
	cfg := shopify.Config{
		Endpoint:     srv.URL(),
		PrivateToken: "shpat_test_private",
		Timeout:      2 * time.Second,
		Backoff:      func(int) time.Duration { return time.Millisecond },
	}
	if edit != nil {
		edit(&cfg)
	}
	c, err := shopify.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ptr[T any](v T) *T { return &v }

func TestLoadPaginatesToTheEnd(t *testing.T) {
	srv := shopifytest.New(t)
	var ps []shopifytest.Product
	var all []string
	for i := range 620 {
		h := fmt.Sprintf("wand-%03d", i)
		all = append(all, h)
		ps = append(ps, shopifytest.Product{Handle: h, Title: fmt.Sprintf("Wand %d", i),
			Variants: []shopifytest.Variant{{AvailableForSale: true, Price: shopifytest.Money{Amount: "10.0", CurrencyCode: "USD"}}}})
	}
	// One product with more variants than a page holds.
	var big shopifytest.Product
	big.Handle, big.Title = "many-wands", "Many wands"
	big.Options = []shopifytest.Option{{Name: "Wood"}, {Name: "Length"}}
	for w := range 26 {
		wood := fmt.Sprintf("Wood %c", 'A'+w)
		big.Options[0].Values = append(big.Options[0].Values, wood)
		for l := range 10 {
			length := fmt.Sprintf("%d in", 8+l)
			if w == 0 {
				big.Options[1].Values = append(big.Options[1].Values, length)
			}
			big.Variants = append(big.Variants, shopifytest.Variant{AvailableForSale: true,
				Price:           shopifytest.Money{Amount: "20.00", CurrencyCode: "USD"},
				SelectedOptions: []shopifytest.SelectedOption{{Name: "Wood", Value: wood}, {Name: "Length", Value: length}}})
		}
	}
	ps = append(ps, big)
	srv.SetProducts(ps)
	reversed := slices.Clone(all)
	slices.Reverse(reversed)
	srv.SetCollections([]shopifytest.Collection{
		{Handle: "everything", Title: "Everything", ProductHandles: reversed},
		{Handle: "empty", Title: "Empty"},
	})

	src := shopify.NewSource(newClient(t, srv, nil), "wands", shopify.SourceOptions{})
	st, err := src.Load(context.Background(), "wands")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(st.Products) != 621 || st.Products[0].Handle != "wand-000" || st.Products[619].Handle != "wand-619" {
		t.Fatalf("got %d products", len(st.Products))
	}
	if n := len(st.Product("many-wands").Variants); n != 260 {
		t.Errorf("many-wands has %d variants, want 260", n)
	}
	if got := st.Collection("everything").ProductHandles; !slices.Equal(got, reversed) {
		t.Errorf("collection order differs: %d handles, first %q", len(got), got[:1])
	}
	if got := len(st.Collection("everything").Products()); got != 620 {
		t.Errorf("collection resolves %d products", got)
	}
	for op, want := range map[string]int{"Shop": 1, "Products": 3, "ProductVariants": 1, "Collections": 1, "CollectionProducts": 2} {
		if got := srv.RequestsFor(op); got != want {
			t.Errorf("%s requests = %d, want %d", op, got, want)
		}
	}
	if _, err := src.Load(context.Background(), "other"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("other store: %v", err)
	}

	// A smaller page size means more pages.
	small := shopify.NewSource(newClient(t, srv, nil), "wands", shopify.SourceOptions{PageSize: 100})
	before := srv.RequestsFor("Products")
	if _, err := small.Load(context.Background(), "wands"); err != nil {
		t.Fatal(err)
	}
	if got := srv.RequestsFor("Products") - before; got != 7 {
		t.Errorf("page size 100: %d product pages, want 7", got)
	}
}

func TestFieldMapping(t *testing.T) {
	srv := shopifytest.New(t, shopifytest.WithShop("Ollivanders", "USD"))
	img1 := shopifytest.Image{ID: "gid://shopify/ProductImage/1", URL: "https://cdn.shopify.com/s/files/elder.jpg", AltText: "An elder wand", Width: 1024, Height: 768}
	img2 := shopifytest.Image{ID: "gid://shopify/ProductImage/2", URL: "https://cdn.shopify.com/s/files/oak.jpg"}
	srv.SetProducts([]shopifytest.Product{
		{
			ID: "gid://shopify/Product/100", Handle: "elder-wand", Title: "Elder Wand", Vendor: "Ollivanders", ProductType: "Wand",
			Tags: []string{"legendary", "wand"}, DescriptionHTML: "<p>The <b>most</b> powerful.</p>",
			SEO:       &shopifytest.SEO{Title: "Buy the Elder Wand", Description: "Unbeatable."},
			CreatedAt: "2026-03-01T15:00:00Z", UpdatedAt: "2026-03-02T10:30:00+01:00",
			Images:  []shopifytest.Image{img1},
			Options: []shopifytest.Option{{Name: "Wood", Values: []string{"Elder", "Oak"}}, {Name: "Length", Values: []string{"15 in"}}},
			Variants: []shopifytest.Variant{
				{ID: "gid://shopify/ProductVariant/501", SKU: "EW-15", AvailableForSale: true, QuantityAvailable: ptr(3),
					Price: shopifytest.Money{Amount: "129.5", CurrencyCode: "USD"}, CompareAtPrice: &shopifytest.Money{Amount: "150.0", CurrencyCode: "USD"},
					SelectedOptions: []shopifytest.SelectedOption{{Name: "Wood", Value: "Elder"}, {Name: "Length", Value: "15 in"}}, Image: &img1},
				{ID: "gid://shopify/ProductVariant/502", SKU: "OW-15", AvailableForSale: false, QuantityAvailable: ptr(-2),
					Price: shopifytest.Money{Amount: "99.00", CurrencyCode: "USD"}, CompareAtPrice: &shopifytest.Money{Amount: "0.0", CurrencyCode: "USD"},
					SelectedOptions: []shopifytest.SelectedOption{{Name: "Wood", Value: "Oak"}, {Name: "Length", Value: "15 in"}}, Image: &img2},
			},
		},
		{
			Handle: "owl-treats", Title: "Owl Treats",
			Variants: []shopifytest.Variant{{ID: "gid://shopify/ProductVariant/601", AvailableForSale: true, QuantityAvailable: ptr(0),
				Price: shopifytest.Money{Amount: "4.99", CurrencyCode: "USD"}}},
		},
		{
			Handle: "cloak", Title: "Cloak",
			Variants: []shopifytest.Variant{{ID: "gid://shopify/ProductVariant/701", AvailableForSale: true,
				Price: shopifytest.Money{Amount: "1000", CurrencyCode: "USD"}}},
		},
	})
	srv.SetCollections([]shopifytest.Collection{{
		Handle: "legendary", Title: "Legendary", DescriptionHTML: "<p>Rare.</p>",
		Image: &shopifytest.Image{URL: "https://cdn.shopify.com/s/files/legend.jpg", Width: 600, Height: 400},
		SEO:   &shopifytest.SEO{Title: "Legendary items"}, ProductHandles: []string{"elder-wand", "cloak"},
	}})
	st, err := shopify.NewSource(newClient(t, srv, nil), "olli", shopify.SourceOptions{Locale: "en-GB"}).Load(context.Background(), "olli")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Validate(); err != nil {
		t.Fatal(err)
	}
	if st.Name != "Ollivanders" || st.Currency != "USD" || st.Locale != "en-GB" || st.Handle != "olli" {
		t.Errorf("store = %q %q %q", st.Name, st.Currency, st.Locale)
	}
	ew := st.Product("elder-wand")
	if ew.Title != "Elder Wand" || ew.Vendor != "Ollivanders" || ew.Type != "Wand" || ew.Status != catalog.StatusActive ||
		!slices.Equal(ew.Tags, []string{"legendary", "wand"}) || ew.DescriptionHTML != "<p>The <b>most</b> powerful.</p>" ||
		ew.SEO != (catalog.SEO{Title: "Buy the Elder Wand", Description: "Unbeatable."}) {
		t.Errorf("elder-wand = %+v", ew)
	}
	if !ew.CreatedAt.Equal(time.Date(2026, 3, 1, 15, 0, 0, 0, time.UTC)) || !ew.UpdatedAt.Equal(time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("times = %v %v", ew.CreatedAt, ew.UpdatedAt)
	}
	wantImgs := []catalog.Image{
		{Src: "https://cdn.shopify.com/s/files/elder.jpg", Alt: "An elder wand", Width: 1024, Height: 768},
		{Src: "https://cdn.shopify.com/s/files/oak.jpg"}, // only a variant's: added
	}
	if !slices.Equal(ew.Images, wantImgs) {
		t.Errorf("images = %+v", ew.Images)
	}
	wantOpts := []catalog.Option{{Name: "Wood", Values: []string{"Elder", "Oak"}}, {Name: "Length", Values: []string{"15 in"}}}
	if !slices.EqualFunc(ew.Options, wantOpts, func(a, b catalog.Option) bool { return a.Name == b.Name && slices.Equal(a.Values, b.Values) }) {
		t.Errorf("options = %+v", ew.Options)
	}
	usd := func(n int64) catalog.Money { return catalog.Money{Amount: n, Currency: "USD"} }
	v0, v1 := ew.Variants[0], ew.Variants[1]
	if v0.ID != "501" || v0.SKU != "EW-15" || v0.Title != "Elder / 15 in" || !slices.Equal(v0.Options, []string{"Elder", "15 in"}) ||
		v0.Price != usd(12950) || v0.CompareAt != usd(15000) || !v0.Available || !v0.Tracked || v0.Inventory != 3 || v0.Image != 0 || !v0.OnSale() {
		t.Errorf("variant 0 = %+v", v0)
	}
	if v1.ID != "502" || v1.Price != usd(9900) || !v1.CompareAt.IsZero() || v1.Available || !v1.Tracked || v1.Inventory != 0 || v1.Image != 1 {
		t.Errorf("variant 1 = %+v", v1)
	}
	if shopify.VariantGID(v0.ID) != "gid://shopify/ProductVariant/501" {
		t.Errorf("VariantGID = %q", shopify.VariantGID(v0.ID))
	}
	owl := st.Product("owl-treats")
	if len(owl.Options) != 0 || owl.Variants[0].Title != "Default Title" || len(owl.Variants[0].Options) != 0 {
		t.Errorf("Default Title is no option: %+v", owl)
	}
	if v := owl.Variants[0]; !v.Available || v.Tracked || v.Image != -1 {
		t.Errorf("available with no stock sells on, untracked: %+v", v)
	}
	if v := st.Product("cloak").Variants[0]; v.Price != usd(100000) || v.Tracked || !v.Available {
		t.Errorf("null quantity is untracked: %+v", v)
	}
	c := st.Collection("legendary")
	if c.Title != "Legendary" || c.DescriptionHTML != "<p>Rare.</p>" || c.SEO.Title != "Legendary items" || c.Rules != nil ||
		c.Image != (catalog.Image{Src: "https://cdn.shopify.com/s/files/legend.jpg", Width: 600, Height: 400}) ||
		!slices.Equal(c.ProductHandles, []string{"elder-wand", "cloak"}) {
		t.Errorf("collection = %+v", c)
	}
	if got := st.CollectionsOf(ew); len(got) != 1 || got[0] != c {
		t.Errorf("elder-wand is in %v", got)
	}
}

func TestZeroDecimalCurrency(t *testing.T) {
	srv := shopifytest.New(t, shopifytest.WithShop("Tokyo Wands", "JPY"))
	srv.SetProducts([]shopifytest.Product{{Handle: "sugi", Title: "Sugi", Variants: []shopifytest.Variant{{AvailableForSale: true,
		Price: shopifytest.Money{Amount: "1200.0", CurrencyCode: "JPY"}, CompareAtPrice: &shopifytest.Money{Amount: "1500", CurrencyCode: "JPY"}}}}})
	st, err := shopify.NewSource(newClient(t, srv, nil), "tokyo", shopify.SourceOptions{}).Load(context.Background(), "tokyo")
	if err != nil {
		t.Fatal(err)
	}
	v := st.Product("sugi").Variants[0]
	if v.Price != (catalog.Money{Amount: 1200, Currency: "JPY"}) || v.CompareAt != (catalog.Money{Amount: 1500, Currency: "JPY"}) || st.Currency != "JPY" {
		t.Errorf("JPY variant = %+v, store %s", v, st.Currency)
	}
	if got := v.Price.Format("ja-JP"); got != "¥1,200" {
		t.Errorf("formatted %q", got)
	}
}

func TestNullsUnknownFieldsAndProblems(t *testing.T) {
	srv := shopifytest.New(t)
	nully := json.RawMessage(`{"id":"gid://shopify/Product/9","handle":"nully","title":"Nully","vendor":null,"productType":null,
		"tags":null,"descriptionHtml":null,"seo":null,"createdAt":null,"updatedAt":null,"images":null,"options":null,
		"somethingNew":{"nested":[1,2,3]},
		"variants":{"pageInfo":null,"edges":[{"node":{"id":"gid://shopify/ProductVariant/9","sku":null,"title":null,
		"availableForSale":null,"quantityAvailable":null,"price":{"amount":"5.00","currencyCode":"USD"},"compareAtPrice":null,
		"selectedOptions":null,"image":null,"unitPrice":{"amount":"1.0"}}}]}}`)
	wrongType := json.RawMessage(`{"id":"gid://shopify/Product/10","handle":"wrong","title":7}`)
	usd := func(a string) shopifytest.Money { return shopifytest.Money{Amount: a, CurrencyCode: "USD"} }
	srv.SetProducts([]shopifytest.Product{
		{Raw: nully},
		{Raw: wrongType},
		{Handle: "half-priced", Title: "Half priced", Options: []shopifytest.Option{{Name: "Size", Values: []string{"S", "M"}}},
			Variants: []shopifytest.Variant{
				{SKU: "DUP", AvailableForSale: true, Price: usd("12.345"), SelectedOptions: []shopifytest.SelectedOption{{Name: "Size", Value: "S"}}},
				{SKU: "DUP", AvailableForSale: true, Price: usd("12.00"), SelectedOptions: []shopifytest.SelectedOption{{Name: "Size", Value: "M"}}},
			}},
		{Handle: "euro", Title: "Euro", Variants: []shopifytest.Variant{{AvailableForSale: true, Price: shopifytest.Money{Amount: "3.00", CurrencyCode: "EUR"}}}},
		{Handle: "Bad Handle", Title: "Bad", Variants: []shopifytest.Variant{{SKU: "DUP", AvailableForSale: true, Price: usd("1.00")}}},
	})
	srv.SetCollections([]shopifytest.Collection{
		{Handle: "mixed", Title: "Mixed", ProductHandles: []string{"nully", "euro", "ghost", "half-priced"}},
		{Handle: "untitled", ProductHandles: []string{"nully"}},
	})
	src := shopify.NewSource(newClient(t, srv, nil), "odd", shopify.SourceOptions{})
	st, problems, err := src.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Validate(); err != nil {
		t.Fatalf("store read does not validate: %v", err)
	}
	var handles []string
	for _, p := range st.Products {
		handles = append(handles, p.Handle)
	}
	if !slices.Equal(handles, []string{"nully", "half-priced"}) {
		t.Errorf("products = %q", handles)
	}
	n := st.Product("nully")
	if v := n.Variants[0]; v.ID != "9" || v.Available || v.Tracked || v.Price.Amount != 500 || v.Title != "Default Title" || len(n.Images) != 0 {
		t.Errorf("nully = %+v %+v", n, v)
	}
	hp := st.Product("half-priced")
	if len(hp.Variants) != 1 || hp.Variants[0].SKU != "DUP" || hp.Variants[0].Options[0] != "M" {
		t.Errorf("half-priced variants = %+v", hp.Variants)
	}
	if got := st.Collection("mixed").ProductHandles; !slices.Equal(got, []string{"nully", "half-priced"}) {
		t.Errorf("mixed = %q", got)
	}
	if st.Collection("untitled") != nil {
		t.Error("a collection without a title is kept")
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.File+" "+p.Field)
	}
	slices.Sort(got)
	want := []string{
		"collections/mixed products[2]",
		"collections/untitled title",
		"products products[1]",
		"products/Bad Handle handle",
		"products/Bad Handle variants[0].sku",
		"products/euro variants",
		"products/euro variants[0].price",
		"products/half-priced variants[0].price",
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems =\n%q\nwant\n%q\n%v", got, want, problems)
	}
	if msg := problems.Error(); !strings.Contains(msg, "odd: products/euro: variants[0].price: is in EUR; the shop sells in USD; variant skipped") {
		t.Errorf("problems text:\n%s", msg)
	}

	// Load is strict by default, lenient on request.
	_, err = src.Load(context.Background(), "odd")
	if ve, ok := catalog.AsValidationErrors(err); !ok || len(ve) != len(want) {
		t.Errorf("strict Load: %v", err)
	}
	lenient := shopify.NewSource(newClient(t, srv, nil), "odd", shopify.SourceOptions{Lenient: true})
	if st, err := lenient.Load(context.Background(), "odd"); err != nil || len(st.Products) != 2 {
		t.Errorf("lenient Load: %v", err)
	}
}

func TestVariantID(t *testing.T) {
	for in, want := range map[string]string{
		"gid://shopify/ProductVariant/42":     "42",
		"gid://shopify/ProductVariant/42?x=1": "42",
		"gid://shopify/ProductVariant/abc":    "gid://shopify/ProductVariant/abc",
		"":                                    "",
	} {
		if got := shopify.VariantID(in); got != want {
			t.Errorf("VariantID(%q) = %q, want %q", in, got, want)
		}
	}
}

// A null connection is a read gone wrong, not an empty shop.
func TestNullConnectionIsAnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ OperationName string }
		_ = json.NewDecoder(r.Body).Decode(&req)
		switch req.OperationName {
		case "Shop":
			_, _ = w.Write([]byte(`{"data":{"shop":{"name":"X","paymentSettings":{"currencyCode":"EUR"}}}}`))
		default:
			_, _ = w.Write([]byte(`{"data":{"products":null}}`))
		}
	}))
	defer srv.Close()
	c, err := shopify.New(shopify.Config{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = shopify.NewSource(c, "x", shopify.SourceOptions{}).Load(context.Background(), "x")
	if err == nil || !strings.Contains(err.Error(), "answer without products") {
		t.Errorf("err = %v", err)
	}
}

func TestInventoryScopeMissing(t *testing.T) {
	srv := shopifytest.New(t)
	srv.SetProducts([]shopifytest.Product{{Handle: "a", Title: "A", Variants: []shopifytest.Variant{{AvailableForSale: true,
		QuantityAvailable: ptr(5), Price: shopifytest.Money{Amount: "1.00", CurrencyCode: "USD"}}}}})
	srv.DenyInventory(true)
	st, err := shopify.NewSource(newClient(t, srv, nil), "s", shopify.SourceOptions{}).Load(context.Background(), "s")
	if err != nil {
		t.Fatal(err)
	}
	if v := st.Product("a").Variants[0]; v.Tracked || !v.Available {
		t.Errorf("variant = %+v", v)
	}
	if got := srv.RequestsFor("Products"); got != 2 {
		t.Errorf("Products sent %d times, want 2 (denied, then without quantityAvailable)", got)
	}
}
