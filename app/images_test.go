package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/wandstore/wandstore/components"
	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/shopify/shopifytest"
)

// A shop's images stay on Shopify's CDN: srcset asks it for each width
// (?width=N, the image's own query kept), none wider than the image, whose
// real size the <img> carries; og:image asks for 1200 px. A CSV export
// gives no size: the standard widths, and a square box.
func TestShopifyImagesUseTheCDNsWidths(t *testing.T) {
	const token = "shpat_images_test"
	const photo = "https://cdn.shopify.com/s/files/1/0001/files/elder.jpg?v=1700000000"
	srv := shopifytest.New(t, shopifytest.WithToken(token), shopifytest.WithShop("Wand Shop", "USD"))
	srv.SetProducts([]shopifytest.Product{{
		Handle: "elder-wand", Title: "Elder Wand",
		Images:   []shopifytest.Image{{ID: "gid://shopify/ProductImage/1", URL: photo, AltText: "An elder wand", Width: 1400, Height: 1050}},
		Variants: []shopifytest.Variant{{SKU: "EW", AvailableForSale: true, Price: shopifytest.Money{Amount: "129.00", CurrencyCode: "USD"}}},
	}})
	t.Setenv("WANDSTORE_IMAGES_TEST_TOKEN", token)
	dir := testkit.ContentDir(t, `
-- wands/store.yaml --
name: Wands from Shopify
source:
  kind: shopify
  shop: wand-shop
  token_env: WANDSTORE_IMAGES_TEST_TOKEN
  endpoint: `+srv.URL()+`
-- mugs/store.yaml --
name: Mugs
currency: USD
source: { kind: shopify-csv, file: export.csv }
-- mugs/export.csv --
Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price,Status,Image Src,Image Position,Image Alt Text
mug,Mug,Title,Default Title,M,12.50,active,https://cdn.shopify.com/s/files/1/0002/files/mug.png?v=2,1,A blue mug
`)
	out := t.TempDir()
	if _, stderr, err := run(t, "build", "--content", dir, "--out", out, "--site-url", "https://example.test"); err != nil {
		t.Fatalf("build: %v\n%s", err, stderr)
	}
	page := func(rel string) *goquery.Document {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(out, rel))
		if err != nil {
			t.Fatal(err)
		}
		d, err := goquery.NewDocumentFromReader(strings.NewReader(string(data)))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := page("s/wands/products/elder-wand/index.html")
	img := d.Find("[data-testid=gallery-image] img")
	want := photo + "&width=320 320w, " + photo + "&width=640 640w, " + photo + "&width=800 800w, " + photo + "&width=960 960w, " + photo + "&width=1200 1200w, " + photo + "&width=1400 1400w"
	if got, _ := img.Attr("srcset"); got != want {
		t.Errorf("srcset = %q\nwant %q", got, want)
	}
	if w, _ := img.Attr("width"); w != "1400" {
		t.Errorf("width = %q, want the API's 1400", w)
	}
	if h, _ := img.Attr("height"); h != "1050" {
		t.Errorf("height = %q, want the API's 1050", h)
	}
	if og, _ := d.Find(`meta[property="og:image"]`).Attr("content"); og != photo+"&width=1200" {
		t.Errorf("og:image = %q", og)
	}

	d = page("s/mugs/products/mug/index.html")
	img = d.Find("[data-testid=gallery-image] img")
	if got, _ := img.Attr("srcset"); strings.Count(got, "?v=2&width=") != len(components.ImageWidths) || !strings.HasSuffix(got, "&width=1600 1600w") {
		t.Errorf("CSV image srcset = %q, want the %d standard widths", got, len(components.ImageWidths))
	}
	w, _ := img.Attr("width")
	h, _ := img.Attr("height")
	if w != h || w == "800" {
		t.Errorf("CSV image box = %sx%s, want a square that does not claim the image's size", w, h)
	}
}
