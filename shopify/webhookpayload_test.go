package shopify_test

import (
	"context"
	"os"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/shopify"
	"github.com/wandstore/wandstore/shopify/shopifytest"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func usd(t *testing.T, s string) catalog.Money {
	t.Helper()
	m, err := catalog.ParseMoney(s, "USD")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Shopify's documented products/update shape, with nulls, unknown fields,
// a tags string with stray spaces and every stock case.
func TestProductFromWebhook(t *testing.T) {
	u, err := shopify.ProductFromWebhook(readFixture(t, "products_update.json"), "wands", "usd")
	if err != nil {
		t.Fatal(err)
	}
	if !u.Complete || len(u.Problems) > 0 {
		t.Fatalf("complete = %v, problems = %v", u.Complete, u.Problems)
	}
	p := u.Product
	if u.ID != "632910392" || p.SourceID != "632910392" || p.Handle != "elder-wand" || p.Title != "Elder Wand" ||
		p.Vendor != "Ollivanders" || p.Type != "Wand" || p.DescriptionHTML != "<p>The <b>most</b> powerful wand.</p>" ||
		p.File != "products/elder-wand" {
		t.Errorf("product = %+v", p)
	}
	if !p.Published() || p.Status != catalog.StatusActive {
		t.Errorf("status = %q", p.Status)
	}
	if want := []string{"legendary", "wand", "Deathly Hallows"}; !slices.Equal(p.Tags, want) {
		t.Errorf("tags = %q, want %q", p.Tags, want)
	}
	if want := time.Date(2026, 3, 1, 15, 0, 0, 0, time.UTC); !p.CreatedAt.Equal(want) || p.CreatedAt.Location() != time.UTC {
		t.Errorf("created = %v", p.CreatedAt)
	}
	wantOpts := []catalog.Option{{Name: "Wood", Values: []string{"Elder", "Oak"}}, {Name: "Length", Values: []string{"11 in", "13 in"}}}
	if !reflect.DeepEqual(p.Options, wantOpts) {
		t.Errorf("options = %+v (in position order)", p.Options)
	}
	wantImgs := []catalog.Image{
		{Src: "https://cdn.shopify.com/s/files/1/0005/4838/0009/products/elder.jpg?v=1", Alt: "An elder wand", Width: 1024, Height: 768},
		{Src: "https://cdn.shopify.com/s/files/1/0005/4838/0009/products/oak.jpg?v=1", Width: 800, Height: 600},
	}
	if !reflect.DeepEqual(p.Images, wantImgs) {
		t.Errorf("images = %+v", p.Images)
	}
	want := []catalog.Variant{
		{ID: "808950810", SKU: "EW-EL-11", Title: "Elder / 11 in", Options: []string{"Elder", "11 in"},
			Price: usd(t, "129.50"), CompareAt: usd(t, "149"), Available: true, Inventory: 3, Tracked: true, Image: 0},
		// Untracked stock: available whatever inventory_quantity says.
		{ID: "39072856", Title: "Oak / 11 in", Options: []string{"Oak", "11 in"}, Price: usd(t, "99"), Available: true, Image: -1},
		// Sells on when out of stock: untracked, as from the Storefront API.
		{ID: "49148385", SKU: "EW-EL-13", Title: "Elder / 13 in", Options: []string{"Elder", "13 in"}, Price: usd(t, "139"), Available: true, Image: -1},
		// Oversold: tracked, none in stock; its image by variant_ids.
		{ID: "457924702", Title: "Oak / 13 in", Options: []string{"Oak", "13 in"}, Price: usd(t, "99"), Tracked: true, Image: 1},
	}
	if !reflect.DeepEqual(p.Variants, want) {
		t.Errorf("variants =\n%+v\nwant\n%+v", p.Variants, want)
	}
	wantItems := map[string]string{"808950810": "808950810", "49148385": "49148385", "39072856": "39072856", "457924702": "457924702"}
	if !reflect.DeepEqual(u.InventoryItems, wantItems) {
		t.Errorf("inventory items = %v", u.InventoryItems)
	}
	st := &catalog.Store{Handle: "wands", Name: "Wands", Currency: "USD", Products: []*catalog.Product{p}}
	if err := st.Validate(); err != nil {
		t.Errorf("the product does not validate: %v", err)
	}
}

// A zero-decimal currency: "1200" and "1500.00" are yen; ids past 2^53
// keep every digit; "Default Title" is no option.
func TestProductFromWebhookYen(t *testing.T) {
	u, err := shopify.ProductFromWebhook(readFixture(t, "product_jpy.json"), "wands", "JPY")
	if err != nil {
		t.Fatal(err)
	}
	if !u.Complete {
		t.Fatalf("incomplete: %v", u.Problems)
	}
	p := u.Product
	if u.ID != "788032119674292922" || len(p.Options) != 0 || len(p.Variants) != 1 || p.Vendor != "" || p.DescriptionHTML != "" || !p.CreatedAt.IsZero() {
		t.Fatalf("update = %+v, product = %+v", u, p)
	}
	v := p.Variants[0]
	if v.ID != "642667041472713922" || v.Price != (catalog.Money{Amount: 1200, Currency: "JPY"}) ||
		v.CompareAt != (catalog.Money{Amount: 1500, Currency: "JPY"}) || !v.Tracked || v.Inventory != 7 || v.Title != "Default Title" {
		t.Errorf("variant = %+v", v)
	}
	if u.InventoryItems["544467041472713922"] != "642667041472713922" {
		t.Errorf("inventory items = %v", u.InventoryItems)
	}
}

func TestProductFromWebhookStatus(t *testing.T) {
	u, err := shopify.ProductFromWebhook(readFixture(t, "product_draft.json"), "wands", "USD")
	if err != nil {
		t.Fatal(err)
	}
	if u.Product.Published() || u.Product.Status != catalog.StatusDraft || !u.Complete {
		t.Errorf("draft: status %q, complete %v, problems %v", u.Product.Status, u.Complete, u.Problems)
	}
	for _, tc := range []struct {
		status, publishedAt string // publishedAt "" leaves the field out
		want                catalog.Status
		complete            bool
	}{
		{`"active"`, `"2026-03-01T10:00:00Z"`, catalog.StatusActive, true},
		{`"active"`, `null`, catalog.StatusDraft, true}, // not on the online store
		{`"draft"`, `"2026-03-01T10:00:00Z"`, catalog.StatusDraft, true},
		{`"archived"`, `null`, catalog.StatusArchived, true},
		{`"ARCHIVED"`, ``, catalog.StatusArchived, true},
		{`null`, `null`, catalog.StatusDraft, true}, // before statuses: published_at says
		{`null`, `"2026-03-01T10:00:00Z"`, catalog.StatusActive, true},
		{`"unlisted"`, `"2026-03-01T10:00:00Z"`, catalog.StatusDraft, false},
	} {
		body := `{"id": 1, "handle": "w", "title": "W", "status": ` + tc.status
		if tc.publishedAt != "" {
			body += `, "published_at": ` + tc.publishedAt
		}
		body += `, "variants": [{"id": 2, "price": "1.00", "option1": "Default Title"}]}`
		u, err := shopify.ProductFromWebhook([]byte(body), "wands", "USD")
		if err != nil {
			t.Fatal(err)
		}
		if u.Product.Status != tc.want || u.Complete != tc.complete || u.Product.Published() != (tc.want == catalog.StatusActive) {
			t.Errorf("status %s, published_at %q: got %q, complete %v; want %q, %v (%v)", tc.status, tc.publishedAt,
				u.Product.Status, u.Complete, tc.want, tc.complete, u.Problems)
		}
	}
}

// A payload without what a page needs maps what it can and asks for a
// read from the Storefront API.
func TestProductFromWebhookIncomplete(t *testing.T) {
	for name, body := range map[string]string{
		"no variants":          `{"id": 1, "handle": "w", "title": "W", "status": "active"}`,
		"empty variants":       `{"id": 1, "handle": "w", "title": "W", "variants": []}`,
		"price unreadable":     `{"id": 1, "handle": "w", "title": "W", "variants": [{"id": 2, "price": "twelve"}, {"id": 3, "price": "1.00", "option1": "B"}], "options": [{"name": "Size", "values": ["A", "B"]}]}`,
		"price missing":        `{"id": 1, "handle": "w", "title": "W", "variants": [{"id": 2, "price": null}]}`,
		"price too precise":    `{"id": 1, "handle": "w", "title": "W", "variants": [{"id": 2, "price": "1.005"}]}`,
		"tracked, no quantity": `{"id": 1, "handle": "w", "title": "W", "variants": [{"id": 2, "price": "1.00", "inventory_management": "shopify"}]}`,
		"options not named":    `{"id": 1, "handle": "w", "title": "W", "variants": [{"id": 2, "price": "1.00", "option1": "Red"}]}`,
		"no title":             `{"id": 1, "handle": "w", "title": null, "variants": [{"id": 2, "price": "1.00"}]}`,
		"not a handle":         `{"id": 1, "handle": "Big Wand", "title": "W", "variants": [{"id": 2, "price": "1.00"}]}`,
		"variant without id":   `{"id": 1, "handle": "w", "title": "W", "variants": [{"price": "1.00"}]}`,
	} {
		u, err := shopify.ProductFromWebhook([]byte(body), "wands", "USD")
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if u.Complete || u.Product == nil || u.ID != "1" {
			t.Errorf("%s: complete = %v, product %+v", name, u.Complete, u.Product)
		}
	}
	// The good variant of "price unreadable" is kept, the problem named.
	u, _ := shopify.ProductFromWebhook([]byte(`{"id": 1, "handle": "w", "title": "W", "variants": [{"id": 2, "price": "twelve", "option1": "A"}, {"id": 3, "price": "1.00", "option1": "B"}], "options": [{"name": "Size", "values": ["A", "B"]}]}`), "wands", "USD")
	if len(u.Product.Variants) != 1 || u.Product.Variants[0].ID != "3" || len(u.Problems) != 1 ||
		u.Problems[0].Field != "variants[0].price" || u.Problems[0].File != "products/w" {
		t.Errorf("variants %+v, problems %v", u.Product.Variants, u.Problems)
	}
}

func TestProductFromWebhookErrors(t *testing.T) {
	for name, body := range map[string]string{
		"not JSON":       `{"id": 1,`,
		"not an object":  `[{"id": 1, "handle": "w"}]`,
		"empty":          ``,
		"no id":          `{"handle": "w", "title": "W"}`,
		"null id":        `{"id": null, "handle": "w"}`,
		"id not numeric": `{"id": "gid://shopify/Product/1", "handle": "w"}`,
		"no handle":      `{"id": 1, "title": "W"}`,
		"blank handle":   `{"id": 1, "handle": "  "}`,
		"wrong type":     `{"id": 1, "handle": "w", "variants": {"id": 2}}`,
	} {
		if u, err := shopify.ProductFromWebhook([]byte(body), "wands", "USD"); err == nil {
			t.Errorf("%s: no error, got %+v", name, u)
		}
	}
	if _, err := shopify.ProductFromWebhook(readFixture(t, "product_jpy.json"), "wands", "yenn"); err == nil {
		t.Error("currency yenn: no error")
	}
}

func TestCollectionFromWebhook(t *testing.T) {
	u, err := shopify.CollectionFromWebhook(readFixture(t, "collection_custom.json"), "wands")
	if err != nil {
		t.Fatal(err)
	}
	c := u.Collection
	want := &catalog.Collection{Handle: "smart-ipods", SourceID: "482865238", Title: "Smart iPods",
		DescriptionHTML: "<p>The best selling ipod ever</p>", Sort: catalog.SortTitleDesc, File: "collections/smart-ipods",
		Image: catalog.Image{Src: "https://cdn.shopify.com/s/files/1/0006/9093/3842/collections/ipod_nano_8gb.jpg?v=1", Alt: "iPod Nano 8gb", Width: 123, Height: 456}}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("custom collection =\n%+v\nwant\n%+v", c, want)
	}
	// A custom collection's payload has no members: read it again.
	if u.ID != "482865238" || !u.Published || u.MembersKnown || u.Complete {
		t.Errorf("custom: %+v", u)
	}

	u, err = shopify.CollectionFromWebhook(readFixture(t, "collection_smart.json"), "wands")
	if err != nil {
		t.Fatal(err)
	}
	wantRules := &catalog.Rules{Conditions: []catalog.Condition{
		{Field: "tag", Relation: "equals", Value: "wand"},
		{Field: "title", Relation: "contains", Value: "Elder"},
		{Field: "price", Relation: "less_than", Value: "140.00"},
	}}
	if !u.MembersKnown || !u.Complete || !reflect.DeepEqual(u.Collection.Rules, wantRules) ||
		u.Collection.Sort != catalog.SortPriceAsc || u.Collection.DescriptionHTML != "" {
		t.Errorf("smart: %+v, collection %+v, rules %+v", u, u.Collection, u.Collection.Rules)
	}
	// The rules select what Shopify's would.
	p := &catalog.Product{Handle: "elder-wand", Title: "Elder Wand", Tags: []string{"Wand"},
		Variants: []catalog.Variant{{Price: usd(t, "129.50"), Available: true, Image: -1}}}
	st := &catalog.Store{Handle: "wands", Name: "Wands", Currency: "USD", Products: []*catalog.Product{p},
		Collections: []*catalog.Collection{u.Collection}}
	if err := st.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := st.Collection("cheap-elder-wands").Products(); len(got) != 1 {
		t.Errorf("members = %v", got)
	}

	smart := func(rules, extra string) string {
		return `{"id": 5, "handle": "c", "title": "C", "published_at": "2026-03-01T10:00:00Z", "disjunctive": true, "rules": ` + rules + extra + `}`
	}
	for _, tc := range []struct {
		name, body          string
		membersKnown, compl bool
		sort                catalog.SortOrder
		published           bool
	}{
		{"any rule", smart(`[{"column": "vendor", "relation": "starts_with", "condition": "Olli"}, {"column": "variant_inventory", "relation": "greater_than", "condition": "0"}]`, `, "sort_order": "created-desc"`), true, true, catalog.SortNewest, true},
		{"a column the catalog lacks", smart(`[{"column": "tag", "relation": "equals", "condition": "a"}, {"column": "variant_weight", "relation": "greater_than", "condition": "1"}]`, `, "sort_order": "alpha-asc"`), false, false, catalog.SortTitleAsc, true},
		{"a relation the catalog lacks", smart(`[{"column": "tag", "relation": "is_set", "condition": ""}]`, `, "sort_order": "alpha-asc"`), false, false, catalog.SortTitleAsc, true},
		{"a rule the catalog rejects", smart(`[{"column": "variant_price", "relation": "contains", "condition": "9"}]`, `, "sort_order": "alpha-asc"`), false, false, catalog.SortTitleAsc, true},
		{"best-selling", smart(`[{"column": "tag", "relation": "equals", "condition": "a"}]`, `, "sort_order": "best-selling"`), true, false, catalog.SortManual, true},
		{"oldest first", smart(`[{"column": "tag", "relation": "equals", "condition": "a"}]`, `, "sort_order": "created"`), true, false, catalog.SortManual, true},
		{"smart, manual order", smart(`[{"column": "tag", "relation": "equals", "condition": "a"}]`, `, "sort_order": "manual"`), true, false, catalog.SortManual, true},
		{"no title", `{"id": 5, "handle": "c", "title": "", "sort_order": "alpha-asc", "rules": [{"column": "tag", "relation": "equals", "condition": "a"}]}`, true, false, catalog.SortTitleAsc, true},
		{"unpublished", `{"id": 5, "handle": "c", "title": "C", "published_at": null, "sort_order": "manual", "rules": null, "unknown": {"x": [1]}}`, false, false, catalog.SortManual, false},
	} {
		u, err := shopify.CollectionFromWebhook([]byte(tc.body), "wands")
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if u.MembersKnown != tc.membersKnown || u.Complete != tc.compl || u.Collection.Sort != tc.sort || u.Published != tc.published ||
			(u.Collection.Rules != nil) != tc.membersKnown {
			t.Errorf("%s: %+v, sort %q, rules %+v", tc.name, u, u.Collection.Sort, u.Collection.Rules)
		}
	}
	for name, body := range map[string]string{
		"not JSON":  `{"id": 5`,
		"no id":     `{"handle": "c", "title": "C"}`,
		"no handle": `{"id": 5, "title": "C", "handle": null}`,
	} {
		if _, err := shopify.CollectionFromWebhook([]byte(body), "wands"); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// The same product read from the Storefront API and sent as a webhook maps
// to the same catalog.Product, except SEO, which REST payloads lack.
func TestWebhookMatchesStorefront(t *testing.T) {
	for _, cur := range []string{"USD", "JPY"} {
		t.Run(cur, func(t *testing.T) {
			srv := shopifytest.New(t, shopifytest.WithShop("Ollivanders", cur))
			img1 := shopifytest.Image{ID: "gid://shopify/ProductImage/11", URL: "https://cdn.shopify.com/s/files/elder.jpg", AltText: "An elder wand", Width: 1024, Height: 768}
			img2 := shopifytest.Image{ID: "gid://shopify/ProductImage/12", URL: "https://cdn.shopify.com/s/files/oak.jpg"}
			onlyVariant := shopifytest.Image{URL: "https://cdn.shopify.com/s/files/holly.jpg", Width: 10, Height: 20}
			price := func(s string) shopifytest.Money { return shopifytest.Money{Amount: s, CurrencyCode: cur} }
			opts := func(wood, length string) []shopifytest.SelectedOption {
				return []shopifytest.SelectedOption{{Name: "Wood", Value: wood}, {Name: "Length", Value: length}}
			}
			srv.SetProducts([]shopifytest.Product{
				{
					Handle: "elder-wand", Title: "Elder Wand", Vendor: "Ollivanders", ProductType: "Wand",
					Tags: []string{"legendary", "wand", "Deathly Hallows"}, DescriptionHTML: "<p>The <b>most</b> powerful.</p>",
					SEO:       &shopifytest.SEO{Title: "Buy the Elder Wand", Description: "Unbeatable."},
					CreatedAt: "2026-03-01T15:00:00Z", UpdatedAt: "2026-03-02T09:30:00Z",
					Images:  []shopifytest.Image{img1, img2},
					Options: []shopifytest.Option{{Name: "Wood", Values: []string{"Elder", "Oak", "Holly"}}, {Name: "Length", Values: []string{"11 in", "13 in"}}},
					Variants: []shopifytest.Variant{
						{SKU: "EW-11", AvailableForSale: true, QuantityAvailable: ptr(3), Price: price("129.0"), CompareAtPrice: ptr(price("150.0")), SelectedOptions: opts("Elder", "11 in"), Image: &img1},
						{SKU: "EW-13", AvailableForSale: false, QuantityAvailable: ptr(-2), Price: price("139.0"), CompareAtPrice: ptr(price("0.0")), SelectedOptions: opts("Elder", "13 in")},
						{AvailableForSale: true, QuantityAvailable: ptr(0), Price: price("99.0"), SelectedOptions: opts("Oak", "11 in"), Image: &img2},
						{AvailableForSale: true, Price: price("99.0"), SelectedOptions: opts("Holly", "13 in"), Image: &onlyVariant},
					},
				},
				{Handle: "owl-treats", Title: "Owl Treats", UpdatedAt: "2026-03-03T00:00:00Z",
					Variants: []shopifytest.Variant{{SKU: "OT", AvailableForSale: true, QuantityAvailable: ptr(12), Price: price("5.0")}}},
			})
			src := shopify.NewSource(newClient(t, srv, nil), "wands", shopify.SourceOptions{})
			st, problems, err := src.Read(context.Background())
			if err != nil || len(problems) > 0 {
				t.Fatal(err, problems)
			}
			for _, sp := range srv.Products() {
				fromAPI := st.Product(sp.Handle)
				updated, _ := time.Parse(time.RFC3339, sp.UpdatedAt)
				u, err := shopify.ProductFromWebhook(shopifytest.ProductPayload(sp, updated), "wands", cur)
				if err != nil {
					t.Fatal(err)
				}
				if !u.Complete || len(u.Problems) > 0 {
					t.Errorf("%s: complete %v, problems %v", sp.Handle, u.Complete, u.Problems)
				}
				fromHook := u.Product
				if fromHook.SEO != (catalog.SEO{}) {
					t.Errorf("%s: SEO %+v from a payload that has none", sp.Handle, fromHook.SEO)
				}
				api := *fromAPI
				api.SEO = catalog.SEO{} // what REST lacks
				if !reflect.DeepEqual(&api, fromHook) {
					t.Errorf("%s:\nstorefront %+v\nwebhook    %+v", sp.Handle, &api, fromHook)
				}
				if u.ID != fromAPI.SourceID || u.ID == "" {
					t.Errorf("%s: webhook id %q, storefront SourceID %q", sp.Handle, u.ID, fromAPI.SourceID)
				}
				for item, vid := range u.InventoryItems {
					if fromAPI.Variant(vid) == nil || item == vid {
						t.Errorf("%s: inventory item %s -> variant %s", sp.Handle, item, vid)
					}
				}
				if len(u.InventoryItems) != len(fromAPI.Variants) {
					t.Errorf("%s: %d inventory items for %d variants", sp.Handle, len(u.InventoryItems), len(fromAPI.Variants))
				}
			}
		})
	}
}

func TestCollectionWebhookMatchesStorefront(t *testing.T) {
	srv := shopifytest.New(t)
	srv.SetProducts([]shopifytest.Product{{Handle: "a", Title: "A", Variants: []shopifytest.Variant{{AvailableForSale: true, Price: shopifytest.Money{Amount: "1.0", CurrencyCode: "USD"}}}}})
	srv.SetCollections([]shopifytest.Collection{{Handle: "wands", Title: "Wands", DescriptionHTML: "<p>All of them.</p>",
		Image: &shopifytest.Image{URL: "https://cdn.shopify.com/c.jpg", AltText: "Wands", Width: 5, Height: 6}, ProductHandles: []string{"a"}}})
	st, _, err := shopify.NewSource(newClient(t, srv, nil), "wands", shopify.SourceOptions{}).Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	u, err := shopify.CollectionFromWebhook(shopifytest.CollectionPayload(srv.Collections()[0], time.Now()), "wands")
	if err != nil {
		t.Fatal(err)
	}
	api := *st.Collection("wands")
	// What a custom collection's payload lacks: its members (and SEO).
	api.ProductHandles, api.SEO = nil, catalog.SEO{}
	hook := *u.Collection
	if !reflect.DeepEqual(api.Products(), []*catalog.Product{st.Product("a")}) {
		t.Fatalf("storefront members = %v", api.Products())
	}
	api = catalog.Collection{Handle: api.Handle, SourceID: api.SourceID, Title: api.Title, DescriptionHTML: api.DescriptionHTML,
		Image: api.Image, Sort: api.Sort, File: api.File}
	if !reflect.DeepEqual(api, hook) || api.SourceID != "1" {
		t.Errorf("storefront %+v\nwebhook    %+v", api, hook)
	}
	if u.MembersKnown || u.Complete || u.ID != "1" {
		t.Errorf("update = %+v", u)
	}
}
