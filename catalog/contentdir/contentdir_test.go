package contentdir

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/wandstore/wandstore/catalog"
)

// tinyPNG is a 7x5 PNG made here, so its size is known without trusting the
// code under test.
func tinyPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 7, 5))
	img.Set(1, 1, color.NRGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// webpVP8X is the start of an extended-format WebP, as the WebP container
// specification lays it out: RIFF header, then a VP8X chunk whose payload is
// 4 bytes of flags and reserved, then canvas width-1 and height-1 as 24-bit
// little-endian numbers.
func webpVP8X(w, h int) []byte {
	b := []byte("RIFF\x00\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00")
	for _, n := range []int{w - 1, h - 1} {
		b = append(b, byte(n), byte(n>>8), byte(n>>16))
	}
	return append(b, make([]byte, 16)...)
}

// webpVP8L is a lossless WebP header: the signature byte 0x2f, then 14 bits
// of width-1 and 14 of height-1, least significant first.
func webpVP8L(w, h int) []byte {
	b := []byte("RIFF\x00\x00\x00\x00WEBPVP8L\x00\x00\x00\x00\x2f")
	bits := uint32(w-1) | uint32(h-1)<<14
	b = append(b, byte(bits), byte(bits>>8), byte(bits>>16), byte(bits>>24))
	return append(b, make([]byte, 16)...)
}

// webpVP8 is a lossy WebP: a key frame's 3-byte tag, the start code
// 9d 01 2a, then 16-bit width and height.
func webpVP8(w, h int) []byte {
	b := []byte("RIFF\x00\x00\x00\x00WEBPVP8 \x00\x00\x00\x00\x10\x02\x00\x9d\x01\x2a")
	b = append(b, byte(w), byte(w>>8), byte(h), byte(h>>8))
	return append(b, make([]byte, 16)...)
}

const goodStoreYAML = `# The demo store.
name: Magic Wands Emporium
currency: usd
description: Hand-made wands since 1850.
base_url: https://wands.example/
theme:
  colors: { primary: "#4b2e83", accent: "#c98a12" }
  fonts:
    heading: Georgia, "Times New Roman", serif
  logo: { src: images/logo.svg, alt: Magic Wands Emporium }
settings:
  products_per_page: 12
  featured_collections: [wands]
  featured_products: [elder-wand]
  announcement: Free owl delivery
  contact_email: hello@wands.example
`

const elderWandMD = `---
title: Elder Wand
vendor: Ollivanders
type: Wand
tags: [elder, legendary]
created: 2026-03-01
seo: { title: "The Elder Wand | Magic Wands", description: "The most powerful wand." }
images:
  - { src: images/elder.svg, alt: An elder wand }
  - { src: images/photo.png, alt: A photo }
  - { src: images/half.svg, alt: Half, width: 50 }
options:
  - { name: Wood, values: [Elder, Oak] }
  - { name: Length, values: [11 in, 13 in] }
variants:
  - { sku: EW-EL-11, options: [Elder, 11 in], price: "129.00", compare_at: "149.00", inventory: 3 }
  - { sku: EW-EL-13, options: [Elder, 13 in], price: "139.00", inventory: 0 }
  - { options: [Oak, 11 in], price: 99.5, image: 1 }
  - { options: [Oak, 13 in], price: "99.00", inventory: 5, available: false }
---
The **Elder Wand** is the most ~~ordinary~~ powerful wand.
`

func goodStore(t *testing.T) fstest.MapFS {
	return fstest.MapFS{
		"README.md":                           {Data: []byte("not a store")},
		"magic-wands/store.yaml":              {Data: []byte(goodStoreYAML)},
		"magic-wands/products/elder-wand.md":  {Data: []byte(elderWandMD)},
		"magic-wands/products/.draft-copy.md": {Data: []byte("not read")},
		"magic-wands/products/notes.txt":      {Data: []byte("not read")},
		"magic-wands/products/holly-wand.md": {Data: []byte(`---
title: Holly Wand
price: "50.00"
compare_at: "60"
sku: HW-1
inventory: 0
created: 2026-03-02T10:30:00+01:00
images: [{ src: images/holly.webp }, { src: images/ash.webp }, { src: images/oak.webp }]
---
`)},
		"magic-wands/products/cloak.md": {Data: []byte(`---
title: Invisibility Cloak
status: archived
price: 500
available: false
---
`)},
		"magic-wands/products/hat.md": {Data: []byte("---\ntitle: Hat\nprice: \"5\"\n---\n")},
		"magic-wands/collections/wands.yaml": {Data: []byte(`title: Wands
description: Every *wand* we make.
image: { src: images/logo.svg, alt: Wands }
sort: price-asc
products: [elder-wand, holly-wand]
seo: { title: Wands, description: Hand-made wands. }
`)},
		"magic-wands/collections/on-sale.yml": {Data: []byte(`title: On sale
rules:
  match: any
  conditions:
    - { field: compare_at_price, relation: greater_than, value: "0" }
    - { field: tag, relation: equals, value: legendary }
`)},
		"magic-wands/collections/notes.md": {Data: []byte("not read")},
		"magic-wands/images/logo.svg":      {Data: []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="120" height="40px" stroke-width="3"><rect/></svg>`)},
		"magic-wands/images/elder.svg":     {Data: []byte("<svg xmlns=\"http://www.w3.org/2000/svg\"\n  viewBox=\"0 0 300 150\">\n</svg>")},
		"magic-wands/images/half.svg":      {Data: []byte(`<svg width="200" viewBox="0,0,100,50"></svg>`)},
		"magic-wands/images/photo.png":     {Data: tinyPNG(t)},
		"magic-wands/images/holly.webp":    {Data: webpVP8X(640, 480)},
		"magic-wands/images/ash.webp":      {Data: webpVP8L(300, 200)},
		"magic-wands/images/oak.webp":      {Data: webpVP8(321, 123)},
		"no-store/products/x.md":           {Data: []byte("---\ntitle: x\n---\n")},
		"other-store/store.yaml":           {Data: []byte("name: Other\ncurrency: JPY\nlocale: ja-JP\n")},
	}
}

func TestStores(t *testing.T) {
	got, err := New(goodStore(t)).Stores(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"magic-wands", "other-store"}; !slices.Equal(got, want) {
		t.Errorf("Stores() = %q, want %q", got, want)
	}
	got, err = New(fstest.MapFS{}).Stores(context.Background())
	if err != nil || len(got) != 0 {
		t.Errorf("Stores() of an empty folder = %q, %v", got, err)
	}
}

func TestLoadMissingStore(t *testing.T) {
	src := New(goodStore(t))
	for _, h := range []string{"nope", "no-store", "../magic-wands", "magic-wands/products", ".", "", "/magic-wands"} {
		st, err := src.Load(context.Background(), h)
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Load(%q) = %v, %v; want an error wrapping fs.ErrNotExist", h, st, err)
		}
	}
}

func TestLoadGoodStore(t *testing.T) {
	st, err := New(goodStore(t)).Load(context.Background(), "magic-wands")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Validate(); err != nil {
		t.Fatalf("the good store does not validate:\n%v", err)
	}

	// store.yaml
	if st.Handle != "magic-wands" || st.Name != "Magic Wands Emporium" || st.Description != "Hand-made wands since 1850." {
		t.Errorf("store = %q %q %q", st.Handle, st.Name, st.Description)
	}
	if st.Currency != "USD" {
		t.Errorf("Currency = %q, want USD (upper-cased)", st.Currency)
	}
	if st.Locale != "en-US" {
		t.Errorf("Locale = %q, want the default en-US", st.Locale)
	}
	if st.BaseURL != "https://wands.example/" {
		t.Errorf("BaseURL = %q", st.BaseURL)
	}
	wantTheme := catalog.Theme{
		Colors: catalog.Colors{Primary: "#4b2e83", Accent: "#c98a12"},
		Fonts:  catalog.Fonts{Heading: `Georgia, "Times New Roman", serif`},
		Logo:   catalog.Image{Src: "images/logo.svg", Alt: "Magic Wands Emporium", Width: 120, Height: 40},
	}
	if st.Theme != wantTheme {
		t.Errorf("Theme = %+v\nwant %+v", st.Theme, wantTheme)
	}
	set := st.Settings
	if set.ProductsPerPage != 12 || !slices.Equal(set.FeaturedCollections, []string{"wands"}) ||
		!slices.Equal(set.FeaturedProducts, []string{"elder-wand"}) || set.Announcement != "Free owl delivery" ||
		set.ContactEmail != "hello@wands.example" {
		t.Errorf("Settings = %+v", set)
	}
	if _, err := fs.Stat(st.Assets, "images/photo.png"); err != nil {
		t.Errorf("Assets does not hold the store's images: %v", err)
	}

	// Products are read in file-name order; hidden and non-.md files are not.
	var hs []string
	for _, p := range st.Products {
		hs = append(hs, p.Handle)
	}
	if want := []string{"cloak", "elder-wand", "hat", "holly-wand"}; !slices.Equal(hs, want) {
		t.Fatalf("products = %q, want %q", hs, want)
	}

	p := st.Product("elder-wand")
	if p.Title != "Elder Wand" || p.Vendor != "Ollivanders" || p.Type != "Wand" || p.File != "products/elder-wand.md" ||
		!slices.Equal(p.Tags, []string{"elder", "legendary"}) || p.Status != "" {
		t.Errorf("elder-wand = %+v", p)
	}
	if p.SEO != (catalog.SEO{Title: "The Elder Wand | Magic Wands", Description: "The most powerful wand."}) {
		t.Errorf("SEO = %+v", p.SEO)
	}
	if want := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC); !p.CreatedAt.Equal(want) {
		t.Errorf("CreatedAt = %v, want %v", p.CreatedAt, want)
	}
	if !p.UpdatedAt.IsZero() {
		t.Errorf("UpdatedAt = %v, want zero", p.UpdatedAt)
	}
	wantHTML := "<p>The <strong>Elder Wand</strong> is the most <del>ordinary</del> powerful wand.</p>\n"
	if p.DescriptionHTML != wantHTML {
		t.Errorf("DescriptionHTML = %q, want %q", p.DescriptionHTML, wantHTML)
	}
	wantImages := []catalog.Image{
		{Src: "images/elder.svg", Alt: "An elder wand", Width: 300, Height: 150}, // from the viewBox
		{Src: "images/photo.png", Alt: "A photo", Width: 7, Height: 5},
		{Src: "images/half.svg", Alt: "Half", Width: 50, Height: 25}, // 200x100 scaled to the given width
	}
	if !slices.Equal(p.Images, wantImages) {
		t.Errorf("Images = %+v\nwant %+v", p.Images, wantImages)
	}
	wantOptions := []catalog.Option{{Name: "Wood", Values: []string{"Elder", "Oak"}}, {Name: "Length", Values: []string{"11 in", "13 in"}}}
	if len(p.Options) != 2 || p.Options[0].Name != "Wood" || !slices.Equal(p.Options[0].Values, wantOptions[0].Values) ||
		p.Options[1].Name != "Length" || !slices.Equal(p.Options[1].Values, wantOptions[1].Values) {
		t.Errorf("Options = %+v", p.Options)
	}
	usd := func(a int64) catalog.Money { return catalog.Money{Amount: a, Currency: "USD"} }
	wantVariants := []catalog.Variant{
		{ID: "EW-EL-11", SKU: "EW-EL-11", Title: "Elder / 11 in", Options: []string{"Elder", "11 in"},
			Price: usd(12900), CompareAt: usd(14900), Available: true, Inventory: 3, Tracked: true, Image: -1},
		{ID: "EW-EL-13", SKU: "EW-EL-13", Title: "Elder / 13 in", Options: []string{"Elder", "13 in"},
			Price: usd(13900), Available: false, Inventory: 0, Tracked: true, Image: -1},
		// No SKU: the id is made from the options. An unquoted price is
		// read as written, not through a float.
		{ID: "oak-11-in", Title: "Oak / 11 in", Options: []string{"Oak", "11 in"},
			Price: usd(9950), Available: true, Image: 1},
		{ID: "oak-13-in", Title: "Oak / 13 in", Options: []string{"Oak", "13 in"},
			Price: usd(9900), Available: false, Inventory: 5, Tracked: true, Image: -1},
	}
	checkVariants(t, p, wantVariants)

	// The one-variant shorthand.
	holly := st.Product("holly-wand")
	checkVariants(t, holly, []catalog.Variant{{ID: "HW-1", SKU: "HW-1", Title: "Default Title",
		Price: usd(5000), CompareAt: usd(6000), Available: false, Tracked: true, Inventory: 0, Image: -1}})
	if want := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC); !holly.CreatedAt.Equal(want) || holly.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt = %v, want %v in UTC", holly.CreatedAt, want)
	}
	wantWebP := []catalog.Image{
		{Src: "images/holly.webp", Width: 640, Height: 480},
		{Src: "images/ash.webp", Width: 300, Height: 200},
		{Src: "images/oak.webp", Width: 321, Height: 123},
	}
	if !slices.Equal(holly.Images, wantWebP) {
		t.Errorf("WebP images = %+v\nwant %+v", holly.Images, wantWebP)
	}
	if holly.DescriptionHTML != "" {
		t.Errorf("an empty description gives %q", holly.DescriptionHTML)
	}
	cloak := st.Product("cloak")
	if cloak.Status != catalog.StatusArchived {
		t.Errorf("cloak status = %q", cloak.Status)
	}
	// available: false with no inventory: sold out, inventory not tracked.
	checkVariants(t, cloak, []catalog.Variant{{ID: "default", Title: "Default Title", Price: usd(50000), Available: false, Image: -1}})
	// No inventory: not tracked, always available.
	checkVariants(t, st.Product("hat"), []catalog.Variant{{ID: "default", Title: "Default Title", Price: usd(500), Available: true, Image: -1}})

	// Collections: .yaml and .yml, in file-name order.
	if len(st.Collections) != 2 || st.Collections[0].Handle != "on-sale" || st.Collections[1].Handle != "wands" {
		t.Fatalf("collections = %+v", st.Collections)
	}
	wands := st.Collection("wands")
	if wands.Title != "Wands" || wands.Sort != catalog.SortPriceAsc || wands.File != "collections/wands.yaml" ||
		!slices.Equal(wands.ProductHandles, []string{"elder-wand", "holly-wand"}) || wands.Rules != nil ||
		wands.SEO != (catalog.SEO{Title: "Wands", Description: "Hand-made wands."}) {
		t.Errorf("wands = %+v", wands)
	}
	if wands.DescriptionHTML != "<p>Every <em>wand</em> we make.</p>\n" {
		t.Errorf("wands description = %q", wands.DescriptionHTML)
	}
	if wands.Image != (catalog.Image{Src: "images/logo.svg", Alt: "Wands", Width: 120, Height: 40}) {
		t.Errorf("wands image = %+v", wands.Image)
	}
	sale := st.Collection("on-sale")
	wantRules := &catalog.Rules{MatchAny: true, Conditions: []catalog.Condition{
		{Field: "compare_at_price", Relation: "greater_than", Value: "0"},
		{Field: "tag", Relation: "equals", Value: "legendary"},
	}}
	if sale.Sort != catalog.SortManual || sale.Rules == nil || sale.Rules.MatchAny != wantRules.MatchAny ||
		!slices.Equal(sale.Rules.Conditions, wantRules.Conditions) {
		t.Errorf("on-sale = %+v, rules %+v", sale, sale.Rules)
	}
	// Load indexes the store: members are resolved (the archived cloak is
	// not one).
	var members []string
	for _, p := range sale.Products() {
		members = append(members, p.Handle)
	}
	if want := []string{"elder-wand", "holly-wand"}; !slices.Equal(members, want) {
		t.Errorf("on-sale members = %q, want %q", members, want)
	}

	other, err := New(goodStore(t)).Load(context.Background(), "other-store")
	if err != nil {
		t.Fatal(err)
	}
	if other.Currency != "JPY" || other.Locale != "ja-JP" || len(other.Products) != 0 || len(other.Collections) != 0 {
		t.Errorf("other-store = %+v", other)
	}
}

func checkVariants(t *testing.T, p *catalog.Product, want []catalog.Variant) {
	t.Helper()
	if len(p.Variants) != len(want) {
		t.Fatalf("%s has %d variants, want %d: %+v", p.Handle, len(p.Variants), len(want), p.Variants)
	}
	for i, w := range want {
		g := p.Variants[i]
		if g.ID != w.ID || g.SKU != w.SKU || g.Title != w.Title || !slices.Equal(g.Options, w.Options) ||
			g.Price != w.Price || g.CompareAt.Amount != w.CompareAt.Amount || g.Available != w.Available ||
			g.Inventory != w.Inventory || g.Tracked != w.Tracked || g.Image != w.Image {
			t.Errorf("%s variants[%d] = %+v\nwant %+v", p.Handle, i, g, w)
		}
	}
}

// Variant ids stay unique when option values slug alike.
func TestVariantIDs(t *testing.T) {
	fsys := fstest.MapFS{
		"s/store.yaml": {Data: []byte("name: S\ncurrency: EUR\n")},
		"s/products/p.md": {Data: []byte(`---
title: P
options: [{ name: Size, values: ["A b", "A-B", "a/b", "Größe"] }]
variants:
  - { options: ["A b"], price: "1" }
  - { options: ["A-B"], price: "1" }
  - { options: ["a/b"], price: "1" }
  - { options: ["Größe"], price: "1" }
---
`)},
	}
	st, err := New(fsys).Load(context.Background(), "s")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range st.Products[0].Variants {
		ids = append(ids, v.ID)
	}
	if want := []string{"a-b", "a-b-2", "a-b-3", "gr-e"}; !slices.Equal(ids, want) {
		t.Errorf("ids = %q, want %q", ids, want)
	}
}

// Editors on Windows write a byte-order mark and CRLF line ends.
func TestLoadBOMAndCRLF(t *testing.T) {
	crlf := func(s string) []byte { return []byte("\ufeff" + strings.ReplaceAll(s, "\n", "\r\n")) }
	fsys := fstest.MapFS{
		"s/store.yaml": {Data: crlf("name: S\ncurrency: EUR\nlocale: de-DE\n")},
		"s/products/p.md": {Data: crlf(`---
title: Zauberstab
options: [{ name: Holz, values: [Eiche] }]
variants:
  - { options: [Eiche], price: "12.50" }
---
Ein **starker** Stab.

--- 
Mehr.
`)},
		"s/collections/c.yaml": {Data: crlf("title: Alle\nproducts: [p]\n")},
	}
	st, err := New(fsys).Load(context.Background(), "s")
	if err != nil {
		t.Fatal(err)
	}
	if st.Name != "S" || st.Currency != "EUR" || st.Locale != "de-DE" {
		t.Errorf("store = %q %q %q", st.Name, st.Currency, st.Locale)
	}
	p := st.Products[0]
	if p.Title != "Zauberstab" || p.Variants[0].Price.Amount != 1250 || p.Variants[0].Options[0] != "Eiche" {
		t.Errorf("product = %+v", p)
	}
	if !strings.Contains(p.DescriptionHTML, "<strong>starker</strong>") || !strings.Contains(p.DescriptionHTML, "Mehr.") {
		t.Errorf("description = %q", p.DescriptionHTML)
	}
	if c := st.Collections[0]; c.Title != "Alle" || !slices.Equal(c.ProductHandles, []string{"p"}) {
		t.Errorf("collection = %+v", c)
	}
	if err := st.Validate(); err != nil {
		t.Error(err)
	}
}

// A real folder on disk, read through os.DirFS.
func TestLoadDirFS(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{
		"shop/store.yaml":            []byte("name: Shop\ncurrency: KWD\ntheme: { logo: { src: images/logo.png } }\n"),
		"shop/products/lamp.md":      []byte("---\ntitle: Lamp\nprice: \"1.250\"\nimages: [{ src: images/logo.png, alt: Lamp }]\n---\nA *lamp*.\n"),
		"shop/collections/all.yaml":  []byte("title: All\nproducts: [lamp]\n"),
		"shop/images/logo.png":       tinyPNG(t),
		"not-a-store/images/x.png":   tinyPNG(t),
		"shop/products/sub/other.md": []byte("not read: in a sub-folder"),
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src := New(os.DirFS(dir))
	stores, err := src.Stores(context.Background())
	if err != nil || !slices.Equal(stores, []string{"shop"}) {
		t.Fatalf("Stores() = %q, %v", stores, err)
	}
	st, err := src.Load(context.Background(), "shop")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Validate(); err != nil {
		t.Fatal(err)
	}
	p := st.Product("lamp")
	if p == nil || p.Variants[0].Price != (catalog.Money{Amount: 1250, Currency: "KWD"}) {
		t.Fatalf("lamp = %+v", p)
	}
	if p.Images[0].Width != 7 || p.Images[0].Height != 5 || st.Theme.Logo.Width != 7 {
		t.Errorf("image sizes = %+v, logo %+v", p.Images, st.Theme.Logo)
	}
	if p.DescriptionHTML != "<p>A <em>lamp</em>.</p>\n" {
		t.Errorf("description = %q", p.DescriptionHTML)
	}
	if _, err := src.Load(context.Background(), "not-a-store"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(not-a-store) = %v, want fs.ErrNotExist", err)
	}
}

func TestLoadCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New(goodStore(t)).Load(ctx, "magic-wands"); !errors.Is(err, context.Canceled) {
		t.Errorf("Load with a canceled context = %v", err)
	}
}

// fe is one FieldError a test expects; msg is a fragment of its message.
type fe struct {
	file  string
	line  int
	field string
	msg   string
}

// loadBad loads store "s" made of store.yaml (USD unless given) and files,
// and checks that it fails with exactly the problems want, in order.
func loadBad(t *testing.T, files map[string]string, want ...fe) {
	t.Helper()
	fsys := fstest.MapFS{"s/store.yaml": {Data: []byte("name: S\ncurrency: USD\n")}}
	for name, data := range files {
		fsys["s/"+name] = &fstest.MapFile{Data: []byte(data)}
	}
	st, err := New(fsys).Load(context.Background(), "s")
	if err == nil {
		t.Fatalf("Load() = %+v, nil; want %d problems", st, len(want))
	}
	ve, ok := catalog.AsValidationErrors(err)
	if !ok {
		t.Fatalf("Load() error %T %v, want catalog.ValidationErrors", err, err)
	}
	if len(ve) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(ve), len(want), err)
	}
	for i, w := range want {
		e := ve[i]
		if e.Store != "s" || e.File != w.file || e.Line != w.line || e.Field != w.field || !strings.Contains(e.Message, w.msg) {
			t.Errorf("problem %d:\n got %q (file %q, line %d, field %q)\nwant file %q, line %d, field %q, message containing %q",
				i, e.Error(), e.File, e.Line, e.Field, w.file, w.line, w.field, w.msg)
		}
	}
}

func TestLoadBadYAMLSyntax(t *testing.T) {
	const file = "products/p.md"
	t.Run("unclosed flow list", func(t *testing.T) {
		loadBad(t, map[string]string{file: `---
title: Elder Wand
tags: [elder, legendary
vendor: Ollivanders
---
`}, fe{file, 3, "", "invalid YAML: did not find expected ',' or ']'"})
	})
	t.Run("indented key", func(t *testing.T) {
		loadBad(t, map[string]string{file: `---
title: Elder Wand
vendor: Ollivanders
  type: Wand
---
`}, fe{file, 4, "", "mapping values are not allowed"})
	})
	t.Run("error on the first YAML line", func(t *testing.T) {
		loadBad(t, map[string]string{file: "---\ntitle: a: b\nprice: \"1\"\n---\n"},
			fe{file, 2, "", "mapping values are not allowed"})
	})
	// A parser error is reported on the line where the construct it was
	// reading starts: here the list whose third item is mis-indented.
	t.Run("mis-indented list item", func(t *testing.T) {
		loadBad(t, map[string]string{file: `---
title: Elder Wand
variants:
  - sku: A
    price: "1"
   - sku: B
---
`}, fe{file, 4, "", "did not find expected '-' indicator"})
	})
	t.Run("key indented less than its siblings", func(t *testing.T) {
		loadBad(t, map[string]string{file: `---
title: Elder Wand
seo:
  title: x
 description: y
---
`}, fe{file, 5, "", "did not find expected key"})
	})
	t.Run("control character", func(t *testing.T) {
		loadBad(t, map[string]string{file: "---\ntitle: Elder\nvendor: Olli\x01vanders\n---\n"},
			fe{file, 3, "", "control characters are not allowed"})
	})
	t.Run("not UTF-8", func(t *testing.T) {
		loadBad(t, map[string]string{file: "---\ntitle: Elder\n\nvendor: Gr\xf6\xdfe\n---\n"},
			fe{file, 4, "", "UTF-8"})
	})
	t.Run("CRLF", func(t *testing.T) {
		loadBad(t, map[string]string{file: "---\r\ntitle: Elder Wand\r\nvendor: Ollivanders\r\n  type: Wand\r\n---\r\n"},
			fe{file, 4, "", "mapping values are not allowed"})
	})
	t.Run("store.yaml", func(t *testing.T) {
		loadBad(t, map[string]string{"store.yaml": "name: S\ncurrency: USD\ntheme:\n  colors: { primary: \"#fff\"\n"},
			fe{"store.yaml", 4, "", "invalid YAML"})
	})
	t.Run("collection", func(t *testing.T) {
		loadBad(t, map[string]string{"collections/c.yaml": "title: C\nproducts: [a, b\n"},
			fe{"collections/c.yaml", 2, "", "invalid YAML"})
	})
}

func TestLoadUnknownKey(t *testing.T) {
	loadBad(t, map[string]string{"products/p.md": `---
title: Elder Wand
prise: "129.00"
---
`}, fe{"products/p.md", 3, "prise", "unknown field"})

	loadBad(t, map[string]string{"products/p.md": `---
title: Elder Wand
options:
  - { name: Size, values: [S, M] }
variants:
  - sku: A
    options: [S]
    price: "1.00"
  - sku: B
    options: [M]
    prise: "2.00"
---
`}, fe{"products/p.md", 11, "variants[1].prise", "unknown field"})

	loadBad(t, map[string]string{"store.yaml": "name: S\ncurrency: USD\ntheme:\n  colours: { primary: red }\n"},
		fe{"store.yaml", 4, "theme.colours", "unknown field"})

	loadBad(t, map[string]string{"collections/c.yaml": "title: C\nrules:\n  conditions:\n    - { field: tag, relation: equals, valeu: x }\n"},
		fe{"collections/c.yaml", 4, "rules.conditions[0].valeu", "unknown field"})
}

func TestLoadWrongType(t *testing.T) {
	loadBad(t, map[string]string{"products/p.md": `---
title: Elder Wand
price: "1.00"
inventory: lots
---
`}, fe{"products/p.md", 4, "inventory", `invalid YAML: "lots" should be a whole number`})

	// Every type error in a file is reported, each with its field.
	loadBad(t, map[string]string{"products/p.md": `---
title: Elder Wand
tags: legendary
options: [{ name: Size, values: [S, M] }]
variants:
  - { sku: A, options: [S], price: "1.00", inventory: lots }
  - { sku: B, options: [M], price: "1.00", available: perhaps }
images: [{ src: { a: b } }]
seo: [The Elder Wand]
---
`},
		fe{"products/p.md", 3, "tags", `"legendary" should be a list`},
		fe{"products/p.md", 6, "variants[0].inventory", `"lots" should be a whole number`},
		fe{"products/p.md", 7, "variants[1].available", `"perhaps" should be true or false`},
		fe{"products/p.md", 8, "images[0].src", "a map should be text"},
		fe{"products/p.md", 9, "seo", "a seq should be a mapping"},
	)

	loadBad(t, map[string]string{"store.yaml": "name: S\ncurrency: USD\nsettings:\n  products_per_page: twenty-four\n"},
		fe{"store.yaml", 4, "settings.products_per_page", `"twenty-..." should be a whole number`})
}

func TestLoadFrontMatter(t *testing.T) {
	const file = "products/p.md"
	loadBad(t, map[string]string{file: "# Elder Wand\n\ntitle: Elder Wand\n"},
		fe{file, 1, "", `must start with a "---" line`})
	loadBad(t, map[string]string{file: "---\ntitle: Elder Wand\nprice: \"1\"\n\nThe description.\n"},
		fe{file, 1, "", "front matter is not closed"})
	loadBad(t, map[string]string{file: ""}, fe{file, 1, "", `must start with a "---" line`})
	loadBad(t, map[string]string{file: "\n---\ntitle: x\n---\n"}, fe{file, 1, "", `must start with a "---" line`})
}

func TestLoadBadValues(t *testing.T) {
	jpy := map[string]string{"store.yaml": "name: S\ncurrency: JPY\n"}
	with := func(base map[string]string, name, data string) map[string]string {
		m := map[string]string{name: data}
		for k, v := range base {
			m[k] = v
		}
		return m
	}
	t.Run("JPY decimals", func(t *testing.T) {
		loadBad(t, with(jpy, "products/p.md", "---\ntitle: Bento\nprice: \"1200.50\"\n---\n"),
			fe{"products/p.md", 3, "price", "JPY has no minor unit"})
	})
	t.Run("JPY decimals in variants", func(t *testing.T) {
		loadBad(t, with(jpy, "products/p.md", `---
title: Bento
options: [{ name: Size, values: [S, L] }]
variants:
  - { options: [S], price: "1200" }
  - { options: [L], price: "1500.0", compare_at: "1,800" }
---
`),
			fe{"products/p.md", 6, "variants[1].price", "no minor unit"},
			fe{"products/p.md", 6, "variants[1].compare_at", "not a plain decimal"})
	})
	t.Run("USD decimals", func(t *testing.T) {
		loadBad(t, map[string]string{"products/p.md": "---\ntitle: Wand\nsku: W\ncompare_at: \"1.999\"\nprice: \"1.99\"\n---\n"},
			fe{"products/p.md", 4, "compare_at", "at most 2 decimals"})
	})
	t.Run("missing price", func(t *testing.T) {
		loadBad(t, map[string]string{"products/p.md": `---
title: Wand
options: [{ name: Size, values: [S] }]
variants:
  - sku: A
    options: [S]
---
`}, fe{"products/p.md", 5, "variants[0].price", "is required"})
	})
	t.Run("price and variants", func(t *testing.T) {
		loadBad(t, map[string]string{"products/p.md": `---
title: Wand
price: "10.00"
variants:
  - { price: "10.00" }
---
`}, fe{"products/p.md", 3, "price", "not both"})
	})
	t.Run("top-level price with options", func(t *testing.T) {
		loadBad(t, map[string]string{"products/p.md": `---
title: Wand
options: [{ name: Size, values: [S] }]
inventory: 3
---
`}, fe{"products/p.md", 4, "inventory", "gives its prices in variants"})
	})
	t.Run("bad date", func(t *testing.T) {
		loadBad(t, map[string]string{"products/p.md": "---\ntitle: Wand\nprice: \"1\"\n\ncreated: 2026-02-30\nupdated: yesterday\n---\n"},
			fe{"products/p.md", 5, "created", `"2026-02-30" is not a date`},
			fe{"products/p.md", 6, "updated", `"yesterday" is not a date`})
	})
	t.Run("rules.match", func(t *testing.T) {
		loadBad(t, map[string]string{"collections/c.yaml": "title: C\nrules:\n  match: some\n  conditions: [{ field: tag, relation: equals, value: x }]\n"},
			fe{"collections/c.yaml", 3, "rules.match", `"some" must be all or any`})
	})
	t.Run("unreadable image", func(t *testing.T) {
		loadBad(t, map[string]string{
			"products/p.md":      "---\ntitle: Wand\nprice: \"1\"\nimages:\n  - src: images/a.png\n  - { src: images/b.svg, alt: B }\n---\n",
			"images/a.png":       "not a png",
			"images/b.svg":       `<svg width="100%"></svg>`,
			"collections/c.yaml": "title: C\nimage: { src: images/c.webp }\n",
			"images/c.webp":      "RIFF\x00\x00\x00\x00WEBPVP8Z",
		},
			fe{"products/p.md", 5, "images[0]", "images/a.png: cannot read the image size; give width and height"},
			fe{"products/p.md", 6, "images[1]", "SVG has no width/height or viewBox"},
			fe{"collections/c.yaml", 2, "image", "cannot read the WebP image size"})
	})
}

// A merchant sees every problem of every file at once.
func TestLoadReportsEveryFile(t *testing.T) {
	loadBad(t, map[string]string{
		"store.yaml":          "name: S\ncurrency: USD\nlocale: en-US\nthem: {}\n",
		"products/a.md":       "---\ntitle: A\ntags: [a\n---\n",
		"products/b.md":       "---\ntitle: B\nprise: \"1\"\n---\n",
		"products/c.md":       "no front matter\n",
		"products/d.md":       "---\ntitle: D\nprice: \"1.001\"\n---\n",
		"products/ok.md":      "---\ntitle: OK\nprice: \"1\"\n---\n",
		"collections/x.yaml":  "title: X\nproducts: wands\n",
		"collections/y.yml":   "title: Y\nrules: { match: every, conditions: [] }\n",
		"collections/ok.yaml": "title: OK\n",
	},
		fe{"store.yaml", 4, "them", "unknown field"},
		fe{"products/a.md", 3, "", "invalid YAML"},
		fe{"products/b.md", 3, "prise", "unknown field"},
		fe{"products/c.md", 1, "", "must start with"},
		// d.md's price is not checked: the store's currency is unknown
		// while store.yaml is broken.
		fe{"collections/x.yaml", 2, "products", `"wands" should be a list`},
		fe{"collections/y.yml", 2, "rules.match", `"every" must be all or any`},
	)
}

func TestSVGSize(t *testing.T) {
	tests := []struct {
		svg  string
		w, h int
	}{
		{`<svg width="120" height="40"/>`, 120, 40},
		{`<svg height='40px' width='120px'>`, 120, 40},
		{`<svg width="10.6" height="2.4">`, 11, 2},
		{`<svg viewBox="0 0 300 150">`, 300, 150},
		{`<svg viewBox="-10 -10 300.5 150">`, 301, 150},
		{`<svg width="100%" height="100%" viewBox="0 0 30 20">`, 30, 20},
		{`<svg height="40" viewBox="0 0 300 150">`, 80, 40},
		{`<svg width="60" viewBox="0 0 300 150">`, 60, 30},
		{"<!-- logo -->\n<svg\n\txmlns=\"http://www.w3.org/2000/svg\"\n\twidth=\"64\"\n\theight=\"32\"\n>", 64, 32},
		{`<svg stroke-width="3" width="5" height="6">`, 5, 6},
	}
	for _, tt := range tests {
		w, h, err := svgSize([]byte(tt.svg))
		if err != nil || w != tt.w || h != tt.h {
			t.Errorf("svgSize(%s) = %d, %d, %v; want %d, %d", tt.svg, w, h, err, tt.w, tt.h)
		}
	}
	for _, bad := range []string{`<svg>`, `<svg width="100%">`, `<svg width="10em" height="10em">`, `<html></html>`, `<svg viewBox="0 0 0 0">`} {
		if w, h, err := svgSize([]byte(bad)); err == nil {
			t.Errorf("svgSize(%s) = %d, %d, want an error", bad, w, h)
		}
	}
}
