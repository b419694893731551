// Package benchstore writes the generated stores the build benchmarks use
// (generator's Benchmark functions and the build table of `just bench`), and
// the Hugo site that builds the same product files, so both measure the same
// content.
package benchstore

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Write writes a store of n products into dir: 1-3 options, up to 12
// variants, sales, sold-out variants, 24 collections (smart and
// hand-picked) and 40 images.
func Write(dir string, n int) error {
	for _, d := range []string{"products", "collections", "images"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	write := func(name, data string) error { return os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644) }
	if err := write("store.yaml", `name: Big Store
currency: USD
locale: en-US
description: Ten thousand things.
settings:
  products_per_page: 24
  featured_collections: [tag-0, tag-1, tag-2]
  featured_products: [product-00001, product-00002, product-00003, product-00004]
`); err != nil {
		return err
	}
	for i := 0; i < 40; i++ {
		if err := write(fmt.Sprintf("images/img-%02d.svg", i), fmt.Sprintf(
			`<svg xmlns="http://www.w3.org/2000/svg" width="800" height="800"><rect width="800" height="800" fill="#%06x"/></svg>`, i*40503)); err != nil {
			return err
		}
	}
	woods := []string{"Oak", "Elder", "Holly", "Yew"}
	lengths := []string{"10 in", "12 in", "14 in"}
	for i := 1; i <= n; i++ {
		var v strings.Builder
		opts := ""
		switch i % 3 {
		case 0: // no options
			fmt.Fprintf(&v, "price: \"%d.%02d\"\ninventory: %d\n", 5+i%300, i%100, i%7)
		case 1: // one option
			opts = "options: [{ name: Wood, values: [Oak, Elder, Holly, Yew] }]\n"
			v.WriteString("variants:\n")
			for j, w := range woods {
				fmt.Fprintf(&v, "  - { sku: P%05d-%d, options: [%s], price: \"%d.00\", inventory: %d }\n", i, j, w, 10+i%200+j, (i+j)%5)
			}
		default: // two options, some on sale
			opts = "options: [{ name: Wood, values: [Oak, Elder, Holly, Yew] }, { name: Length, values: [10 in, 12 in, 14 in] }]\n"
			v.WriteString("variants:\n")
			for j, w := range woods {
				for k, l := range lengths {
					cmp := ""
					if i%5 == 0 {
						cmp = fmt.Sprintf(", compare_at: \"%d.00\"", 40+i%200+j+k)
					}
					fmt.Fprintf(&v, "  - { sku: P%05d-%d%d, options: [%s, %s], price: \"%d.00\"%s, inventory: %d }\n", i, j, k, w, l, 20+i%200+j+k, cmp, (i+j+k)%4)
				}
			}
		}
		doc := fmt.Sprintf(`---
title: Product %05d
vendor: Vendor %d
type: Type %d
tags: [tag-%d, tag-%d, common]
created: 2026-%02d-%02d
images:
  - { src: images/img-%02d.svg, alt: Picture of product %05d }
  - { src: images/img-%02d.svg, alt: Another view of product %05d }
%s%s---
Product %05d is a **fine** thing, made with care. It comes in several
options and is sold by Vendor %d. See [our guide](https://example.com/guide).

- hand made
- long lasting
`, i, i%50, i%12, i%20, (i+7)%20, 1+i%12, 1+i%28, i%40, i, (i+1)%40, i, opts, v.String(), i, i%50)
		if err := write(fmt.Sprintf("products/product-%05d.md", i), doc); err != nil {
			return err
		}
	}
	for c := 0; c < 20; c++ {
		if err := write(fmt.Sprintf("collections/tag-%d.yaml", c), fmt.Sprintf(
			"title: Tag %d\nsort: manual\nrules:\n  conditions: [{ field: tag, relation: equals, value: tag-%d }]\n", c, c)); err != nil {
			return err
		}
	}
	var picks []string
	for i := 1; i <= 100; i++ {
		picks = append(picks, fmt.Sprintf("product-%05d", i*97%n+1))
	}
	for c := 0; c < 4; c++ {
		if err := write(fmt.Sprintf("collections/picks-%d.yaml", c), fmt.Sprintf(
			"title: Picks %d\nsort: price-asc\nproducts: [%s]\n", c, strings.Join(picks[c*25:c*25+25], ", "))); err != nil {
			return err
		}
	}
	return nil
}

// HugoSite writes, into site, a Hugo site whose content is the product
// files of a store Write wrote (products, a symlink to its products
// folder), with a product template showing what WandStore's product page
// shows from them: the baseline the build benchmarks compare with.
func HugoSite(site, products string) error {
	if err := os.MkdirAll(filepath.Join(site, "layouts", "_default"), 0o755); err != nil {
		return err
	}
	if err := os.Symlink(products, filepath.Join(site, "content")); err != nil {
		return err
	}
	files := map[string]string{
		"config.toml": "baseURL = 'https://big.test/'\ndisableKinds = ['taxonomy', 'term', 'RSS', 'sitemap', 'robotsTXT', '404']\n",
		"layouts/_default/single.html": `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} – Big Store</title>
<link rel="canonical" href="{{ .Permalink }}"><meta name="description" content="{{ .Summary | plainify }}"></head><body>
<header><a href="/">Big Store</a></header><main><h1>{{ .Title }}</h1><p>{{ .Params.vendor }}</p>
{{ range .Params.images }}<img src="/{{ .src }}" alt="{{ .alt }}" width="800" height="800">{{ end }}
<form method="post"><select name="variant">{{ range .Params.variants }}<option>{{ delimit .options " / " }} – ${{ .price }}</option>{{ end }}</select>
<button>Add to cart</button></form><div>{{ .Content }}</div></main><footer>Big Store</footer></body></html>`,
		"layouts/_default/list.html": `<!DOCTYPE html><html><body>{{ range .Pages }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</body></html>`,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(site, name), []byte(data), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// RebuildProduct is the product file of a store of n products (written by
// Write into dir) that the rebuild benchmarks change: one with a price of
// its own (every third product has one), product 42 when there is one.
func RebuildProduct(dir string, n int) string {
	i := 42
	if n < i {
		i = 3
	}
	return filepath.Join(dir, "products", fmt.Sprintf("product-%05d.md", i))
}

var ownPrice = regexp.MustCompile(`(?m)^price: "[0-9.]+"`)

// SetPrice sets the price of the product in file (one of its own, as
// RebuildProduct's has) to price, "501.00".
func SetPrice(file, price string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if !ownPrice.Match(data) {
		return fmt.Errorf("benchstore: %s has no price of its own to change", file)
	}
	return os.WriteFile(file, ownPrice.ReplaceAll(data, []byte(`price: "`+price+`"`)), 0o644)
}
