package productsjson

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

func variantsEqual(a, b []catalog.Variant) bool {
	return slices.EqualFunc(a, b, func(x, y catalog.Variant) bool {
		return x.ID == y.ID && x.SKU == y.SKU && x.Title == y.Title && slices.Equal(x.Options, y.Options) &&
			x.Price == y.Price && x.CompareAt == y.CompareAt && x.Available == y.Available &&
			x.Inventory == y.Inventory && x.Tracked == y.Tracked && x.Image == y.Image
	})
}

func TestReadMessy(t *testing.T) {
	f, err := os.Open("testdata/products.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, problems, err := Read(f, Options{Store: "wands", Name: "Wands"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatalf("imported store does not validate:\n%v", err)
	}
	var got []string
	for _, p := range problems {
		got = append(got, fmt.Sprintf("%d %s", p.Line, p.Field))
	}
	want := []string{
		"3 products[0].variants[3].price",
		"51 products[2].variants[0].sku", "51 products[2].variants[2]",
		"63 products[3].handle",
		"68 products[4].variants[0].price", "68 products[4].variants",
		"73 products[5].variants",
		"78 products[6].title",
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems =\n%q\nwant\n%q\n%v", got, want, problems)
	}
	if msg := problems[0].Error(); msg != `wands: products.json:3: products[0].variants[3].price: price in USD: "not a price" is not a plain decimal amount; variant skipped` {
		t.Errorf("problem text = %q", msg)
	}

	var handles []string
	for _, p := range s.Products {
		handles = append(handles, p.Handle)
	}
	if !slices.Equal(handles, []string{"elder-wand", "invisibility-cloak", "owl-treats"}) {
		t.Fatalf("products = %q", handles)
	}
	usd := func(n int64) catalog.Money { return catalog.Money{Amount: n, Currency: "USD"} }

	ew := s.Product("elder-wand")
	if ew.Title != "Elder Wand" || ew.Vendor != "Ollivanders" || ew.Type != "Wand" || ew.Status != catalog.StatusActive ||
		!slices.Equal(ew.Tags, []string{"elder", "legendary", "wand"}) {
		t.Errorf("elder-wand = %+v", ew)
	}
	if !ew.CreatedAt.Equal(time.Date(2026, 3, 1, 15, 0, 0, 0, time.UTC)) || ew.CreatedAt.Location() != time.UTC ||
		!ew.UpdatedAt.Equal(time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("times = %v, %v", ew.CreatedAt, ew.UpdatedAt)
	}
	wantImgs := []catalog.Image{
		{Src: "https://cdn.shopify.com/s/files/elder-1.jpg", Alt: "An elder wand", Width: 1024, Height: 768},
		{Src: "https://cdn.shopify.com/s/files/elder-2.jpg", Width: 800, Height: 600},
		{Src: "https://cdn.shopify.com/s/files/oak.jpg", Alt: "An oak wand"},
	}
	if !slices.Equal(ew.Images, wantImgs) {
		t.Errorf("images = %+v", ew.Images)
	}
	if len(ew.Options) != 2 || !slices.Equal(ew.Options[0].Values, []string{"Elder", "Oak"}) || ew.Options[1].Name != "Length" {
		t.Errorf("options = %+v", ew.Options)
	}
	wantVs := []catalog.Variant{
		{ID: "EW-EL-11", SKU: "EW-EL-11", Title: "Elder / 11 in", Options: []string{"Elder", "11 in"}, Price: usd(12900), CompareAt: usd(14900), Available: true, Image: -1},
		{ID: "EW-EL-13", SKU: "EW-EL-13", Title: "Elder / 13 in", Options: []string{"Elder", "13 in"}, Price: usd(13900), Image: 1},
		{ID: "oak-11-in", Title: "Oak / 11 in", Options: []string{"Oak", "11 in"}, Price: usd(9900), Available: true, Image: 2},
	}
	if !variantsEqual(ew.Variants, wantVs) {
		t.Errorf("variants =\n%+v\nwant\n%+v", ew.Variants, wantVs)
	}

	cloak := s.Product("invisibility-cloak")
	if len(cloak.Options) != 0 || cloak.DescriptionHTML != "" || !slices.Equal(cloak.Tags, []string{"cloak", "hallows"}) {
		t.Errorf("cloak = %+v", cloak)
	}
	if want := (catalog.Variant{ID: "CLOAK", SKU: "CLOAK", Title: "Default Title", Price: usd(50000), Available: true, Tracked: true, Inventory: 2, Image: -1}); !variantsEqual(cloak.Variants, []catalog.Variant{want}) {
		t.Errorf("cloak variant = %+v", cloak.Variants)
	}

	owl := s.Product("owl-treats")
	if owl.Status != catalog.StatusDraft {
		t.Errorf("published_at null should import as draft, got %q", owl.Status)
	}
	wantOwl := []catalog.Variant{
		{ID: "small", Title: "Small", Options: []string{"Small"}, Price: usd(450), Tracked: true, Image: 0},
		{ID: "large", Title: "Large", Options: []string{"Large"}, Price: usd(800), Available: true, Image: -1},
	}
	if !variantsEqual(owl.Variants, wantOwl) {
		t.Errorf("owl variants =\n%+v\nwant\n%+v", owl.Variants, wantOwl)
	}
}

func TestReadShapes(t *testing.T) {
	for name, in := range map[string]string{
		"one product": `{"product": {"title": "Mug", "handle": "mug", "variants": [{"price": "1200.00"}]}}`,
		"bare list":   `[{"title": "Mug", "handle": "mug", "variants": [{"price": 1200}]}]`,
		"with BOM":    "\ufeff" + `{"products": [{"title": "Mug", "variants": [{"price": "1200"}]}], "extra": null}`,
	} {
		s, problems, err := Read(strings.NewReader(in), Options{Store: "shop", Currency: "JPY"})
		if err != nil || len(problems) > 0 {
			t.Errorf("%s: err = %v, problems = %v", name, err, problems)
			continue
		}
		p := s.Product("mug")
		if p == nil || p.Variants[0].Price != (catalog.Money{Amount: 1200, Currency: "JPY"}) {
			t.Errorf("%s: mug = %+v", name, p)
		}
	}
	for name, in := range map[string]string{
		"not products": `{"items": []}`,
		"a string":     `"products"`,
	} {
		if _, _, err := Read(strings.NewReader(in), Options{Store: "shop"}); !errors.Is(err, ErrNotProducts) {
			t.Errorf("%s: err = %v, want ErrNotProducts", name, err)
		}
	}
	_, _, err := Read(strings.NewReader("{\"products\": [\n{\"title\": }]}"), Options{Store: "shop"})
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("syntax error = %v, want one naming line 2", err)
	}
	if _, _, err := Read(strings.NewReader(`{"products": [`), Options{Store: "shop"}); err == nil {
		t.Error("truncated JSON accepted")
	}
}

func TestSource(t *testing.T) {
	src := NewSource("testdata/products.json", Options{Store: "wands"})
	if _, err := src.Load(context.Background(), "nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(nope) = %v", err)
	}
	_, err := src.Load(context.Background(), "wands")
	if ve, ok := catalog.AsValidationErrors(err); !ok || ve[0].Line != 3 {
		t.Errorf("Load of a file with problems = %v", err)
	}
	path := t.TempDir() + "/p.json"
	if err := os.WriteFile(path, []byte(`{"products":[{"title":"Mug","handle":"mug","variants":[{"price":"3.00"}]}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := NewSource(path, Options{Store: "shop"}).Load(context.Background(), "shop")
	if err != nil || s.Product("mug") == nil {
		t.Fatalf("Load = %v, %v", s, err)
	}
}

func TestReadFixups(t *testing.T) {
	in := `{"products": [{"title": "Café Mug", "handle": "Café Mug", "status": "active",
		"images": [{"src": "http://cdn.example/a.jpg"}],
		"variants": [{"price": "3.00", "featured_image": "//cdn.example/b.jpg"}]}]}`
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
	if len(p.Images) != 2 || p.Images[0].Src != "https://cdn.example/a.jpg" || p.Images[1].Src != "https://cdn.example/b.jpg" || p.Variants[0].Image != 1 {
		t.Errorf("images = %+v, variant image %d", p.Images, p.Variants[0].Image)
	}
	if err := s.Validate(); err != nil {
		t.Error(err)
	}
}

// Whatever the file holds, Read does not panic, and the store it returns
// validates.
func FuzzRead(f *testing.F) {
	if b, err := os.ReadFile("testdata/products.json"); err == nil {
		f.Add(string(b))
	}
	f.Add(`{"product":{"title":"x","options":[{"name":"A"},{"name":"A"}],"variants":[{"option1":"1","option2":"2","price":1}]}}`)
	f.Fuzz(func(t *testing.T, in string) {
		s, _, err := Read(strings.NewReader(in), Options{Store: "s"})
		if err != nil {
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("store does not validate: %v", err)
		}
	})
}
