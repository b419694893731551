package cdnpurge

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/wandstore/wandstore/generator"
)

func TestURLs(t *testing.T) {
	wands := generator.StoreSummary{Handle: "magic-wands", Path: "/s/magic-wands/", BaseURL: "https://example.com/s/magic-wands/"}
	for _, tc := range []struct {
		name             string
		site             string
		stores           []generator.StoreSummary
		changed, removed []string
		want             []string
	}{{
		name:    "a page gives its folder and its index.html",
		site:    "https://example.com/",
		stores:  []generator.StoreSummary{wands},
		changed: []string{"s/magic-wands/products/elder-wand/index.html"},
		want: []string{
			"https://example.com/s/magic-wands/products/elder-wand/",
			"https://example.com/s/magic-wands/products/elder-wand/index.html",
		},
	}, {
		name:    "other files as they are",
		site:    "https://example.com/",
		stores:  []generator.StoreSummary{wands},
		changed: []string{"s/magic-wands/sitemap.xml", "s/magic-wands/search.json", "s/magic-wands/robots.txt"},
		want: []string{
			"https://example.com/s/magic-wands/robots.txt",
			"https://example.com/s/magic-wands/search.json",
			"https://example.com/s/magic-wands/sitemap.xml",
		},
	}, {
		name:    "new fingerprinted assets were never cached; removed ones were",
		site:    "https://example.com/",
		stores:  []generator.StoreSummary{wands},
		changed: []string{"s/magic-wands/assets/app.1a2b3c4d5e.css", "s/magic-wands/assets/elder.0123456789.jpg", "s/magic-wands/assets/notes.txt"},
		removed: []string{"s/magic-wands/assets/app.ffffffffff.css"},
		want: []string{
			"https://example.com/s/magic-wands/assets/app.ffffffffff.css",
			"https://example.com/s/magic-wands/assets/notes.txt",
		},
	}, {
		name:    "removed pages too, and each URL once",
		site:    "https://example.com/",
		stores:  []generator.StoreSummary{wands},
		changed: []string{"s/magic-wands/index.html", "s/magic-wands/index.html"},
		removed: []string{"s/magic-wands/products/old/index.html", "s/magic-wands/collections/all/page/3/index.html"},
		want: []string{
			"https://example.com/s/magic-wands/",
			"https://example.com/s/magic-wands/collections/all/page/3/",
			"https://example.com/s/magic-wands/collections/all/page/3/index.html",
			"https://example.com/s/magic-wands/index.html",
			"https://example.com/s/magic-wands/products/old/",
			"https://example.com/s/magic-wands/products/old/index.html",
		},
	}, {
		name: "the site's front door",
		site: "https://example.com/",
		stores: []generator.StoreSummary{wands,
			{Handle: "", Name: "site index", Path: "/"}},
		changed: []string{"index.html", "robots.txt", "assets/app.1a2b3c4d5e.css"},
		want:    []string{"https://example.com/", "https://example.com/index.html", "https://example.com/robots.txt"},
	}, {
		// Published paths are URL paths: under a site URL with a path they
		// already begin with it, which must not be added twice.
		name: "a site URL with a path",
		site: "https://example.com/shop/",
		stores: []generator.StoreSummary{
			{Handle: "magic-wands", Path: "/shop/s/magic-wands/", BaseURL: "https://example.com/shop/s/magic-wands/"},
			{Name: "site index", Path: "/shop/"}},
		changed: []string{"shop/s/magic-wands/index.html", "shop/index.html"},
		want: []string{
			"https://example.com/shop/",
			"https://example.com/shop/index.html",
			"https://example.com/shop/s/magic-wands/",
			"https://example.com/shop/s/magic-wands/index.html",
		},
	}, {
		name: "a store with a base_url of its own is purged on its own host",
		site: "http://localhost:8080/",
		stores: []generator.StoreSummary{
			{Handle: "potions", Path: "/potions/", BaseURL: "https://potions.example/potions/"},
			{Handle: "magic-wands", Path: "/s/magic-wands/", BaseURL: "http://localhost:8080/s/magic-wands/"}},
		changed: []string{"potions/index.html", "s/magic-wands/sitemap.xml"},
		removed: []string{"potions/products/newt/index.html"},
		want: []string{
			"http://localhost:8080/s/magic-wands/sitemap.xml",
			"https://potions.example/potions/",
			"https://potions.example/potions/index.html",
			"https://potions.example/potions/products/newt/",
			"https://potions.example/potions/products/newt/index.html",
		},
	}, {
		name:    "a base_url at a host's root",
		site:    "",
		stores:  []generator.StoreSummary{{Handle: "potions", Path: "/", BaseURL: "https://potions.example/"}},
		changed: []string{"index.html", "products/newt/index.html", "sitemap.xml"},
		want: []string{
			"https://potions.example/",
			"https://potions.example/index.html",
			"https://potions.example/products/newt/",
			"https://potions.example/products/newt/index.html",
			"https://potions.example/sitemap.xml",
		},
	}, {
		name:    "paths no store claims take the site's host; odd characters are escaped",
		site:    "", // generator.DefaultSiteURL
		changed: []string{"s/x/products/café au lait/index.html"},
		want: []string{
			"http://localhost:8080/s/x/products/caf%C3%A9%20au%20lait/",
			"http://localhost:8080/s/x/products/caf%C3%A9%20au%20lait/index.html",
		},
	}, {
		name: "nothing changed",
		site: "https://example.com/",
		want: []string{},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := URLs(tc.site, &generator.Summary{Stores: tc.stores, Changed: tc.changed, Removed: tc.removed})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}

func TestURLsRejectsRelativeURLs(t *testing.T) {
	if _, err := URLs("example.com", &generator.Summary{}); err == nil {
		t.Error("a site URL without a scheme was accepted")
	}
	if _, err := URLs("https://example.com/", &generator.Summary{Stores: []generator.StoreSummary{{Handle: "x", BaseURL: "/s/x/"}}}); err == nil {
		t.Error("a relative base URL was accepted")
	}
}

func TestFingerprinted(t *testing.T) {
	for p, want := range map[string]bool{
		"s/shop/assets/app.1a2b3c4d5e.css":     true,
		"assets/app.1a2b3c4d5e.css":            true,
		"s/shop/assets/htmx.min.0a1b2c3d4e.js": true,
		"s/shop/assets/LICENSE.0a1b2c3d4e":     true,
		"s/shop/assets/app.css":                false,
		"s/shop/assets/app.1A2B3C4D5E.css":     false,
		"s/shop/assets/app.1a2b3c4d.css":       false,
		"s/shop/assets/.1a2b3c4d5e.css":        false,
		"s/shop/img/app.1a2b3c4d5e.css":        false,
		"s/shop/assets/x/app.1a2b3c4d5e.css":   false,
		"s/shop/products/assets/index.html":    false,
	} {
		if got := fingerprinted(p); got != want {
			t.Errorf("fingerprinted(%q) = %v", p, got)
		}
	}
}

func TestPurgeSummary(t *testing.T) {
	f := newFakeCloudflare(t)
	p, _ := newTestPurger(t, Config{Endpoint: f.endpoint(), Token: token})
	sum := &generator.Summary{
		Stores:  []generator.StoreSummary{{Handle: "shop", Path: "/s/shop/", BaseURL: "https://example.com/s/shop/"}},
		Changed: []string{"s/shop/assets/app.1a2b3c4d5e.css", "s/shop/index.html"},
		Removed: []string{"s/shop/assets/app.0000000000.css"},
	}
	st, err := PurgeSummary(context.Background(), p, "https://example.com/", sum)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://example.com/s/shop/", "https://example.com/s/shop/assets/app.0000000000.css", "https://example.com/s/shop/index.html"}
	if st != (Stats{URLs: 3, Requests: 1}) || len(f.got) != 1 || !slices.Equal(f.got[0], want) {
		t.Errorf("stats %+v, sent %q", st, f.got)
	}

	f.hits = 0
	if st, err := PurgeSummary(context.Background(), p, "https://example.com/", &generator.Summary{Changed: []string{"s/shop/assets/app.1a2b3c4d5e.css"}}); err != nil || st.Requests != 0 || f.hits != 0 {
		t.Errorf("only new assets: %+v, %v, %d requests", st, err, f.hits)
	}
}
