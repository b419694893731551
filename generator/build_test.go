package generator

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/wandstore/wandstore/catalog"
)

// shop is a small store: three products (one sold out, one on sale), a
// hand-picked and a smart collection, two products a page.
var shop = `
-- tea/store.yaml --
name: Test Tea
currency: USD
locale: en-US
description: Good tea.
theme:
  colors: { primary: "#224422" }
  logo: { src: images/logo.svg, alt: Test Tea }
settings:
  products_per_page: 2
  featured_collections: [green]
  featured_products: [sencha]
  contact_email: hi@tea.test
-- tea/images/logo.svg --
` + svg + `
-- tea/images/sencha.svg --
` + svg + `
-- tea/images/pot.svg --
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 20"><circle r="5"/></svg>
-- tea/products/sencha.md --
---
title: Sencha
vendor: Leaf Co
type: Tea
tags: [green, japan]
created: 2026-02-01
images: [{ src: images/sencha.svg, alt: A cup of sencha }]
options: [{ name: Size, values: [50g, 100g] }]
variants:
  - { sku: SEN-50, options: [50g], price: "8.00" }
  - { sku: SEN-100, options: [100g], price: "14.00", compare_at: "16.00", inventory: 0 }
---
A **fresh** green tea.
-- tea/products/matcha.md --
---
title: Matcha
vendor: Leaf Co
type: Tea
tags: [green]
created: 2026-03-01
price: "20.00"
compare_at: "25.00"
images: [{ src: images/sencha.svg, alt: Matcha powder }]
---
Stone-ground.
-- tea/products/teapot.md --
---
title: Teapot
type: Teaware
tags: [iron]
created: 2025-12-01
price: "60.00"
inventory: 0
images: [{ src: images/pot.svg, alt: An iron teapot }]
---
Cast iron.
-- tea/collections/green.yaml --
title: Green teas
rules:
  conditions: [{ field: tag, relation: equals, value: green }]
-- tea/collections/picks.yaml --
title: Staff picks
sort: price-desc
products: [teapot, sencha]
`

func TestBuildWritesEveryPage(t *testing.T) {
	s := newSite(t, shop)
	sum := s.build()
	if sum.Skipped != 0 || sum.Written != sum.Files || sum.Files == 0 {
		t.Fatalf("first build: %+v", sum)
	}
	for _, want := range []string{
		"s/tea/index.html",
		"s/tea/products/sencha/index.html", "s/tea/products/matcha/index.html", "s/tea/products/teapot/index.html",
		"s/tea/collections/green/index.html", // 2 products: one page
		"s/tea/collections/all/index.html", "s/tea/collections/all/page/2/index.html",
		"s/tea/collections/all/price-asc/index.html", "s/tea/collections/all/price-asc/page/2/index.html",
		"s/tea/collections/picks/newest/index.html",
		"s/tea/search/index.html", "s/tea/search.json", "s/tea/search-0.json", "s/tea/cart/index.html", "s/tea/404.html",
		"s/tea/sitemap.xml", "s/tea/sitemap-pages-1.xml", "s/tea/sitemap-products-0.xml", "s/tea/robots.txt",
		"index.html", "robots.txt", // the site's front door: every store was built
	} {
		if !s.exists(want) {
			t.Errorf("missing %s", want)
		}
	}
	if s.exists("s/tea/collections/green/page/2/index.html") {
		t.Error("a two-product collection got a second page")
	}

	// Assets are fingerprinted; pages refer to them by that name.
	assets, _ := filepath.Glob(filepath.Join(s.out, "s/tea/assets/*"))
	var names []string
	for _, a := range assets {
		if !IsCompressedCopy(a) { // checked in TestBuildWritesCompressedCopies
			names = append(names, filepath.Base(a))
		}
	}
	fp := regexp.MustCompile(`^(app|htmx-2\.0\.11\.min|islands|search|product|logo|sencha|pot)\.[0-9a-f]{10}\.(css|js|svg)$`)
	for _, n := range names {
		if !fp.MatchString(n) {
			t.Errorf("asset %q is not fingerprinted", n)
		}
	}
	if len(names) != 8 {
		t.Errorf("assets = %v, want app.css, htmx, islands.js, search.js, product.js and 3 images", names)
	}
	home := s.doc("s/tea/index.html")
	css, _ := home.Find(`link[rel=stylesheet]`).Attr("href")
	if !s.exists(strings.TrimPrefix(css, "/")) || !strings.HasPrefix(css, "/s/tea/assets/app.") {
		t.Errorf("stylesheet %q is not a published asset", css)
	}
	if !strings.Contains(s.read(strings.TrimPrefix(css, "/")), "--primary:#224422") {
		t.Error("theme colour missing from the stylesheet")
	}
	// The page loads the islands script, which loads htmx (published, by
	// its fingerprinted name) on the shopper's first action.
	script := home.Find(`script[src]`)
	if src, _ := script.Attr("src"); !strings.HasPrefix(src, "/s/tea/assets/islands.") {
		t.Errorf("islands script = %q", src)
	}
	if h, _ := script.Attr("data-htmx"); !strings.HasPrefix(h, "/s/tea/assets/htmx-2.0.11.min.") || !s.exists(strings.TrimPrefix(h, "/")) {
		t.Errorf("htmx URL %q is not a published htmx", h)
	}
	if d, _ := script.Attr("defer"); home.Find(`script[src][defer]`).Length() != 1 {
		t.Errorf("the islands script must be deferred (no render-blocking script), defer=%q", d)
	}
}

func TestProductPage(t *testing.T) {
	s := newSite(t, shop)
	s.build()
	d := s.doc("s/tea/products/sencha/index.html")
	if got := d.Find("title").Text(); got != "Sencha – Test Tea" {
		t.Errorf("title = %q", got)
	}
	if got, _ := d.Find(`link[rel=canonical]`).Attr("href"); got != "https://shop.test/s/tea/products/sencha/" {
		t.Errorf("canonical = %q", got)
	}
	if got, _ := d.Find(`meta[property="og:type"]`).Attr("content"); got != "product" {
		t.Errorf("og:type = %q", got)
	}
	if got, ok := d.Find(`meta[property="og:image"]`).Attr("content"); ok {
		t.Errorf("og:image = %q: previews do not show an SVG (TestRasterImagesGetSrcset has a photo's)", got)
	}
	if got := d.Find(`[data-testid=product-price]`).Text(); !strings.Contains(got, "$8.00") {
		t.Errorf("price = %q", got)
	}
	opts := d.Find(`select[name=variant] option`)
	if opts.Length() != 2 {
		t.Fatalf("variant options = %d", opts.Length())
	}
	if _, disabled := opts.Eq(1).Attr("disabled"); !disabled {
		t.Error("sold-out variant is selectable")
	}
	if _, sel := opts.Eq(0).Attr("selected"); !sel {
		t.Error("first available variant not selected")
	}
	if d.Find(`.description strong`).Text() != "fresh" {
		t.Error("Markdown description not rendered")
	}
	img := d.Find(`.gallery img`).First()
	for _, a := range []string{"alt", "width", "height"} {
		if v, _ := img.Attr(a); v == "" {
			t.Errorf("gallery image has no %s", a)
		}
	}
	if w, _ := img.Attr("width"); w != "400" {
		t.Errorf("image width = %q, want 400 (read from the SVG)", w)
	}

	ld := jsonLD(t, d)
	prod := ld["Product"]
	if prod == nil || prod["name"] != "Sencha" {
		t.Fatalf("Product JSON-LD = %v", prod)
	}
	offers := prod["offers"].([]any)
	if len(offers) != 2 {
		t.Fatalf("offers = %d, want one per variant", len(offers))
	}
	o1 := offers[1].(map[string]any)
	if o1["price"] != "14.00" || o1["priceCurrency"] != "USD" || o1["availability"] != "https://schema.org/OutOfStock" || o1["sku"] != "SEN-100" {
		t.Errorf("offer = %v", o1)
	}
	crumbs := ld["BreadcrumbList"]["itemListElement"].([]any)
	if len(crumbs) != 3 || crumbs[1].(map[string]any)["name"] != "Green teas" {
		t.Errorf("breadcrumbs = %v", crumbs)
	}
	if ld := jsonLD(t, s.doc("s/tea/index.html")); ld["Organization"]["email"] != "hi@tea.test" {
		t.Errorf("Organization JSON-LD = %v", ld["Organization"])
	}
}

func TestCollectionPagesSortAndPage(t *testing.T) {
	s := newSite(t, shop)
	s.build()
	titles := func(rel string) []string {
		var out []string
		s.doc(rel).Find(`[data-testid=product-card] h3`).Each(func(_ int, sel *goquery.Selection) {
			out = append(out, sel.Text())
		})
		return out
	}
	// Manual order of "all" is source (file name) order: matcha, sencha, teapot.
	if got := titles("s/tea/collections/all/index.html"); !slices.Equal(got, []string{"Matcha", "Sencha"}) {
		t.Errorf("all p1 = %v", got)
	}
	if got := titles("s/tea/collections/all/page/2/index.html"); !slices.Equal(got, []string{"Teapot"}) {
		t.Errorf("all p2 = %v", got)
	}
	// Price ascending uses the lowest available price: sencha 8, matcha 20, teapot 60.
	if got := titles("s/tea/collections/all/price-asc/index.html"); !slices.Equal(got, []string{"Sencha", "Matcha"}) {
		t.Errorf("price-asc = %v", got)
	}
	if got := titles("s/tea/collections/all/newest/index.html"); !slices.Equal(got, []string{"Matcha", "Sencha"}) {
		t.Errorf("newest = %v", got)
	}
	// A collection's own default sort (picks: price-desc).
	if got := titles("s/tea/collections/picks/index.html"); !slices.Equal(got, []string{"Teapot", "Sencha"}) {
		t.Errorf("picks = %v", got)
	}
	d := s.doc("s/tea/collections/all/price-asc/page/2/index.html")
	if got, _ := d.Find(`link[rel=canonical]`).Attr("href"); got != "https://shop.test/s/tea/collections/all/page/2/" {
		t.Errorf("re-sorted page canonical = %q", got)
	}
	if got, _ := d.Find(`a[rel=prev]`).Attr("href"); got != "/s/tea/collections/all/price-asc/" {
		t.Errorf("prev = %q", got)
	}
	if got, _ := d.Find(`.sort a[aria-current=page]`).Attr("href"); got != "/s/tea/collections/all/price-asc/" {
		t.Errorf("current sort link = %q", got)
	}
	if got := d.Find(`[data-testid=collection-count]`).Text(); got != "3 products" {
		t.Errorf("count = %q", got)
	}
}

func TestSecondBuildRendersAndWritesNothing(t *testing.T) {
	s := newSite(t, shop)
	first := s.build()
	before := snapshot(t, s.out)
	sum := s.build()
	if sum.Rendered != 0 || sum.Written != 0 || sum.Deleted != 0 || sum.Skipped != first.Files {
		t.Fatalf("no-change build: %+v", sum)
	}
	if after := snapshot(t, s.out); !mapsEqual(before, after) {
		t.Error("a no-change build touched files")
	}
}

func TestOneProductChangeRerendersOnlyItsPages(t *testing.T) {
	s := newSite(t, shop)
	s.build()
	s.edit("tea/products/teapot.md", `price: "60.00"`, `price: "5.00"`)
	sum := s.build()

	// The teapot's page, the listings that show it (every sort of "all"
	// and "picks", since its price moved it), the search index. Not the
	// other products, not "green" (no teapot), not the home page (teapot
	// is not featured), not sitemaps.
	for _, p := range sum.Changed {
		if strings.Contains(p, "/products/") && p != "s/tea/products/teapot/index.html" {
			t.Errorf("another product was written: %s", p)
		}
		if strings.Contains(p, "/collections/green/") || p == "s/tea/index.html" || strings.Contains(p, "sitemap") || strings.Contains(p, "/assets/") {
			t.Errorf("unrelated file written: %s", p)
		}
	}
	for _, want := range []string{"s/tea/products/teapot/index.html", "s/tea/collections/all/price-asc/index.html", "s/tea/collections/picks/index.html", "s/tea/search.json"} {
		if !slices.Contains(sum.Changed, want) {
			t.Errorf("%s not rewritten; changed: %v", want, sum.Changed)
		}
	}
	if sum.Rendered > 20 || sum.Skipped < sum.Files/2 {
		t.Errorf("rendered %d of %d files for a one-product change", sum.Rendered, sum.Files)
	}
	if !strings.Contains(s.read("s/tea/products/teapot/index.html"), "$5.00") {
		t.Error("new price not on the product page")
	}
}

func TestDeletedProductIsUnpublished(t *testing.T) {
	s := newSite(t, shop)
	s.build()
	delete(s.fs, "tea/products/matcha.md")
	sum := s.build()
	if s.exists("s/tea/products/matcha/index.html") || s.exists("s/tea/products/matcha") {
		t.Error("deleted product's page is still published")
	}
	if !slices.Contains(sum.Removed, "s/tea/products/matcha/index.html") {
		t.Errorf("removed = %v", sum.Removed)
	}
	// "all" shrank from two pages to... 2 products, one page.
	if s.exists("s/tea/collections/all/page/2/index.html") {
		t.Error("stale second page of all")
	}
}

func TestMissingOutputFileIsRepaired(t *testing.T) {
	s := newSite(t, shop)
	s.build()
	os.Remove(filepath.Join(s.out, "s/tea/products/sencha/index.html"))
	sum := s.build(func(o *Options) { o.Verify = true }) // a build trusts a folder it sealed (TestRebuildTrustsOnlyASealedFolder)
	if sum.Written != 1 || !s.exists("s/tea/products/sencha/index.html") {
		t.Errorf("repair build: %+v", sum)
	}
}

func TestRenderVersionChangeRerendersAll(t *testing.T) {
	s := newSite(t, shop)
	first := s.build()
	sum := s.build(func(o *Options) { o.RenderVersion = "other" })
	// Every page is re-rendered; assets' inputs are their bytes, so they
	// are not. Bytes did not change, so nothing is written.
	if sum.Rendered == 0 || sum.Written != 0 || sum.Rendered+sum.Skipped != first.Files {
		t.Errorf("render version change: %+v", sum)
	}
}

func TestBadContentWritesNothing(t *testing.T) {
	s := newSite(t, shop)
	s.edit("tea/products/sencha.md", `price: "14.00"`, `price: "-14.00"`)
	s.edit("tea/collections/picks.yaml", `[teapot, sencha]`, `[teapot, senna]`)
	_, err := Build(context.Background(), s.options())
	var ve catalog.ValidationErrors
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want ValidationErrors", err)
	}
	msg := err.Error()
	for _, want := range []string{
		`validate: `,
		`tea: products/sencha.md: variants[1].price: "-14.00" must not be negative`,
		`tea: collections/picks.yaml: products[1]: no product "senna"`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if entries, _ := os.ReadDir(s.out); len(entries) != 0 {
		t.Errorf("output written despite bad content: %v", entries)
	}
}

func TestBrokenFileAfterGoodBuildKeepsOutput(t *testing.T) {
	s := newSite(t, shop)
	s.build()
	before := snapshot(t, s.out)
	s.write("tea/products/matcha.md", "---\ntitle: [unclosed\n---\n")
	_, err := Build(context.Background(), s.options())
	if err == nil || !strings.Contains(err.Error(), "tea: products/matcha.md:") || !strings.HasPrefix(err.Error(), "load: ") {
		t.Fatalf("err = %v", err)
	}
	if after := snapshot(t, s.out); !mapsEqual(before, after) {
		t.Error("a failed build changed the output")
	}
}

func TestSitemapShards(t *testing.T) {
	s := newSite(t, shop)
	s.build(func(o *Options) { o.SitemapShardSize = 3 })
	// URLs: home, all (2 pages), green, picks = 5 pages -> 2 shards of
	// pages; 3 products, by a hash of their handles, over shards of at
	// most 3.
	index := s.read("s/tea/sitemap.xml")
	locs := regexp.MustCompile(`<loc>https://shop.test/s/tea/(sitemap-[a-z]+-[0-9]+\.xml)</loc>`).FindAllStringSubmatch(index, -1)
	if len(locs) != strings.Count(index, "<sitemap>") || len(locs) < 3 {
		t.Fatalf("index:\n%s", index)
	}
	var all string
	pages, products := 0, 0
	for _, m := range locs {
		shard := s.read("s/tea/" + m[1])
		n := strings.Count(shard, "<url>")
		if n > 3 {
			t.Errorf("%s has %d URLs", m[1], n)
		}
		if strings.HasPrefix(m[1], "sitemap-pages-") {
			pages += n
		} else {
			products += n
		}
		all += shard
	}
	if pages != 5 || products != 3 {
		t.Errorf("sitemaps hold %d pages and %d products, want 5 and 3", pages, products)
	}
	if !strings.Contains(all, "<loc>https://shop.test/s/tea/products/matcha/</loc><lastmod>2026-03-01</lastmod>") {
		t.Errorf("product URL with lastmod missing:\n%s", all)
	}
	if strings.Contains(all, "price-asc") {
		t.Error("re-sorted listings belong out of the sitemap")
	}
	robots := s.read("s/tea/robots.txt")
	if !strings.Contains(robots, "Sitemap: https://shop.test/s/tea/sitemap.xml") || !strings.Contains(robots, "Disallow: /s/tea/islands/") {
		t.Errorf("robots.txt:\n%s", robots)
	}
}

func TestSearchIndex(t *testing.T) {
	s := newSite(t, shop)
	s.build()
	var index struct{ Shards []string }
	if err := json.Unmarshal([]byte(s.read("s/tea/search.json")), &index); err != nil {
		t.Fatal(err)
	}
	var entries []map[string]any
	for _, u := range index.Shards {
		path, v, _ := strings.Cut(strings.TrimPrefix(u, "/"), "?v=")
		data := s.read(path)
		if v == "" || !strings.HasPrefix(digest([]byte(data)), v) {
			t.Errorf("shard %s: the index names it by a digest its bytes do not have", u)
		}
		var es []map[string]any
		if err := json.Unmarshal([]byte(data), &es); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, es...)
	}
	if len(entries) != 3 {
		t.Fatalf("index has %d products", len(entries))
	}
	i := slices.IndexFunc(entries, func(e map[string]any) bool { return e["title"] == "Sencha" })
	if i < 0 {
		t.Fatalf("no Sencha in %v", entries)
	}
	if e := entries[i]; e["url"] != "/s/tea/products/sencha/" || e["price"] != "From $8.00" || e["vendor"] != "Leaf Co" {
		t.Errorf("entry = %v", e)
	}
}

func TestDraftProductsAreNotPublished(t *testing.T) {
	s := newSite(t, shop)
	s.edit("tea/products/matcha.md", "title: Matcha", "title: Matcha\nstatus: draft")
	s.build()
	if s.exists("s/tea/products/matcha/index.html") {
		t.Error("draft product published")
	}
	if strings.Contains(s.read("s/tea/search-0.json"), "Matcha") || strings.Contains(s.read("s/tea/collections/green/index.html"), "Matcha") {
		t.Error("draft product listed")
	}
}

func TestStoresMustNotOverlap(t *testing.T) {
	s := newSite(t, shop+`
-- two/store.yaml --
name: Two
currency: EUR
base_url: https://shop.test/s/tea/two/
-- two/products/x.md --
---
title: X
price: "1.00"
---
`)
	_, err := Build(context.Background(), s.options())
	if err == nil || !strings.Contains(err.Error(), "overlaps store") {
		t.Fatalf("err = %v", err)
	}
}

func TestOnlySelectedStoresAreBuilt(t *testing.T) {
	s := newSite(t, shop+`
-- two/store.yaml --
name: Two
currency: JPY
locale: ja-JP
-- two/products/x.md --
---
title: X
price: "1200"
---
`)
	s.build(func(o *Options) { o.Stores = []string{"two"} })
	if s.exists("s/tea/index.html") || s.exists("index.html") {
		t.Error("unselected store or site index built")
	}
	if got := s.doc("s/two/products/x/index.html").Find(`[data-testid=product-price]`).Text(); !strings.Contains(got, "¥1,200") {
		t.Errorf("JPY price = %q", got)
	}
	_, err := Build(context.Background(), Options{Source: s.options().Source, Out: s.out, Stores: []string{"nope"}})
	if err == nil || !strings.Contains(err.Error(), `no store "nope"`) {
		t.Errorf("unknown store: %v", err)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// A server that did not build computes the same Site (asset names) as the
// build that published the store.
func TestSiteMatchesTheBuild(t *testing.T) {
	s := newSite(t, shop)
	sum := s.build()
	built := sum.Sites["tea"]
	if built == nil || len(sum.Catalogs) != 1 {
		t.Fatalf("summary lacks the store's Site: %+v", sum.Sites)
	}
	got, err := Site(sum.Catalogs[0], "https://shop.test/")
	if err != nil {
		t.Fatal(err)
	}
	if got.CSS != built.CSS || got.HTMX != built.HTMX || got.IslandsJS != built.IslandsJS || got.SearchJS != built.SearchJS ||
		got.BaseURL != built.BaseURL || !maps.Equal(got.Images, built.Images) || len(got.Nav) != len(built.Nav) {
		t.Errorf("Site() = %+v\nbuild published %+v", got, built)
	}
	if !s.exists(strings.TrimPrefix(got.CSS, "/")) {
		t.Errorf("Site's stylesheet %s was not published", got.CSS)
	}
}
