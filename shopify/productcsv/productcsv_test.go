package productcsv

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/catalog"
)

func readFile(t *testing.T, name string, opts Options) (*catalog.Store, catalog.ValidationErrors) {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, problems, err := Read(f, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatalf("imported store does not validate:\n%v", err)
	}
	return s, problems
}

func TestReadMessy(t *testing.T) {
	s, problems := readFile(t, "testdata/messy.csv", Options{Store: "wands", File: "messy.csv"})

	var got []string
	for _, p := range problems {
		got = append(got, fmt.Sprintf("%d %s", p.Line, p.Field))
	}
	want := []string{"7 Variant Price", "15 Handle", "17 Variant SKU", "18 Variant Price", "18 Handle", "19 Status"}
	if !slices.Equal(got, want) {
		t.Errorf("problems (line column) = %q, want %q\n%v", got, want, problems)
	}
	if msg := problems[0].Error(); msg != `wands: messy.csv:7: Variant Price: price in USD: "ninety" is not a plain decimal amount; variant skipped` {
		t.Errorf("problem text = %q", msg)
	}

	var handles []string
	for _, p := range s.Products {
		handles = append(handles, p.Handle)
	}
	if want := []string{"elder-wand", "invisibility-cloak", "owl-treats", "mystery"}; !slices.Equal(handles, want) {
		t.Fatalf("products = %q, want %q", handles, want)
	}

	ew := s.Product("elder-wand")
	if ew.Title != "Elder Wand" || ew.Vendor != "Ollivanders" || ew.Type != "Wand" || ew.Status != catalog.StatusActive {
		t.Errorf("elder-wand = %+v", ew)
	}
	if want := "<p>The <strong>most powerful</strong> wand.</p>\n\n<p>Said to be \"unbeatable\", made of elder, 15\".</p>"; ew.DescriptionHTML != want {
		t.Errorf("body = %q, want %q", ew.DescriptionHTML, want)
	}
	if !slices.Equal(ew.Tags, []string{"elder", "legendary", "wand"}) {
		t.Errorf("tags = %q", ew.Tags)
	}
	if ew.SEO != (catalog.SEO{Title: "The Elder Wand | Magic", Description: "The most powerful wand."}) {
		t.Errorf("seo = %+v", ew.SEO)
	}
	wantImgs := []catalog.Image{
		{Src: "https://cdn.shopify.com/s/files/elder-1.jpg", Alt: "An elder wand"},
		{Src: "https://cdn.shopify.com/s/files/elder-2.jpg"},
		{Src: "https://cdn.shopify.com/s/files/elder-oak.jpg", Alt: "An oak wand"},
	}
	if !slices.Equal(ew.Images, wantImgs) {
		t.Errorf("images = %+v", ew.Images)
	}
	if len(ew.Options) != 2 || ew.Options[0].Name != "Wood" || !slices.Equal(ew.Options[0].Values, []string{"Elder", "Oak"}) ||
		ew.Options[1].Name != "Length" || !slices.Equal(ew.Options[1].Values, []string{"11 in", "13 in"}) {
		t.Errorf("options = %+v", ew.Options)
	}
	usd := func(n int64) catalog.Money { return catalog.Money{Amount: n, Currency: "USD"} }
	wantVs := []catalog.Variant{
		{ID: "EW-EL-11", SKU: "EW-EL-11", Title: "Elder / 11 in", Options: []string{"Elder", "11 in"}, Price: usd(12900), CompareAt: usd(14900), Available: true, Inventory: 3, Tracked: true, Image: -1},
		{ID: "EW-EL-13", SKU: "EW-EL-13", Title: "Elder / 13 in", Options: []string{"Elder", "13 in"}, Price: usd(113900), Tracked: true, Image: -1},
		{ID: "EW-OK-11", SKU: "EW-OK-11", Title: "Oak / 11 in", Options: []string{"Oak", "11 in"}, Price: usd(9900), Available: true, Inventory: 12, Tracked: true, Image: 2},
	}
	if !variantsEqual(ew.Variants, wantVs) {
		t.Errorf("variants =\n%+v\nwant\n%+v", ew.Variants, wantVs)
	}

	cloak := s.Product("invisibility-cloak")
	if cloak.Status != catalog.StatusDraft || len(cloak.Options) != 0 || len(cloak.Images) != 0 || cloak.Tags != nil {
		t.Errorf("cloak = %+v", cloak)
	}
	if want := (catalog.Variant{ID: "CLOAK", SKU: "CLOAK", Title: "Default Title", Price: usd(50000), Available: true, Image: -1}); !variantsEqual(cloak.Variants, []catalog.Variant{want}) {
		t.Errorf("cloak variant = %+v", cloak.Variants)
	}

	owl := s.Product("owl-treats")
	if !slices.Equal(owl.Options[0].Values, []string{"Small", "Large", "Huge"}) {
		t.Errorf("owl options = %+v", owl.Options)
	}
	wantOwl := []catalog.Variant{
		{ID: "OT-S", SKU: "OT-S", Title: "Small", Options: []string{"Small"}, Price: usd(450), Tracked: true, Image: -1},
		{ID: "OT-L", SKU: "OT-L", Title: "Large", Options: []string{"Large"}, Price: usd(800), Available: true, Image: -1},
		{ID: "huge", Title: "Huge", Options: []string{"Huge"}, Price: usd(1200), Available: true, Image: -1},
	}
	if !variantsEqual(owl.Variants, wantOwl) {
		t.Errorf("owl variants =\n%+v\nwant\n%+v", owl.Variants, wantOwl)
	}
	if s.Product("mystery").Status != catalog.StatusDraft {
		t.Errorf("unknown status should import as draft")
	}
}

func variantsEqual(a, b []catalog.Variant) bool {
	return slices.EqualFunc(a, b, func(x, y catalog.Variant) bool {
		return x.ID == y.ID && x.SKU == y.SKU && x.Title == y.Title && slices.Equal(x.Options, y.Options) &&
			x.Price == y.Price && x.CompareAt == y.CompareAt && x.Available == y.Available &&
			x.Inventory == y.Inventory && x.Tracked == y.Tracked && x.Image == y.Image
	})
}

// The current template's column names, in another order, with a
// zero-decimal currency written with ".00".
func TestReadCurrentTemplateJPY(t *testing.T) {
	in := "Title,URL handle,Price,Compare-at price,Option1 name,Option1 value,SKU,Inventory quantity,Continue selling when out of stock,Inventory tracker,Product image URL,Image position,Image alt text,Description,Status,Unknown\n" +
		"Tea Bowl,tea-bowl,\"1,200.00\",1500.00,Glaze,Ash,TB-A,4,FALSE,shopify,https://cdn.example/a.jpg,1,Ash glaze,<p>Bowl</p>,active,x\n" +
		",tea-bowl,1300,,,Tenmoku,TB-T,0,TRUE,shopify,,,,,,\n" +
		",tea-bowl,12.50,,,Celadon,TB-C,1,FALSE,shopify,,,,,,\n"
	s, problems, err := Read(strings.NewReader(in), Options{Store: "tea", Currency: "jpy"})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || problems[0].Line != 4 || problems[0].Field != "Price" {
		t.Errorf("problems = %v", problems)
	}
	p := s.Product("tea-bowl")
	if p == nil || len(p.Variants) != 2 {
		t.Fatalf("tea-bowl = %+v", p)
	}
	jpy := func(n int64) catalog.Money { return catalog.Money{Amount: n, Currency: "JPY"} }
	if v := p.Variants[0]; v.Price != jpy(1200) || v.CompareAt != jpy(1500) || !v.Tracked || v.Inventory != 4 {
		t.Errorf("variant 0 = %+v", v)
	}
	if v := p.Variants[1]; v.Price != jpy(1300) || v.Tracked || !v.Available {
		t.Errorf("continue-selling variant should be untracked and available: %+v", v)
	}
	if p.Images[0].Alt != "Ash glaze" || p.DescriptionHTML != "<p>Bowl</p>" {
		t.Errorf("product = %+v", p)
	}
	if err := s.Validate(); err != nil {
		t.Error(err)
	}
}

func TestReadNotACSV(t *testing.T) {
	_, _, err := Read(strings.NewReader("name,price\nx,1\n"), Options{Store: "s"})
	if !errors.Is(err, ErrNotProductCSV) {
		t.Errorf("err = %v, want ErrNotProductCSV", err)
	}
	if _, _, err := Read(strings.NewReader(""), Options{Store: "s"}); !errors.Is(err, ErrNotProductCSV) {
		t.Errorf("empty file: err = %v", err)
	}
	if _, _, err := Read(strings.NewReader("Handle\n"), Options{Store: "s", Currency: "dollars"}); err == nil {
		t.Error("bad currency accepted")
	}
}

func TestParsePrice(t *testing.T) {
	for _, c := range []struct {
		in, cur string
		want    int64
		ok      bool
	}{
		{"19.99", "USD", 1999, true}, {"1,200.00", "USD", 120000, true}, {"1200.00", "JPY", 1200, true},
		{"1200.50", "JPY", 0, false}, {"19.990", "USD", 1999, true}, {"", "USD", 0, false},
		{"12,00", "USD", 0, false}, {"-1.00", "USD", 0, false}, {"1.5", "KWD", 1500, true}, {"$5", "USD", 0, false},
	} {
		m, err := ParsePrice(c.in, c.cur)
		if (err == nil) != c.ok || (c.ok && m.Amount != c.want) {
			t.Errorf("ParsePrice(%q, %s) = %v, %v; want %d ok=%v", c.in, c.cur, m, err, c.want, c.ok)
		}
	}
}

// A generated export of 5,000 rows (1,000 products of 5 variants) reads
// quickly and whole.
func TestReadLarge(t *testing.T) {
	var b strings.Builder
	b.WriteString("Handle,Title,Body (HTML),Option1 Name,Option1 Value,Variant SKU,Variant Price,Variant Inventory Tracker,Variant Inventory Qty,Image Src\r\n")
	for i := range 1000 {
		for j := range 5 {
			if j == 0 {
				fmt.Fprintf(&b, "p-%d,Product %d,\"<p>Line one\nline, two</p>\",Size,S%d,SKU-%d-%d,%d.%02d,shopify,%d,https://cdn.example/%d.jpg\r\n", i, i, j, i, j, i, j, j, i)
			} else {
				fmt.Fprintf(&b, "p-%d,,,,S%d,SKU-%d-%d,%d.%02d,shopify,%d,\r\n", i, j, i, j, i, j, j)
			}
		}
	}
	start := time.Now()
	s, problems, err := Read(strings.NewReader(b.String()), Options{Store: "big"})
	if err != nil || len(problems) > 0 {
		t.Fatalf("err = %v, problems = %v", err, problems)
	}
	if len(s.Products) != 1000 || len(s.Products[999].Variants) != 5 {
		t.Fatalf("got %d products", len(s.Products))
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("reading 5,000 rows took %v", d)
	}
}

func TestSource(t *testing.T) {
	src := NewSource("testdata/messy.csv", Options{Store: "wands"})
	stores, err := src.Stores(context.Background())
	if err != nil || !slices.Equal(stores, []string{"wands"}) {
		t.Fatalf("Stores = %v, %v", stores, err)
	}
	if _, err := src.Load(context.Background(), "other"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(other) = %v, want fs.ErrNotExist", err)
	}
	_, err = src.Load(context.Background(), "wands")
	ve, ok := catalog.AsValidationErrors(err)
	if !ok || len(ve) == 0 || ve[0].File != "messy.csv" || ve[0].Line != 7 {
		t.Errorf("Load of a file with problems = %v", err)
	}

	dir := t.TempDir()
	path := dir + "/clean.csv"
	if err := os.WriteFile(path, []byte("Handle,Title,Variant Price\nmug,Mug,12.00\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := NewSource(path, Options{Store: "shop", Name: "Shop", Currency: "EUR"}).Load(context.Background(), "shop")
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "Shop" || s.Product("mug").Variants[0].Price != (catalog.Money{Amount: 1200, Currency: "EUR"}) {
		t.Errorf("store = %+v", s)
	}
}

// A handle that is not one is made one and reported; http and
// protocol-relative image addresses become https; a product that is active
// but not published on the online store is a draft.
func TestReadFixups(t *testing.T) {
	in := "Handle,Title,Variant Price,Image Src,Variant Image,Published,Status\n" +
		"Café Mug!,Café Mug,3.00,http://cdn.example/a.jpg,//cdn.example/b.jpg,FALSE,active\n"
	s, problems, err := Read(strings.NewReader(in), Options{Store: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || !strings.Contains(problems[0].Message, `imported as "caf-mug"`) {
		t.Errorf("problems = %v", problems)
	}
	p := s.Product("caf-mug")
	if p == nil {
		t.Fatalf("products = %+v", s.Products)
	}
	if p.Images[0].Src != "https://cdn.example/a.jpg" || p.Images[1].Src != "https://cdn.example/b.jpg" || p.Variants[0].Image != 1 {
		t.Errorf("images = %+v, variant image %d", p.Images, p.Variants[0].Image)
	}
	if p.Status != catalog.StatusDraft {
		t.Errorf("status = %q, want draft", p.Status)
	}
	if err := s.Validate(); err != nil {
		t.Error(err)
	}
}

// Whatever the file holds, Read does not panic, and the store it returns
// validates.
func FuzzRead(f *testing.F) {
	if b, err := os.ReadFile("testdata/messy.csv"); err == nil {
		f.Add(string(b))
	}
	f.Add("Handle,Title,Option1 Name,Option1 Value,Option2 Value,Variant Price,Variant Image,Image Src\nh,T,,x,y,1,,\nh,,,,,,a,b\n")
	f.Fuzz(func(t *testing.T, in string) {
		s, _, err := Read(strings.NewReader(in), Options{Store: "s", Currency: "JPY"})
		if err != nil {
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("store does not validate: %v", err)
		}
	})
}

func TestReadSemicolons(t *testing.T) {
	in := "Handle;Title;Body (HTML);Variant Price\r\nmug;Mug;\"<p>A mug; a cup, too.</p>\";\"1,200.50\"\r\n"
	s, problems, err := Read(strings.NewReader(in), Options{Store: "shop"})
	if err != nil || len(problems) > 0 {
		t.Fatalf("err = %v, problems = %v", err, problems)
	}
	p := s.Product("mug")
	if p == nil || p.DescriptionHTML != "<p>A mug; a cup, too.</p>" || p.Variants[0].Price.Amount != 120050 {
		t.Errorf("mug = %+v", p)
	}
}
