package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wandstore/wandstore/catalog/stores"
	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/shopify/productcsv"
	"github.com/wandstore/wandstore/shopify/shopifytest"
)

// A content folder's stores each read the source their store.yaml names:
// here one store is a shop (a stand-in), its token from the environment,
// and one is a CSV export in its folder; the build renders both.
func TestBuildStoresFromTheirSources(t *testing.T) {
	const token = "shpat_app_test"
	srv := shopifytest.New(t, shopifytest.WithToken(token), shopifytest.WithShop("Wand Shop", "EUR"))
	srv.SetProducts([]shopifytest.Product{{
		Handle: "elder-wand", Title: "Elder Wand",
		Variants: []shopifytest.Variant{{SKU: "EW", AvailableForSale: true, Price: shopifytest.Money{Amount: "129.00", CurrencyCode: "EUR"}}},
	}})
	t.Setenv("WANDSTORE_APP_TEST_TOKEN", token)
	dir := testkit.ContentDir(t, `
-- wands/store.yaml --
name: Wands from Shopify
locale: de-DE
source:
  kind: shopify
  shop: wand-shop
  token_env: WANDSTORE_APP_TEST_TOKEN
  endpoint: `+srv.URL()+`
settings:
  announcement: Eulen liefern
-- mugs/store.yaml --
name: Mugs
currency: USD
source: { kind: shopify-csv, file: export.csv }
-- mugs/export.csv --
Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price,Status
mug,Mug,Title,Default Title,M,12.50,active
`)
	src, err := source(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := src.(*stores.Source); !ok {
		t.Fatalf("source(folder) = %T, want *stores.Source", src)
	}
	out := t.TempDir()
	_, stderr, err := run(t, "build", "--content", dir, "--out", out, "--site-url", "https://example.test")
	if err != nil {
		t.Fatalf("build: %v\n%s", err, stderr)
	}
	for file, wants := range map[string][]string{
		"s/wands/products/elder-wand/index.html": {"Elder Wand", "129,00\u00a0€", "Eulen liefern"},
		"s/mugs/products/mug/index.html":         {"Mug", "$12.50"},
	} {
		page, err := os.ReadFile(filepath.Join(out, file))
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		for _, w := range wants {
			if !strings.Contains(string(page), w) {
				t.Errorf("%s lacks %q", file, w)
			}
		}
	}

	// Without the token, the build stops naming the variable.
	t.Setenv("WANDSTORE_APP_TEST_TOKEN", "")
	_, stderr, err = run(t, "build", "--content", dir, "--out", t.TempDir())
	if err == nil || !strings.Contains(stderr, "WANDSTORE_APP_TEST_TOKEN") {
		t.Errorf("build without the token: %v\n%s", err, stderr)
	}
}

func TestSourceKinds(t *testing.T) {
	ctx := context.Background()
	demo, err := source("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := demo.(*stores.Source); !ok {
		t.Fatalf("source(\"\") = %T, want *stores.Source", demo)
	}
	handles, err := demo.Stores(ctx)
	if err != nil || !slices.Contains(handles, "magic-wands") {
		t.Fatalf("demo stores = %q, %v", handles, err)
	}
	if st, err := demo.Load(ctx, "magic-wands"); err != nil || len(st.Products) == 0 {
		t.Errorf("demo Load(magic-wands) = %v", err)
	}

	csv := filepath.Join(t.TempDir(), "shop.csv")
	if err := os.WriteFile(csv, []byte("Handle,Title,Variant Price\nmug,Mug,1.00\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := source(csv, []string{"mugs"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := src.(*productcsv.Source); !ok {
		t.Errorf("source(.csv) = %T, want *productcsv.Source", src)
	}
	if h, _ := src.Stores(ctx); !slices.Equal(h, []string{"mugs"}) {
		t.Errorf("csv stores = %q, want [mugs]", h)
	}
	if _, err := source(csv, []string{"a", "b"}); err == nil {
		t.Error("two --store for one file: no error")
	}
	if _, err := source(filepath.Join(t.TempDir(), "missing"), nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing content: %v, want os.ErrNotExist", err)
	}
}
