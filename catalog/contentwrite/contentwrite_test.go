package contentwrite

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/catalog/contentdir"
	"github.com/wandstore/wandstore/content"
	"github.com/wandstore/wandstore/shopify/productcsv"
	"github.com/wandstore/wandstore/shopify/productsjson"
)

// roundTrip writes s under a temporary content folder (with assets, if
// given) and loads it back with contentdir.
func roundTrip(t *testing.T, s *catalog.Store, images fs.FS) *catalog.Store {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, s.Handle)
	if images != nil {
		if err := os.CopyFS(filepath.Join(dir, "images"), images); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Write(dir, s, Options{}); err != nil {
		t.Fatal(err)
	}
	got, err := contentdir.New(os.DirFS(root)).Load(context.Background(), s.Handle)
	if err != nil {
		t.Fatalf("load what was written: %v", err)
	}
	if err := got.Validate(); err != nil {
		t.Fatalf("what was written does not validate: %v", err)
	}
	return got
}

// sameStore compares two stores' content: what contentdir derives or
// records about files (File, Assets, indexes) is left out, and a
// description is compared as descriptionBody writes it.
func sameStore(t *testing.T, want, got *catalog.Store) {
	t.Helper()
	if want.Name != got.Name || want.Currency != got.Currency || want.Locale != got.Locale ||
		want.Description != got.Description || want.BaseURL != got.BaseURL ||
		!reflect.DeepEqual(want.Theme, got.Theme) || !reflect.DeepEqual(want.Settings, got.Settings) {
		t.Errorf("store =\n%+v\nwant\n%+v", got, want)
	}
	if len(want.Products) != len(got.Products) {
		t.Fatalf("got %d products, want %d", len(got.Products), len(want.Products))
	}
	for _, wp := range want.Products {
		gp := got.Product(wp.Handle)
		if gp == nil {
			t.Errorf("product %q missing", wp.Handle)
			continue
		}
		w, g := *wp, *gp
		w.File, g.File = "", ""
		if wd, gd := descriptionBody(w.DescriptionHTML), strings.TrimSpace(g.DescriptionHTML); wd != gd {
			t.Errorf("%s: description =\n%q\nwant\n%q", wp.Handle, gd, wd)
		}
		w.DescriptionHTML, g.DescriptionHTML = "", ""
		if !reflect.DeepEqual(w, g) {
			t.Errorf("%s: product =\n%+v\nwant\n%+v", wp.Handle, g, w)
		}
	}
	if len(want.Collections) != len(got.Collections) {
		t.Fatalf("got %d collections, want %d", len(got.Collections), len(want.Collections))
	}
	for _, wc := range want.Collections {
		gc := got.Collection(wc.Handle)
		if gc == nil {
			t.Errorf("collection %q missing", wc.Handle)
			continue
		}
		if descriptionBody(wc.DescriptionHTML) != strings.TrimSpace(gc.DescriptionHTML) || wc.Title != gc.Title ||
			wc.Image != gc.Image || wc.SEO != gc.SEO || wc.Sort != gc.Sort ||
			!reflect.DeepEqual(wc.ProductHandles, gc.ProductHandles) || !reflect.DeepEqual(wc.Rules, gc.Rules) {
			t.Errorf("collection %s =\n%+v\nwant\n%+v", wc.Handle, gc, wc)
		}
	}
}

func TestRoundTripShopifyCSV(t *testing.T) {
	f, err := os.Open("../../shopify/productcsv/testdata/messy.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, _, err := productcsv.Read(f, productcsv.Options{Store: "wands", Name: "Wands", Currency: "USD"})
	if err != nil {
		t.Fatal(err)
	}
	sameStore(t, s, roundTrip(t, s, nil))
}

func TestRoundTripShopifyJSON(t *testing.T) {
	f, err := os.Open("../../shopify/productsjson/testdata/products.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, _, err := productsjson.Read(f, productsjson.Options{Store: "wands", Name: "Wands", Locale: "en-GB"})
	if err != nil {
		t.Fatal(err)
	}
	sameStore(t, s, roundTrip(t, s, nil))
}

// Every demo store, read from its files, written and read again, is the
// same store: the writer covers the whole format (theme, settings, smart
// and hand-picked collections, local images).
func TestRoundTripDemoContent(t *testing.T) {
	src := contentdir.New(content.FS)
	stores, err := src.Stores(context.Background())
	if err != nil || len(stores) == 0 {
		t.Fatalf("demo stores: %v, %v", stores, err)
	}
	for _, h := range stores {
		t.Run(h, func(t *testing.T) {
			s, err := src.Load(context.Background(), h)
			if err != nil {
				t.Fatal(err)
			}
			var images fs.FS
			if _, err := fs.Stat(content.FS, h+"/images"); err == nil {
				if images, err = fs.Sub(content.FS, h+"/images"); err != nil {
					t.Fatal(err)
				}
			}
			if len(s.Products) == 0 {
				t.Fatal("demo store without products")
			}
			sameStore(t, s, roundTrip(t, s, images))
		})
	}
}

func TestDescriptionBody(t *testing.T) {
	for in, want := range map[string]string{
		"":                                   "",
		"<p>One</p>\r\n\r\n<p>Two</p>\n":     "<p>One</p>\n<p>Two</p>",
		"Plain *text*":                       "<div>\nPlain *text*\n</div>",
		"<span>a</span>":                     "<div>\n<span>a</span>\n</div>",
		"<div>\n<pre>a\n\nb</pre>\n\n</div>": "<div>\n<pre>a\n\nb</pre>\n</div>",
	} {
		if got := descriptionBody(in); got != want {
			t.Errorf("descriptionBody(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriteKeepsStoreFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "store.yaml"), []byte("name: Mine\ncurrency: EUR\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &catalog.Store{Handle: "x", Name: "Other", Currency: "USD", Products: []*catalog.Product{{
		Handle: "mug", Title: "Mug", Variants: []catalog.Variant{{Price: catalog.Money{Amount: 100, Currency: "EUR"}, Available: true, Image: -1}},
	}}}
	res, err := Write(dir, s, Options{KeepStoreFile: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Files, ","); got != "products/mug.md" {
		t.Errorf("wrote %s", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "store.yaml")); string(b) != "name: Mine\ncurrency: EUR\n" {
		t.Errorf("store.yaml changed: %s", b)
	}
	if _, err := Write(dir, &catalog.Store{Products: []*catalog.Product{{Handle: "../x"}}}, Options{}); err == nil {
		t.Error("a handle that is not a file name was written")
	}
}
