package islands

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/components"
)

// BenchmarkCollectionFilter10k asks the filter route of a 10,000-product
// collection (20 vendors, 12 types, two options, four variants each) for
// two vendors, two sizes, a price range and "in stock", sorted by price,
// page 3, over HTTP on 127.0.0.1 with keep-alive, one request at a time:
//
//		go test -run '^$' -bench CollectionFilter10k ./islands/
//
//	  - bare: a plain net/http handler answering the same bytes with the
//	    same headers, in the same run: this machine's HTTP floor.
//	  - cached: the islands server with its Olric member, the answer cached
//	    (what every request but the first of a minute costs).
//	  - render: the islands server with no cache: every request filters,
//	    sorts, pages, counts the facets and renders the page.
//
// Each for the whole page (no JavaScript) and the htmx fragments. Read
// them against bare; nothing fails on a time.
func BenchmarkCollectionFilter10k(b *testing.B) {
	st := bigStore(10000)
	cat := demoCatalog(b)
	cat.Store = st
	cat.Site.Store = st
	cached := filterServer(b, cat, true)
	uncached := filterServer(b, &Catalog{Store: st, Site: cat.Site, Version: "bench"}, false)
	q := url.Values{
		"filter.p.vendor":       {"Vendor 3", "Vendor 7"},
		"filter.v.option.size":  {"M", "L"},
		"filter.v.price.gte":    {"20"},
		"filter.v.price.lte":    {"200"},
		"filter.v.availability": {"1"},
		"sort_by":               {"price-ascending"},
		"page":                  {"3"},
	}
	path := cat.Site.IslandPath(components.RouteCollectionFilter+"all/") + "?" + q.Encode()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	for _, htmx := range []bool{false, true} {
		kind := map[bool]string{false: "page", true: "htmx"}[htmx]
		body, hdr := benchFetch(b, hc, cached.URL+path, htmx)
		bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for k, v := range hdr {
				w.Header()[k] = v
			}
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(body)
		}))
		b.Cleanup(bare.Close)
		for _, tc := range []struct{ name, base string }{{"bare", bare.URL}, {"cached", cached.URL}, {"render", uncached.URL}} {
			b.Run(kind+"/"+tc.name, func(b *testing.B) {
				b.SetBytes(int64(len(body)))
				for b.Loop() {
					if got, _ := benchFetch(b, hc, tc.base+path, htmx); len(got) != len(body) {
						b.Fatalf("%d bytes, want %d", len(got), len(body))
					}
				}
			})
		}
	}
}

func benchFetch(b *testing.B, hc *http.Client, u string, htmx bool) ([]byte, http.Header) {
	req, _ := http.NewRequest("GET", u, nil)
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	resp, err := hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("collection-results")) {
		b.Fatalf("%d: %.200s", resp.StatusCode, body)
	}
	return body, resp.Header
}

// filterServer is an islands server for cat with no rate limit to speak
// of, with an Olric member or none.
func filterServer(b *testing.B, cat *Catalog, withCache bool) *httptest.Server {
	db := migratedDB(b)
	opts := Options{Store: db, Catalogs: NewCatalogs(cat), SessionKeys: [][]byte{bytes.Repeat([]byte("k"), 32)},
		Limits: Limits{PerIP: 1 << 30, PerShopper: 1 << 30, Window: time.Minute}}
	if withCache {
		opts.Cache = openCache(b)
	}
	srv, err := New(opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Close)
	ts := httptest.NewServer(srv.Handler())
	b.Cleanup(ts.Close)
	return ts
}

// bigStore is a store of n products: 20 vendors, 12 types, a Size (4
// values) and a Colour (10) option, four variants each with a spread of
// prices, some sold out.
func bigStore(n int) *catalog.Store {
	st := &catalog.Store{Handle: "magic-wands", Name: "Big", Currency: "USD", Locale: "en-US",
		Settings: catalog.Settings{ProductsPerPage: 24}}
	sizes := []string{"S", "M", "L", "XL"}
	for i := range n {
		p := &catalog.Product{Handle: fmt.Sprint("p-", i), Title: fmt.Sprint("Product ", (i*7919)%n),
			Vendor: fmt.Sprint("Vendor ", i%20), Type: fmt.Sprint("Type ", i%12), Status: catalog.StatusActive,
			CreatedAt: time.Unix(int64(i*3600), 0),
			Options:   []catalog.Option{{Name: "Size", Values: sizes}, {Name: "Colour"}}}
		colour := fmt.Sprint("Colour ", i%10)
		for j, sz := range sizes {
			p.Variants = append(p.Variants, catalog.Variant{ID: sz, Options: []string{sz, colour},
				Price: catalog.Money{Amount: int64(500 + (i*37+j*250)%30000), Currency: "USD"}, Available: (i+j)%5 != 0})
		}
		st.Products = append(st.Products, p)
	}
	st.Index()
	return st
}
