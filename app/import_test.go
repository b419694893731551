package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wandstore/wandstore/catalog/contentdir"
	"github.com/wandstore/wandstore/internal/testkit"
)

func TestImportShopifyCSV(t *testing.T) {
	content := t.TempDir()
	stdout, stderr, err := run(t, "import", "--format", "shopify-csv", "../shopify/productcsv/testdata/messy.csv",
		"--store", "wands", "--content", content, "--name", "Wand Shop", "--locale", "en-GB")
	if err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	if !strings.Contains(stdout, "imported 4 products (8 variants)") {
		t.Errorf("stdout = %q", stdout)
	}
	if !strings.Contains(stderr, "messy.csv:7: Variant Price:") || !strings.Contains(stderr, "6 problem(s)") {
		t.Errorf("problems not listed:\n%s", stderr)
	}
	s, err := contentdir.New(os.DirFS(content)).Load(context.Background(), "wands")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.Name != "Wand Shop" || s.Currency != "USD" || s.Locale != "en-GB" || len(s.Products) != 4 {
		t.Errorf("store = %+v", s)
	}

	// A second import into the same store keeps its store.yaml and reads
	// prices in its currency; a conflicting --currency is refused.
	json := filepath.Join(t.TempDir(), "products.json")
	if err := os.WriteFile(json, []byte(`{"products":[{"title":"Mug","handle":"mug","variants":[{"price":"3.50"}]}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := run(t, "import", json, "--store", "wands", "--content", content, "--currency", "EUR"); err == nil || !strings.Contains(stderr, "sells in USD") {
		t.Errorf("conflicting currency: err = %v\n%s", err, stderr)
	}
	if _, stderr, err := run(t, "import", json, "--store=wands", "--content", content, "--name", "Ignored"); err != nil {
		t.Fatalf("import json: %v\n%s", err, stderr)
	}
	s, err = contentdir.New(os.DirFS(content)).Load(context.Background(), "wands")
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "Wand Shop" || len(s.Products) != 5 || s.Product("mug").Variants[0].Price.Amount != 350 {
		t.Errorf("after second import: %+v", s)
	}
}

func TestImportStrictWritesNothing(t *testing.T) {
	content := t.TempDir()
	_, stderr, err := run(t, "import", "--strict", "--store", "wands", "--content", content, "../shopify/productcsv/testdata/messy.csv")
	if err == nil || !strings.Contains(stderr, "nothing was written") || !strings.Contains(stderr, "messy.csv:7") {
		t.Errorf("strict import: err = %v\n%s", err, stderr)
	}
	if entries, _ := os.ReadDir(content); len(entries) != 0 {
		t.Errorf("strict import wrote %d entries", len(entries))
	}
}

func TestImportUsageErrors(t *testing.T) {
	csv := "../shopify/productcsv/testdata/messy.csv"
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"import", csv}, "--store is required"},
		{[]string{"import", "--store", "s"}, "one FILE"},
		{[]string{"import", "--store", "s", "x.txt"}, "give --format"},
		{[]string{"import", "--store", "s", "--format", "woo", csv}, `unknown --format "woo"`},
		{[]string{"import", "--store", "Bad Handle", csv}, "lower-case letters"},
		{[]string{"import", "--store", "s", "does-not-exist.csv"}, "no such file"},
		{[]string{"import", "--store", "s", "--currency", "dollars", csv}, "ISO 4217"},
		{[]string{"import", csv, "--store"}, "needs a value"},
	} {
		_, stderr, err := run(t, append([]string{"import", "--content", t.TempDir()}, c.args[1:]...)...)
		if err == nil || !strings.Contains(stderr, c.want) {
			t.Errorf("%q: err = %v, want %q in\n%s", c.args, err, c.want, stderr)
		}
	}
}

// An import whose products clash with the store's own files says so.
func TestImportReportsAStoreThatDoesNotBuild(t *testing.T) {
	content := testkit.ContentDir(t, `
-- wands/store.yaml --
name: Wands
currency: USD
-- wands/products/other.md --
---
title: Other
sku: CLOAK
price: "1.00"
---
`)
	_, stderr, err := run(t, "import", "--store", "wands", "--content", content, "../shopify/productcsv/testdata/messy.csv")
	if err == nil || !strings.Contains(stderr, "does not build") || !strings.Contains(stderr, `"CLOAK" is also used`) {
		t.Errorf("err = %v\n%s", err, stderr)
	}
}
