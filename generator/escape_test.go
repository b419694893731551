package generator

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// payload tries to break out of text, attributes, URLs, <title>, <script>
// (JSON-LD) and CSS.
const payload = `"'><script>alert(1)</script><img src=x onerror=alert(2)></title></script><a href="javascript:alert(3)">x</a>`

func q(s string) string { b, _ := json.Marshal(s); return string(b) } // JSON strings are YAML strings

// TestEscapingEveryTextField puts the payload in every text a merchant (or
// Shopify) controls and checks that no page, index or sitemap carries it as
// markup: the only scripts are our assets and JSON-LD data, no event
// handler attributes, no javascript: URLs, and the text still shows.
func TestEscapingEveryTextField(t *testing.T) {
	p := func(tag string) string { return q(tag + payload) }
	evilHTML := `<p onclick="alert(4)">Body` + payload + `</p><script>alert(5)</script><a href="javascript:alert(6)">link</a>` +
		`<img src="https://img.test/a.png" onerror="alert(7)"><iframe src="https://evil.test"></iframe><style>body{display:none}</style>` +
		`<svg><script>alert(8)</script></svg><form action="https://evil.test"><input name=x></form>`
	s := newSite(t, `
-- x/store.yaml --
name: `+p("Store")+`
currency: USD
description: `+p("StoreDesc")+`
theme:
  logo: { src: images/a.svg, alt: `+p("LogoAlt")+` }
settings:
  announcement: `+p("Announce")+`
  contact_email: "a@b.test"
  featured_collections: [c]
  featured_products: [evil]
-- x/images/a.svg --
`+svg+`
-- x/products/evil.md --
---
title: `+p("Title")+`
vendor: `+p("Vendor")+`
type: `+p("Type")+`
tags: [`+p("Tag")+`]
seo: { title: `+p("SeoTitle")+`, description: `+p("SeoDesc")+` }
images: [{ src: images/a.svg, alt: `+p("Alt")+` }]
options: [{ name: `+p("OptName")+`, values: [`+p("OptVal")+`, b] }]
variants:
  - { sku: `+p("Sku")+`, options: [`+p("OptVal")+`], price: "1.00" }
  - { sku: s2, options: [b], price: "2.00" }
---
`+evilHTML+`
-- x/products/plain.md --
---
title: Plain
price: "3.00"
---
Also has *markdown* and <script>alert(9)</script> raw HTML.
-- x/collections/c.yaml --
title: `+p("CollTitle")+`
description: `+q(evilHTML)+`
seo: { title: `+p("CollSeo")+`, description: `+p("CollSeoDesc")+` }
image: { src: images/a.svg, alt: `+p("CollAlt")+` }
products: [evil, plain]
`)
	s.build()

	var pages int
	seenText := map[string]bool{}
	err := filepath.WalkDir(s.out, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(path, ".wandstore") {
			return err
		}
		rel, _ := filepath.Rel(s.out, path)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		switch filepath.Ext(path) {
		case ".html":
			pages++
			checkHTML(t, rel, string(data), seenText)
		case ".json":
			var v any
			if err := json.Unmarshal(data, &v); err != nil {
				t.Errorf("%s: not JSON: %v", rel, err)
			}
		case ".xml":
			dec := xml.NewDecoder(strings.NewReader(string(data)))
			for {
				if _, err := dec.Token(); err == io.EOF {
					break
				} else if err != nil {
					t.Errorf("%s: not XML: %v", rel, err)
					break
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if pages < 10 {
		t.Fatalf("only %d pages checked", pages)
	}
	// The texts are shown (as text), not dropped: a test that passes because
	// a field vanished would prove nothing.
	for _, tag := range []string{"Store", "StoreDesc", "Announce", "Title", "Vendor", "SeoTitle", "OptName", "OptVal", "CollTitle", "Body"} {
		if !seenText[tag] {
			t.Errorf("text of %s never appears on a page", tag)
		}
	}
	// (The logo is decorative, alt="", beside the store name.)
	for _, tag := range []string{"Alt", "SeoDesc", "CollAlt", "CollSeoDesc"} {
		if !seenText["attr:"+tag] {
			t.Errorf("attribute text of %s never appears", tag)
		}
	}
	// JSON-LD carries the payload as data: it parses, and names the product.
	ld := jsonLD(t, s.doc("s/x/products/evil/index.html"))
	if name, _ := ld["Product"]["name"].(string); name != "Title"+payload {
		t.Errorf("JSON-LD name = %q", name)
	}
	// Scripts inside the description are dropped with their content, from
	// the page and from the JSON-LD description alike.
	for _, rel := range []string{"s/x/products/evil/index.html", "s/x/collections/c/index.html"} {
		if raw := s.read(rel); strings.Contains(raw, "alert(5)") || strings.Contains(raw, "alert(8)") {
			t.Errorf("%s: a description <script> reached the page", rel)
		}
	}
}

func checkHTML(t *testing.T, rel, page string, seen map[string]bool) {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	doc.Find("script").Each(func(_ int, sel *goquery.Selection) {
		src, hasSrc := sel.Attr("src")
		typ, _ := sel.Attr("type")
		switch {
		case hasSrc && strings.HasPrefix(src, "/s/x/assets/") && strings.TrimSpace(sel.Text()) == "":
		case typ == "application/ld+json" || typ == "application/json":
			// Data, not code (JSON-LD; the search page's messages).
			var v any
			if err := json.Unmarshal([]byte(sel.Text()), &v); err != nil {
				t.Errorf("%s: JSON-LD broken by payload: %v", rel, err)
			}
		default:
			t.Errorf("%s: unexpected script: %s", rel, outer(sel))
		}
	})
	for _, tag := range []string{"iframe", "object", "embed", "style", "form[action^='https://evil']", "svg", "base"} {
		if n := doc.Find(tag).Length(); n > 0 {
			t.Errorf("%s: %d <%s> from content", rel, n, tag)
		}
	}
	doc.Find("*").Each(func(_ int, sel *goquery.Selection) {
		for _, a := range sel.Nodes[0].Attr {
			name := strings.ToLower(a.Key)
			if strings.HasPrefix(name, "on") {
				t.Errorf("%s: event handler attribute %s=%q on <%s>", rel, a.Key, a.Val, sel.Nodes[0].Data)
			}
			if (name == "href" || name == "src" || name == "action" || name == "hx-get" || name == "hx-post") &&
				strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
				t.Errorf("%s: javascript: URL in %s", rel, a.Key)
			}
			for _, tag := range []string{"LogoAlt", "Alt", "SeoDesc", "CollAlt", "CollSeoDesc"} {
				if strings.HasPrefix(a.Val, tag+payload) {
					seen["attr:"+tag] = true
				}
			}
		}
		// Descriptions are HTML: a sanitized <img> there is the merchant's.
		if sel.Nodes[0].Data == "img" && sel.Closest(".description").Length() == 0 {
			if src, _ := sel.Attr("src"); src == "x" {
				t.Errorf("%s: payload <img> became an element", rel)
			}
		}
	})
	// Text nodes that hold the payload intact prove it was escaped, not
	// stripped.
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode && n.Parent != nil && n.Parent.Data != "script" {
			for _, tag := range []string{"Store", "StoreDesc", "Announce", "Title", "Vendor", "SeoTitle", "OptName", "OptVal", "CollTitle"} {
				if strings.Contains(n.Data, tag+payload) {
					seen[tag] = true
				}
			}
			// The description is HTML: its text survives, its markup is cleaned.
			if strings.HasPrefix(n.Data, "Body") && n.Parent.Data == "p" {
				seen["Body"] = true
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc.Nodes[0])
}

func outer(sel *goquery.Selection) string {
	h, _ := goquery.OuterHtml(sel)
	return h
}

// A merchant's image files are published so that none can run script on
// the origin every store shares: an SVG's script and handlers are removed
// (the drawing stays), and a file whose bytes are not the image its name
// says stops the build, naming it.
func TestImagesArePublishedSafe(t *testing.T) {
	s := newSite(t, shop)
	s.write("tea/images/sencha.svg", `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" onload="fetch('/s/other/islands/greeting')"><script>alert(document.cookie)</script><circle r="5"/></svg>`)
	s.build()
	matches, _ := filepath.Glob(filepath.Join(s.out, "s/tea/assets/sencha.*.svg"))
	if len(matches) != 1 {
		t.Fatalf("published sencha images: %v", matches)
	}
	data, _ := os.ReadFile(matches[0])
	if got := string(data); strings.Contains(got, "script") || strings.Contains(got, "onload") || !strings.Contains(got, "<circle") {
		t.Fatalf("published SVG:\n%s", got)
	}

	// With its size given, the loader does not decode it: the build's
	// own check is what stops it.
	s.edit("tea/products/sencha.md", "{ src: images/sencha.svg,", "{ src: images/sencha.png, width: 10, height: 10,")
	s.write("tea/images/sencha.png", "<html><script>alert(1)</script></html>")
	_, err := Build(context.Background(), s.options())
	if err == nil || !strings.Contains(err.Error(), `image "images/sencha.png"`) || !strings.Contains(err.Error(), "not a image/png image") {
		t.Fatalf("a page named .png: %v", err)
	}
	s.write("tea/images/sencha.svg", `<html><body>not an svg</body></html>`)
	s.edit("tea/products/sencha.md", "images/sencha.png,", "images/sencha.svg,")
	if _, err := Build(context.Background(), s.options()); err == nil || !strings.Contains(err.Error(), "images/sencha.svg") {
		t.Fatalf("an HTML page named .svg: %v", err)
	}
}

// Every page carries its Content-Security-Policy in a meta element: a
// bucket or CDN that sends no headers still blocks inline and foreign
// script.
func TestPagesCarryTheirCSP(t *testing.T) {
	s := newSite(t, shop)
	s.build()
	for _, page := range []string{"s/tea/index.html", "s/tea/products/sencha/index.html", "s/tea/collections/all/index.html", "s/tea/search/index.html", "s/tea/404.html", "index.html"} {
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(s.read(page)))
		if err != nil {
			t.Fatal(err)
		}
		csp, _ := doc.Find(`head > meta[http-equiv="Content-Security-Policy"]`).Attr("content")
		if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "object-src 'none'") {
			t.Errorf("%s: CSP meta %q", page, csp)
		}
	}
}
