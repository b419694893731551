// Collection filters: the one island whose answer is the same for every
// shopper. A collection's pre-rendered pages carry a filter form (a plain
// GET form) whose action is this route; it filters, sorts and pages the
// collection from the catalog in memory (catalog/facets), and answers a
// full page (no JavaScript) or the results and the form's fields (htmx).
// No shopper is identified and no cookie set, so the answer is public:
// cacheable by browsers and CDNs for a minute, and cached in the cache
// (Olric) under the store, the catalog version and the canonical query.

package islands

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/a-h/templ"
	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/catalog/facets"
	"github.com/wandstore/wandstore/components"
)

// routeCollectionFilter is the metrics name of the filter route.
const routeCollectionFilter = "collections"

// maxFilterQuery bounds a filter request's query string. A form with
// every facet of a large collection ticked stays well under it.
const maxFilterQuery = 4096

// publicMaxAge is how long a public answer may be reused: the fragment
// cache's TTL, so a catalog change shows within a minute everywhere.
const publicMaxAge = "public, max-age=60"

// facetIndexes are a catalog's collections ready to filter, each built on
// first use. A catalog change makes a new Catalog, so they always follow
// the catalog they were built from.
type facetIndexes struct {
	mu sync.Mutex
	m  map[string]*facetEntry
}

type facetEntry struct {
	once sync.Once
	c    *catalog.Collection
	x    *facets.Index
}

// facetIndex returns a collection's filter index (nil when the store has
// no such collection), building it once: about 20 ms for 10,000 products
// (BenchmarkNew10k in catalog/facets).
func (x *Catalog) facetIndex(handle string) (*catalog.Collection, *facets.Index) {
	st := x.Store
	c := st.Collection(handle)
	if c == nil && handle != components.AllHandle {
		return nil, nil
	}
	x.facets.mu.Lock()
	if x.facets.m == nil {
		x.facets.m = map[string]*facetEntry{}
	}
	e := x.facets.m[handle]
	if e == nil {
		e = &facetEntry{}
		x.facets.m[handle] = e
	}
	x.facets.mu.Unlock()
	e.once.Do(func() {
		if c == nil { // the built-in "all", which the store does not define
			c = st.AllProducts(components.AllHandle, x.Site.T("collection.all")) // as Site.AllProducts names it, of this catalog
		}
		e.c, e.x = c, facets.New(c.Products(), c.Sort, st.Currency)
	})
	return e.c, e.x
}

// public marks an answer as the same for everyone: any cache may keep it
// for a minute, keyed by whether htmx asked (a fragment or a whole page).
func public(h http.Header) {
	h.Set("Cache-Control", publicMaxAge)
	h.Set("Vary", hxRequest+", "+hxTriggerID)
}

// collectionFilter answers GET collections/<handle>/?<filter>: the
// collection filtered, sorted and paged.
func (s *Server) collectionFilter(q *request) {
	site := q.cat.Site
	rest := strings.TrimPrefix(q.r.URL.Path, site.IslandPath(components.RouteCollectionFilter))
	handle, ok := strings.CutSuffix(rest, "/")
	if !ok || !catalog.ValidHandle(handle) {
		http.NotFound(q.w, q.r)
		return
	}
	c, x := q.cat.facetIndex(handle)
	if x == nil {
		http.NotFound(q.w, q.r)
		return
	}
	if len(q.r.URL.RawQuery) > maxFilterQuery {
		s.filterTooLong(q, c)
		return
	}
	// A malformed escape drops only its own parameter: ParseQuery keeps
	// the rest.
	vals, _ := url.ParseQuery(q.r.URL.RawQuery)
	fq, issues := x.Parse(vals)
	ctx := q.r.Context()
	fields := q.htmx && q.r.Header.Get(hxTriggerID) == components.IDFilters
	key := publicKey(q, fields, handle, fq.Encode(x.Currency()))
	if s.cache != nil && len(issues) == 0 {
		if html, hit := s.cachedFragment(ctx, q.cat.Store.Handle, key); hit {
			s.writePublic(q, fields, site.FilterPath(handle, fq), html)
			return
		}
	}
	r := x.Apply(fq, q.cat.Store.ProductsPerPage())
	v := components.NewFilteredCollectionView(site, c, r, fq, issues)
	html, err := renderFilter(ctx, site, v, q.htmx, fields)
	if err != nil {
		s.internalError(q, err)
		return
	}
	// An answer with messages about the request (a bad price, a page past
	// the last) is not kept: junk in URLs must not fill the cache.
	if s.cache != nil && len(issues) == 0 && len(r.Issues) == 0 {
		cctx, cancel := context.WithTimeout(ctx, s.cacheTO)
		if err := s.cache.PutFragment(cctx, key, html); err != nil {
			s.cacheError("fragment_put", err)
		}
		cancel()
	}
	fq.Page = r.Page
	s.writePublic(q, fields, site.FilterPath(handle, fq), html)
}

// publicKey names a public answer in the cache: no shopper in it, the
// catalog version, whether htmx asked, and the canonical query.
func publicKey(q *request, fields bool, handle, query string) string {
	kind := "page"
	switch {
	case fields:
		kind = "fields"
	case q.htmx:
		kind = "htmx"
	}
	return "public|" + q.cat.Store.Handle + "|" + q.cat.Version + "|" + components.RouteCollectionFilter + handle + "|" + kind + "|" + query
}

// renderFilter renders a filtered listing: a whole page, or for htmx the
// results and, out of band, the form's fields (their counts); only the
// counts when the form asked for them on opening.
func renderFilter(ctx context.Context, site *components.Site, v components.CollectionView, htmx, fields bool) ([]byte, error) {
	page := components.CollectionPage(site, v)
	if !htmx {
		return renderBytes(ctx, page)
	}
	if fields {
		return renderBytes(ctx, components.FilterCounts(v.Filters))
	}
	v.Filters.OOB = true
	var buf bytes.Buffer
	err := templ.RenderFragments(ctx, &buf, components.CollectionPage(site, v), components.FragmentCollectionResults, components.FragmentFilterFields)
	return buf.Bytes(), err
}

// writePublic answers a public page; htmx is told to push its canonical
// URL (what a reload or a shared link renders), unless it asked only for
// the counts.
func (s *Server) writePublic(q *request, fields bool, canonical string, html []byte) {
	public(q.w.Header())
	if q.htmx && !fields {
		q.w.Header().Set(hxPushURL, canonical)
	}
	writeHTML(q, http.StatusOK, html)
}

// filterTooLong answers a query string past maxFilterQuery: a page that
// says so, with the way back to the collection.
func (s *Server) filterTooLong(q *request, c *catalog.Collection) {
	site := q.cat.Site
	msg := site.T("filters.error.too_long")
	back := components.NavLink{Title: site.T("filters.back"), Path: site.CollectionPath(c.Handle, catalog.SortManual, 1)}
	if q.htmx {
		// htmx swaps no 4xx answer: the message replaces the results.
		s.render(q, http.StatusOK, components.FilterError(site, msg, back))
		return
	}
	title := site.T("filters.too_long_title")
	s.render(q, http.StatusRequestURITooLong, components.ErrorPage(site, components.SimpleMeta(site, title, "", true), title, components.FilterMessage(msg), back))
}
