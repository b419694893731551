package stores

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/shopify"
	"github.com/wandstore/wandstore/shopify/shopifytest"
)

const token = "shpat_test_private_token"

// pngOf is a w×h PNG made here, so its size is known without trusting the
// code under test.
func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// env is a fake environment.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// wandShop is a stand-in shop selling one wand in USD, which answers only
// to token.
func wandShop(t *testing.T) *shopifytest.Server {
	srv := shopifytest.New(t, shopifytest.WithToken(token), shopifytest.WithShop("Ollivanders on Shopify", "USD"))
	srv.SetProducts([]shopifytest.Product{{
		Handle: "elder-wand", Title: "Elder Wand", Vendor: "Ollivanders",
		Variants: []shopifytest.Variant{{SKU: "EW", AvailableForSale: true, Price: shopifytest.Money{Amount: "129.00", CurrencyCode: "USD"}}},
	}})
	srv.SetCollections([]shopifytest.Collection{{Handle: "wands", Title: "Wands", ProductHandles: []string{"elder-wand"}}})
	return srv
}

// shopStore is a content folder with a content store and a shopify store
// "wands" whose store.yaml has extra, placed after its source block.
func shopStore(t *testing.T, endpoint, extra string) fstest.MapFS {
	return fstest.MapFS{
		"wands/store.yaml": {Data: []byte(`name: Wands from Shopify
locale: en-GB
description: Hand-made wands.
base_url: https://wands.example/
source:
  kind: shopify
  shop: Magic-Wands
  api_version: 2025-07
  token_env: SHOPIFY_MAGIC_WANDS_TOKEN
  endpoint: ` + endpoint + `
theme:
  colors: { primary: "#4b2e83" }
  logo: { src: images/logo.png, alt: Wands }
settings:
  products_per_page: 12
  featured_collections: [wands]
  featured_products: [elder-wand]
  announcement: Owls deliver
` + extra)},
		"wands/images/logo.png": {Data: pngOf(t, 40, 10)},
		// Not read: the catalog is the shop's.
		"wands/products/stale.md": {Data: []byte("not a product")},
		"tea/store.yaml":          {Data: []byte("name: Tea\ncurrency: JPY\n")},
		"tea/products/sencha.md":  {Data: []byte("---\ntitle: Sencha\nprice: 1200\n---\nGreen.\n")},
	}
}

func TestShopifyStore(t *testing.T) {
	srv := wandShop(t)
	src := New(shopStore(t, srv.URL(), ""), Options{Getenv: env(map[string]string{"SHOPIFY_MAGIC_WANDS_TOKEN": token})})
	ctx := context.Background()

	handles, err := src.Stores(ctx)
	if err != nil || !slices.Equal(handles, []string{"tea", "wands"}) {
		t.Fatalf("Stores() = %q, %v", handles, err)
	}
	st, err := src.Load(ctx, "wands")
	if err != nil {
		t.Fatal(err)
	}
	// The catalog is the shop's...
	if st.Handle != "wands" || st.Currency != "USD" || len(st.Products) != 1 || st.Products[0].Handle != "elder-wand" ||
		st.Products[0].Variants[0].Price != (catalog.Money{Amount: 12900, Currency: "USD"}) || len(st.Collections) != 1 {
		t.Fatalf("store = %+v", st)
	}
	if st.Product("elder-wand") == nil || st.Collection("wands") == nil {
		t.Error("the loaded store is not indexed")
	}
	// ...and the look is store.yaml's.
	if st.Name != "Wands from Shopify" || st.Locale != "en-GB" || st.Description != "Hand-made wands." || st.BaseURL != "https://wands.example/" {
		t.Errorf("name, locale, description, base URL = %q, %q, %q, %q", st.Name, st.Locale, st.Description, st.BaseURL)
	}
	if st.Theme.Colors.Primary != "#4b2e83" || st.Theme.Logo != (catalog.Image{Src: "images/logo.png", Alt: "Wands", Width: 40, Height: 10}) {
		t.Errorf("theme = %+v", st.Theme)
	}
	if s := st.Settings; s.ProductsPerPage != 12 || !slices.Equal(s.FeaturedProducts, []string{"elder-wand"}) ||
		!slices.Equal(s.FeaturedCollections, []string{"wands"}) || s.Announcement != "Owls deliver" {
		t.Errorf("settings = %+v", st.Settings)
	}
	if _, err := fs.Stat(st.Assets, "images/logo.png"); err != nil {
		t.Errorf("the logo is not among the store's assets: %v", err)
	}
	if err := st.Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}
	if got := srv.LastHeader().Get("Shopify-Storefront-Private-Token"); got != token {
		t.Errorf("private token sent = %q, want the one from SHOPIFY_MAGIC_WANDS_TOKEN", got)
	}

	// A content store of the same folder is read as before.
	tea, err := src.Load(ctx, "tea")
	if err != nil || tea.Currency != "JPY" || len(tea.Products) != 1 || tea.Products[0].Variants[0].Price.Amount != 1200 {
		t.Errorf("Load(tea) = %+v, %v", tea, err)
	}
	if _, err := src.Load(ctx, "nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) error = %v, want fs.ErrNotExist", err)
	}
}

// With a name left out, the shop's is used; a currency that is the shop's
// is fine.
func TestShopifyStoreDefaults(t *testing.T) {
	srv := wandShop(t)
	fsys := shopStore(t, srv.URL(), "")
	fsys["wands/store.yaml"].Data = bytes.Replace(fsys["wands/store.yaml"].Data, []byte("name: Wands from Shopify\n"), []byte("currency: usd\n"), 1)
	st, err := New(fsys, Options{Getenv: env(map[string]string{"SHOPIFY_MAGIC_WANDS_TOKEN": token})}).Load(context.Background(), "wands")
	if err != nil {
		t.Fatal(err)
	}
	if st.Name != "Ollivanders on Shopify" || st.Currency != "USD" {
		t.Errorf("name, currency = %q, %q; want the shop's", st.Name, st.Currency)
	}
}

func TestShopifyCurrencyMismatch(t *testing.T) {
	srv := wandShop(t)
	fsys := shopStore(t, srv.URL(), "currency: EUR\n")
	_, err := New(fsys, Options{Getenv: env(map[string]string{"SHOPIFY_MAGIC_WANDS_TOKEN": token})}).Load(context.Background(), "wands")
	ve, ok := catalog.AsValidationErrors(err)
	if !ok || len(ve) != 1 || ve[0].File != "store.yaml" || ve[0].Field != "currency" ||
		!strings.Contains(ve[0].Message, "EUR") || !strings.Contains(ve[0].Message, "USD") {
		t.Fatalf("Load() error = %v, want store.yaml's currency EUR against the shop's USD", err)
	}
}

func TestShopifyMissingToken(t *testing.T) {
	srv := wandShop(t)
	src := New(shopStore(t, srv.URL(), ""), Options{Getenv: env(map[string]string{"OTHER": "x"})})
	_, err := src.Load(context.Background(), "wands")
	if !errors.Is(err, ErrNoToken) || !strings.Contains(err.Error(), "SHOPIFY_MAGIC_WANDS_TOKEN") {
		t.Fatalf("Load() error = %v, want ErrNoToken naming SHOPIFY_MAGIC_WANDS_TOKEN", err)
	}
	if n := srv.Requests(); n != 0 {
		t.Errorf("%d requests sent without a token", n)
	}
	if _, err := src.Client("wands"); !errors.Is(err, ErrNoToken) {
		t.Errorf("Client() error = %v, want ErrNoToken", err)
	}
}

func TestShopifyWrongToken(t *testing.T) {
	srv := wandShop(t)
	src := New(shopStore(t, srv.URL(), ""), Options{Getenv: env(map[string]string{"SHOPIFY_MAGIC_WANDS_TOKEN": "not-it"}), MaxRetries: -1})
	_, err := src.Load(context.Background(), "wands")
	if !errors.Is(err, shopify.ErrUnauthorized) {
		t.Fatalf("Load() error = %v, want shopify.ErrUnauthorized", err)
	}
	if strings.Contains(err.Error(), "not-it") {
		t.Errorf("error %q shows the token", err)
	}
}

func TestClientCachedAndShops(t *testing.T) {
	srv := wandShop(t)
	vars := map[string]string{"SHOPIFY_MAGIC_WANDS_TOKEN": token}
	var mu sync.Mutex
	getenv := func(k string) string { mu.Lock(); defer mu.Unlock(); return vars[k] }
	fsys := shopStore(t, srv.URL(), "")
	fsys["other/store.yaml"] = &fstest.MapFile{Data: []byte("name: O\nsource: { kind: shopify, shop: Other-Shop.MyShopify.com, token_env: T }\n")}
	src := New(fsys, Options{Getenv: getenv})

	shops, err := src.Shops()
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"magic-wands.myshopify.com": "wands", "other-shop.myshopify.com": "other"}; !mapsEqual(shops, want) {
		t.Errorf("Shops() = %v, want %v", shops, want)
	}

	// Concurrent callers share one client, the one Load uses.
	clients := make([]*shopify.Client, 8)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := src.Client("wands")
			if err != nil {
				t.Error(err)
			}
			clients[i] = c
		}()
	}
	wg.Wait()
	for _, c := range clients[1:] {
		if c != clients[0] {
			t.Fatal("Client() made more than one client for a store")
		}
	}
	if clients[0].URL() != srv.URL()+"/api/2025-07/graphql.json" {
		t.Errorf("client URL = %q", clients[0].URL())
	}
	ss, err := src.ShopifySource("wands")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Load(context.Background(), "wands"); err != nil {
		t.Fatal(err)
	}
	if again, _ := src.ShopifySource("wands"); again != ss {
		t.Error("ShopifySource() changed with nothing changed")
	}

	// A new token makes a new client.
	mu.Lock()
	vars["SHOPIFY_MAGIC_WANDS_TOKEN"] = "rotated"
	mu.Unlock()
	if c, err := src.Client("wands"); err != nil || c == clients[0] {
		t.Errorf("Client() after the token changed = the old client (err %v)", err)
	}

	if _, err := src.Client("tea"); !errors.Is(err, ErrNotShopify) {
		t.Errorf("Client(content store) error = %v, want ErrNotShopify", err)
	}

	// Two stores on one shop cannot both take its webhooks.
	fsys["twin/store.yaml"] = &fstest.MapFile{Data: []byte("name: T\nsource: { kind: shopify, shop: magic-wands.myshopify.com, token_env: T }\n")}
	if _, err := New(fsys, Options{}).Shops(); err == nil || !strings.Contains(err.Error(), "twin") {
		t.Errorf("Shops() with two stores on one shop: error = %v", err)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// fixture reads a sibling package's test file.
func fixture(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestExportStores(t *testing.T) {
	csv := fixture(t, "../../shopify/productcsv/testdata/messy.csv")
	json := fixture(t, "../../shopify/productsjson/testdata/products.json")
	store := func(kind, file, extra string) []byte {
		return []byte("name: Exported\ncurrency: GBP\nlocale: en-GB\nsource:\n  kind: " + kind + "\n  file: " + file + "\n" + extra +
			"theme:\n  logo: { src: logo.png }\nsettings:\n  announcement: Imported\n")
	}
	fsys := fstest.MapFS{
		"csv/store.yaml":             {Data: store("shopify-csv", "export/products.csv", "  lenient: true\n")},
		"csv/export/products.csv":    {Data: csv},
		"csv/logo.png":               {Data: pngOf(t, 8, 8)},
		"json/store.yaml":            {Data: store("shopify-json", "products.json", "  lenient: true\n")},
		"json/products.json":         {Data: json},
		"json/logo.png":              {Data: pngOf(t, 8, 8)},
		"strict/store.yaml":          {Data: store("shopify-csv", "export/products.csv", "")},
		"strict/export/products.csv": {Data: csv},
		"strict/logo.png":            {Data: pngOf(t, 8, 8)},
	}
	src := New(fsys, Options{})
	ctx := context.Background()

	st, err := src.Load(ctx, "csv")
	if err != nil {
		t.Fatal(err)
	}
	var handles []string
	for _, p := range st.Products {
		handles = append(handles, p.Handle)
	}
	if want := []string{"elder-wand", "invisibility-cloak", "owl-treats", "mystery"}; !slices.Equal(handles, want) {
		t.Errorf("csv products = %q, want %q", handles, want)
	}
	if st.Currency != "GBP" || st.Products[0].Variants[0].Price.Currency != "GBP" || st.Name != "Exported" || st.Locale != "en-GB" ||
		st.Settings.Announcement != "Imported" || st.Theme.Logo.Width != 8 {
		t.Errorf("csv store = %+v", st)
	}
	if err := st.Validate(); err != nil {
		t.Errorf("csv Validate() = %v", err)
	}

	st, err = src.Load(ctx, "json")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Products) == 0 || st.Products[0].Handle != "elder-wand" || st.Currency != "GBP" || st.Theme.Logo.Height != 8 {
		t.Errorf("json store = %+v", st)
	}

	// Without lenient, the export's problems fail the load, named by the
	// file's path in the store folder.
	_, err = src.Load(ctx, "strict")
	ve, ok := catalog.AsValidationErrors(err)
	if !ok || len(ve) == 0 || ve[0].File != "export/products.csv" || ve[0].Line != 7 || ve[0].Store != "strict" {
		t.Errorf("strict Load() error = %v, want the CSV's problems from line 7", err)
	}
	if _, err := src.Client("csv"); !errors.Is(err, ErrNotShopify) {
		t.Errorf("Client(csv store) error = %v, want ErrNotShopify", err)
	}
}

func TestBadSpecIsReported(t *testing.T) {
	fsys := fstest.MapFS{"s/store.yaml": {Data: []byte("name: S\nsource:\n  kind: shopify\n  shop: x\n  token_env: 1TOKEN\n")}}
	_, err := New(fsys, Options{}).Load(context.Background(), "s")
	ve, ok := catalog.AsValidationErrors(err)
	if !ok || len(ve) != 1 || ve[0].Line != 5 || ve[0].Field != "source.token_env" {
		t.Fatalf("Load() error = %v, want store.yaml:5 source.token_env", err)
	}
	if _, err := New(fsys, Options{}).Shops(); err == nil {
		t.Error("Shops() with a bad store.yaml: no error")
	}
	if _, err := New(fsys, Options{}).Spec("s"); err == nil {
		t.Error("Spec() of a bad store.yaml: no error")
	}
	fsys["s/store.yaml"].Data = []byte("name: S\nsource:\n  kind: shopify\n  shop: x\n  token_env: TOKEN\n")
	if sp, err := New(fsys, Options{}).Spec("s"); err != nil || sp.Shop != "x.myshopify.com" || sp.TokenEnv != "TOKEN" {
		t.Errorf("Spec() = %+v, %v", sp, err)
	}
}
