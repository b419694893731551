package components

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/catalog/facets"
)

var update = flag.Bool("update", false, "rewrite the golden files with the current output")

func usd(a int64) catalog.Money { return catalog.Money{Amount: a, Currency: "USD"} }

// fixture is a small store built in code, so golden files change only when
// markup does.
func fixture() (*Site, *catalog.Store) {
	st := &catalog.Store{
		Handle: "wands", Name: "Wand & Co", Currency: "USD", Locale: "en-US", Description: "Wands for every witch.",
		Theme:    catalog.Theme{Colors: catalog.Colors{Primary: "#4b2e83"}, Logo: catalog.Image{Src: "images/logo.svg", Alt: "Wand & Co"}},
		Settings: catalog.Settings{ProductsPerPage: 2, Announcement: "Free owl post", ContactEmail: "owl@wands.test"},
	}
	elder := &catalog.Product{
		Handle: "elder-wand", Title: "Elder Wand", Vendor: "Ollivanders", Type: "Wand", Tags: []string{"rare"},
		DescriptionHTML: "<p>The <strong>most</strong> powerful wand.</p>",
		Images:          []catalog.Image{{Src: "images/elder.svg", Alt: "A knotted elder wand", Width: 800, Height: 800}},
		Options:         []catalog.Option{{Name: "Length", Values: []string{"11 in", "13 in"}}},
		Variants: []catalog.Variant{
			{ID: "ew-11", SKU: "EW-11", Title: "11 in", Options: []string{"11 in"}, Price: usd(12900), CompareAt: usd(14900), Available: true, Tracked: true, Inventory: 3, Image: -1},
			{ID: "ew-13", SKU: "EW-13", Title: "13 in", Options: []string{"13 in"}, Price: usd(13900), Available: false, Tracked: true, Image: -1},
		},
		CreatedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
	}
	cloak := &catalog.Product{
		Handle: "cloak", Title: "Travel Cloak", Vendor: "Madam Malkin",
		Images:   []catalog.Image{{Src: "images/cloak.svg", Alt: "A grey cloak", Width: 800, Height: 800}},
		Variants: []catalog.Variant{{ID: "default", Title: "Default Title", Price: usd(4500), Available: true, Image: -1}},
	}
	st.Products = []*catalog.Product{elder, cloak}
	st.Collections = []*catalog.Collection{{Handle: "wands", Title: "Wands", Sort: catalog.SortManual, ProductHandles: []string{"elder-wand", "cloak"}, DescriptionHTML: "<p>All our wands.</p>"}}
	st.Index()
	s := &Site{
		Store: st, BaseURL: "https://wands.test/s/wands/", BasePath: "/s/wands/",
		CSS: "/s/wands/assets/app.0000000000.css", HTMX: "/s/wands/assets/htmx.0000000000.js", IslandsJS: "/s/wands/assets/islands.0000000000.js", SearchJS: "/s/wands/assets/search.0000000000.js", ProductJS: "/s/wands/assets/product.0000000000.js",
		Images: map[string]string{
			"images/logo.svg": "/s/wands/assets/logo.1111111111.svg", "images/elder.svg": "/s/wands/assets/elder.2222222222.svg",
			"images/cloak.svg": "/s/wands/assets/cloak.3333333333.svg",
		},
		Nav: []NavLink{{Title: "Wands", Path: "/s/wands/collections/wands/", Handle: "wands"}},
	}
	return s, st
}

func golden(t *testing.T, name string, c templ.Component) *goquery.Document {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	dir := filepath.Join("testdata", "golden", name)
	want := filepath.Join(dir, "expected.html")
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(want, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	exp, err := os.ReadFile(want)
	if err != nil {
		t.Fatalf("no golden file (run go test ./components -update): %v", err)
	}
	actual := filepath.Join(dir, "actual.html")
	if !bytes.Equal(exp, buf.Bytes()) {
		_ = os.WriteFile(actual, buf.Bytes(), 0o644)
		t.Errorf("%s differs from %s; see %s (go test ./components -update accepts it)", name, want, actual)
	} else {
		_ = os.Remove(actual)
	}
	doc, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestGoldenProductPage(t *testing.T) {
	s, st := fixture()
	p := st.Product("elder-wand")
	d := golden(t, "product", ProductPage(s, NewProductView(s, p, st.CollectionsOf(p))))
	if got := d.Find("[data-testid=product-title]").Text(); got != "Elder Wand" {
		t.Errorf("title = %q", got)
	}
	price := d.Find("[data-testid=product-price]").Text()
	if !strings.Contains(price, "$129.00") || !strings.Contains(price, "$149.00") || !strings.Contains(price, "Sale") {
		t.Errorf("price = %q", price)
	}
	if got := d.Find("[data-testid=availability]").Text(); got != "In stock – only 3 left" {
		t.Errorf("availability = %q", got)
	}
	if d.Find("select#variant option[disabled]").Text() != "13 in – $139.00 – Sold out" {
		t.Error("sold-out variant not disabled")
	}
	if got, _ := d.Find("label[for=variant]").Html(); got != "Choose Length" {
		t.Errorf("picker label = %q", got)
	}
	form := d.Find("form.buy")
	if m, _ := form.Attr("method"); m != "post" {
		t.Error("add to cart must work as a plain form post")
	}
	if a, _ := form.Attr("action"); a != "/s/wands/islands/cart/add" {
		t.Errorf("form action = %q", a)
	}
	// Landmarks and skip link.
	for _, sel := range []string{"header", "nav[aria-label=Collections]", "main#main", "footer", "a.skip[href='#main']"} {
		if d.Find(sel).Length() != 1 {
			t.Errorf("want one %s", sel)
		}
	}
	// Islands: placeholders with the ids their fragments swap in by, all
	// filled by one loader request on the same origin. Recording the view
	// is a POST (a GET never changes state), with the product.
	for _, id := range []string{"cart-badge", "recommendations", "wishlist-button", "recently-viewed"} {
		if got, _ := d.Find("[data-testid=" + id + "]").Attr("id"); got != id {
			t.Errorf("%s placeholder id = %q", id, got)
		}
	}
	if n := d.Find("[hx-trigger*=load]").Length(); n != 0 {
		t.Errorf("%d elements load on their own, want none (the loader is static/islands.js's)", n)
	}
	if n := d.Find("[data-islands-get],[data-islands-post]").Length(); n != 1 {
		t.Errorf("%d island loaders, want 1", n)
	}
	loader := d.Find("[data-testid=islands-loader]")
	if post, _ := loader.Attr("data-islands-post"); post != "/s/wands/islands/page" {
		t.Errorf("loader data-islands-post = %q", post)
	}
	if vals, _ := loader.Attr("data-islands-vals"); vals != `{"i":"cart/badge,wishlist/button,recommendations,recently-viewed","product":"elder-wand"}` {
		t.Errorf("loader data-islands-vals = %q", vals)
	}
	// htmx is not loaded by the page: islands.js loads it when the shopper
	// first acts, from the URL it is given.
	script := d.Find("head script[data-htmx]")
	if src, _ := script.Attr("src"); src != "/s/wands/assets/islands.0000000000.js" {
		t.Errorf("islands script src = %q", src)
	}
	if h, _ := script.Attr("data-htmx"); h != "/s/wands/assets/htmx.0000000000.js" {
		t.Errorf("islands script data-htmx = %q", h)
	}
	if n := d.Find("script[src*=htmx]").Length(); n != 0 {
		t.Errorf("%d scripts load htmx with the page", n)
	}
	if d.Find("[data-testid=recommendations] a[href='/s/wands/collections/wands/']").Length() != 1 {
		t.Error("recommendations fallback lacks the collection link")
	}
}

func TestGoldenSingleVariantProduct(t *testing.T) {
	s, st := fixture()
	p := st.Product("cloak")
	d := golden(t, "product-single", ProductPage(s, NewProductView(s, p, st.CollectionsOf(p))))
	if d.Find("select").Length() != 0 {
		t.Error("a one-variant product shows a picker")
	}
	if v, _ := d.Find("input[name=variant]").Attr("value"); v != "default" {
		t.Errorf("hidden variant = %q", v)
	}
}

func TestGoldenCollectionPage(t *testing.T) {
	s, st := fixture()
	c := st.Collection("wands")
	cards := []ProductCardView{NewCard(s, st.Product("cloak"))}
	v := NewCollectionView(s, c, catalog.SortPriceAsc, 2, 3, 5, cards)
	v.Filters = NewFilterView(s, c.Handle, facets.New(c.Products(), c.Sort, st.Currency).Apply(facets.Query{}, 2).Values(), facets.Query{Sort: catalog.SortPriceAsc}, nil)
	d := golden(t, "collection", CollectionPage(s, v))
	if d.Find("[data-testid=product-card]").Length() != 1 {
		t.Error("card count")
	}
	if href, _ := d.Find("a[rel=prev]").Attr("href"); href != "/s/wands/collections/wands/price-asc/" {
		t.Errorf("prev = %q", href)
	}
	if href, _ := d.Find("a[rel=next]").Attr("href"); href != "/s/wands/collections/wands/price-asc/page/3/" {
		t.Errorf("next = %q", href)
	}
	if d.Find(".pager [aria-current=page]").Text() != "Page 2" {
		t.Error("current page not marked")
	}
}

func TestGoldenHomePage(t *testing.T) {
	s, st := fixture()
	home := NewHomeView(s, []CollectionTeaser{NewTeaser(s, st.Collection("wands"))}, []ProductCardView{NewCard(s, st.Product("elder-wand"))})
	d := golden(t, "home", HomePage(s, home))
	card := d.Find("[data-testid=product-card]")
	if !strings.Contains(card.Find(".price").Text(), "From") {
		t.Error("a product whose variants differ in price shows 'From'")
	}
	if card.Find(".badge").Text() != "Sale" {
		t.Error("sale badge")
	}
}

func TestGoldenNotFound(t *testing.T) {
	s, _ := fixture()
	d := golden(t, "404", NotFoundPage(s, SimpleMeta(s, "Page not found", "", true)))
	if c, _ := d.Find("meta[name=robots]").Attr("content"); c != "noindex" {
		t.Error("404 must not be indexed")
	}
}

func TestVendoredHTMX(t *testing.T) {
	data, err := fs.ReadFile(Static, HTMXFile)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != HTMXSHA256 {
		t.Fatalf("vendored htmx hash %s, want %s (static/VENDORED.md)", got, HTMXSHA256)
	}
	notes, err := os.ReadFile("static/VENDORED.md")
	if err != nil || !bytes.Contains(notes, []byte(HTMXSHA256)) {
		t.Error("static/VENDORED.md does not record the vendored hash")
	}
}

func TestThemeContrast(t *testing.T) {
	if c := Contrast("#000000", "#ffffff"); c < 20.9 || c > 21.1 {
		t.Errorf("black/white contrast = %.2f", c)
	}
	for _, bg := range []string{"#4b2e83", "#ffeb3b", "#777777", "#fff", "#00ff00"} {
		on := onColor(bg)
		if Contrast(bg, on) < 4.5 && Contrast(bg, "#ffffff") < 4.5 && Contrast(bg, "#111111") < 4.5 {
			continue // neither works; nothing better exists
		}
		other := "#ffffff"
		if on == "#ffffff" {
			other = "#111111"
		}
		if Contrast(bg, on) < Contrast(bg, other) {
			t.Errorf("onColor(%s) = %s picks the worse contrast", bg, on)
		}
	}
	css := ThemeCSS(catalog.Theme{Colors: catalog.Colors{Primary: "#ffeb3b"}})
	if !strings.Contains(css, "--primary:#ffeb3b;--on-primary:#111111;") {
		t.Errorf("yellow primary should get dark text: %s", css)
	}
	if !strings.Contains(css, "--bg:"+DefaultTheme.Colors.Background) {
		t.Error("defaults not applied")
	}
}

func TestPlainText(t *testing.T) {
	got := PlainText("<p>Fish &amp; <b>chips</b></p>\n<script>x()</script><p>and   more text here</p>", 20)
	if got != "Fish & chips and…" {
		t.Errorf("PlainText = %q", got)
	}
}
