package islands

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wandstore/wandstore/catalog"
)

// inAll counts the demo store's published products matching pred.
func inAll(st *catalog.Store, pred func(*catalog.Product) bool) int {
	n := 0
	for _, p := range st.PublishedProducts() {
		if pred(p) {
			n++
		}
	}
	return n
}

// countOf is the listing's count as the page says it ("12 products").
func countOf(t *testing.T, a answer) int {
	t.Helper()
	f := strings.Fields(a.doc(t).Find("[data-testid=collection-count]").Text())
	if len(f) == 0 {
		t.Fatalf("no count in %.300s", a.body)
	}
	n, err := strconv.Atoi(f[0])
	if err != nil {
		t.Fatalf("count %q", f)
	}
	return n
}

// The filter route answers the same to everyone: no shopper, no cookie,
// cacheable for a minute; a whole page without htmx (not indexed, its
// canonical the collection), the results and fields with htmx.
func TestCollectionFilterIsPublic(t *testing.T) {
	e := newEnv(t)
	st := e.cat.Store
	vendor := st.PublishedProducts()[0].Vendor
	want := inAll(st, func(p *catalog.Product) bool { return p.Vendor == vendor && p.Available() })
	path := e.base + "collections/all/?filter.v.availability=1&filter.p.vendor=" + strings.ReplaceAll(vendor, " ", "+") + "&sort_by=price-ascending"

	page := e.shopper().do("GET", path, nil, false)
	if page.status != http.StatusOK || page.header.Get("Cache-Control") != "public, max-age=60" || page.header.Get("Vary") != "HX-Request, HX-Trigger, Accept-Encoding" || len(page.header.Values("Set-Cookie")) != 0 {
		t.Fatalf("%d %v", page.status, page.header)
	}
	d := page.doc(t)
	if countOf(t, page) != want || d.Find("meta[name=robots]").AttrOr("content", "") != "noindex" ||
		d.Find("link[rel=canonical]").AttrOr("href", "") != e.cat.Site.URL("collections/all/") {
		t.Errorf("count %d (want %d), robots %q, canonical %q", countOf(t, page), want,
			d.Find("meta[name=robots]").AttrOr("content", ""), d.Find("link[rel=canonical]").AttrOr("href", ""))
	}
	// Prices ascend across the page.
	var prices []int64
	for _, p := range st.PublishedProducts() {
		if p.Vendor == vendor && p.Available() {
			prices = append(prices, p.MinPrice().Amount)
		}
	}
	slices.Sort(prices)
	var shown []int64
	d.Find("[data-testid=product-card] h3 a").Each(func(_ int, s *goquerySel) {
		h := strings.TrimSuffix(strings.TrimPrefix(s.AttrOr("href", ""), e.cat.Site.Path("products/")), "/")
		shown = append(shown, st.Product(h).MinPrice().Amount)
	})
	if n := min(len(prices), st.ProductsPerPage()); !slices.Equal(shown, prices[:n]) {
		t.Errorf("prices %v, want %v", shown, prices[:n])
	}

	frag := e.shopper().do("GET", path, nil, true)
	fd := frag.doc(t)
	if frag.status != http.StatusOK || strings.Contains(frag.body, "<html") || fd.Find("#collection-results").Length() != 1 ||
		fd.Find("#filter-fields[hx-swap-oob=true]").Length() != 1 || len(frag.header.Values("Set-Cookie")) != 0 {
		t.Errorf("htmx answer %d: %.400s", frag.status, frag.body)
	}
	// The fields swapped in carry the order: the page's form is not
	// rendered again, so a listing sorted in place would otherwise lose
	// its order at the next filter change.
	if got := fd.Find("#filter-fields input[name=sort_by]").AttrOr("value", ""); got != "price-ascending" {
		t.Errorf("the fields of the htmx answer carry sort_by %q, want price-ascending", got)
	}
	// The canonical URL: parameters sorted, defaults left out.
	if push := frag.header.Get("HX-Push-Url"); push != e.base+"collections/all/?filter.p.vendor="+strings.ReplaceAll(vendor, " ", "+")+"&filter.v.availability=1&sort_by=price-ascending" {
		t.Errorf("HX-Push-Url %q", push)
	}
}

// The same query in another spelling is the same cached answer; a junk
// parameter does not make a new one.
func TestCollectionFilterCached(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	hits := func() int { n, _ := strconv.Atoi(e.metric(`wandstore_fragment_cache_total{result="hit"}`)); return n }
	a := c.do("GET", e.base+"collections/all/?filter.v.price.lte=30&sort_by=title-ascending", nil, true)
	before := hits()
	b := c.do("GET", e.base+"collections/all/?sort_by=title-ascending&utm_source=x&filter.v.price.lte=30.00&filter.p.nothing=1", nil, true)
	if a.status != 200 || a.body != b.body || hits() != before+1 {
		t.Errorf("second spelling: %d hits after %d; same body %v", hits(), before, a.body == b.body)
	}
}

func TestCollectionFilterBadInput(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	total := len(e.cat.Store.PublishedProducts())
	for _, tc := range []struct {
		name, query string
		status      int
		message     string // in a filter message; "" for none
		count       int    // -1: not checked
	}{
		{"not a number", "filter.v.price.gte=cheap", 200, "“cheap” is not a price", total},
		{"negative", "filter.v.price.lte=-5", 200, "below zero", total},
		{"min above max", "filter.v.price.gte=100&filter.v.price.lte=10", 200, "swapped", -1},
		{"page beyond", "page=999", 200, "the last page", total},
		{"unknown filters", "filter.p.colour=red&filter.v.option.nothing=1&foo=bar", 200, "", total},
		{"repeated", "page=1&page=2&filter.v.availability=1&filter.v.availability=1", 200, "", -1},
		{"bad escapes", "filter.p.vendor=%zz&filter.v.price.gte=%", 200, "", total},
		{"too long", "filter.p.vendor=" + strings.Repeat("x", 5000), http.StatusRequestURITooLong, "too long", -1},
	} {
		for _, htmx := range []bool{false, true} {
			a := c.do("GET", e.base+"collections/all/?"+tc.query, nil, htmx)
			want := tc.status
			if htmx {
				want = 200 // htmx swaps only 2xx: the message is the content
			}
			if a.status != want {
				t.Errorf("%s (htmx %v): %d, want %d", tc.name, htmx, a.status, want)
				continue
			}
			msg := a.doc(t).Find("[data-testid=filter-message]").Text()
			if (tc.message == "") != (msg == "") || !strings.Contains(msg, tc.message) {
				t.Errorf("%s (htmx %v): message %q, want %q", tc.name, htmx, msg, tc.message)
			}
			if tc.count >= 0 && countOf(t, a) != tc.count {
				t.Errorf("%s: count %d, want %d", tc.name, countOf(t, a), tc.count)
			}
		}
	}
	// Unknown collections and other methods.
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "collections/no-such/", 404},
		{"GET", "collections/all", 404},
		{"POST", "collections/all/", 405},
	} {
		if a := c.do(tc.method, e.base+tc.path, nil, false); a.status != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, a.status, tc.status)
		}
	}
}

// An empty result says so, with a way to clear the filters.
func TestCollectionFilterEmpty(t *testing.T) {
	e := newEnv(t)
	a := e.shopper().do("GET", e.base+"collections/wands/?filter.v.price.gte=100000", nil, false)
	link := a.doc(t).Find("[data-testid=filters-empty] a").AttrOr("href", "")
	if a.status != 200 || link != e.cat.Site.CollectionPath("wands", catalog.SortManual, 1) {
		t.Errorf("%d, clear link %q", a.status, link)
	}
}

// A catalog change is filtered at once: the index follows the catalog.
func TestCollectionFilterFollowsTheCatalog(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	q := e.base + "collections/all/?filter.p.vendor=Brand+New+Makers"
	// A vendor the collection does not have is ignored: everything, unfiltered.
	if a := c.do("GET", q, nil, false); countOf(t, a) != len(e.cat.Store.PublishedProducts()) || a.doc(t).Find("[data-testid=filter-chip]").Length() != 0 {
		t.Fatalf("before: %d", countOf(t, a))
	}
	st := demoStore(t)
	st.Products[0].Vendor = "Brand New Makers"
	st.Index()
	next := demoCatalog(t)
	next.Store, next.Version = st, "demo-2"
	e.srv.cats.Set(next)
	if a := c.do("GET", q, nil, false); countOf(t, a) != 1 {
		t.Errorf("after: %d", countOf(t, a))
	}
}

// The client's rate limit applies; a refusal is not public.
func TestCollectionFilterRateLimited(t *testing.T) {
	// The Japanese store: its refusal must be in Japanese, as every other.
	ja := kitsuneCatalog(t)
	e := newEnv(t, func(o *Options) {
		o.Limits = Limits{PerIP: 3}
		o.Catalogs = NewCatalogs(demoCatalog(t), ja)
	})
	e.cat, e.base = ja, ja.Site.IslandPath("")
	c := e.shopper()
	var last answer
	for range 6 {
		last = c.do("GET", e.base+"collections/all/", nil, false)
	}
	if last.status != http.StatusTooManyRequests || last.header.Get("Cache-Control") == "public, max-age=60" || last.header.Get("Retry-After") == "" {
		t.Errorf("%d %v", last.status, last.header)
	}
	if want := ja.Site.T("error.too_many"); strings.TrimSpace(last.body) != want {
		t.Errorf("refusal %q, want %q", last.body, want)
	}
}

// A pre-rendered form opened with htmx asks for its counts: only they
// come back (out of band, into the form's empty ones), and no URL is
// pushed.
func TestCollectionFilterCountsOnOpen(t *testing.T) {
	e := newEnv(t)
	st := e.cat.Store
	a := e.shopper().do("GET", e.base+"collections/all/?sort_by=price-descending", nil, true, "HX-Trigger", "filters")
	d := a.doc(t)
	if a.status != 200 || d.Find("#collection-results").Length() != 0 || d.Find("#filter-fields").Length() != 0 || d.Find(".count[hx-swap-oob=true]").Length() < 5 || a.header.Get("HX-Push-Url") != "" {
		t.Fatalf("%d %v: %.300s", a.status, a.header, a.body)
	}
	want := "(" + strconv.Itoa(inAll(st, (*catalog.Product).Available)) + ")"
	if got := d.Find("#c-f-stock").Text(); got != want {
		t.Errorf("in stock count %q, want %q", got, want)
	}
}
