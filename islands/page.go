// One request per page view: a page's loader asks for all of its islands
// at once, and the answer carries each as an out-of-band swap.

package islands

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/wandstore/wandstore/components"
)

// pageIslands are the fragments a page's loader may ask for (Meta.Islands
// and the cart badge): each is answered by its own GET route's handler, so
// it is cached per fragment exactly as when asked alone.
var pageIslands = map[string]bool{
	components.RouteCartBadge:       true,
	components.RouteCart:            true,
	components.RouteRecentlyViewed:  true,
	components.RouteRecommendations: true,
	components.RouteWishlistButton:  true,
	components.RouteWishlist:        true,
	components.RoutePreferences:     true,
}

// pageIslandsAnswer answers a page's loader (components.RoutePage): the
// islands named in "i" (comma-separated routes), for "product" when the
// page is a product's. A POST also records the view of that product first
// (a GET never changes state), so the islands show the state after it.
//
// Each island's fragment comes from its own route's handler and is marked
// hx-swap-oob, so htmx puts it in place by its id; the loader itself is
// replaced by nothing. An island that fails is left out (its placeholder
// keeps its fallback) and logged; the others still arrive.
func (s *Server) pageIslandsAnswer(q *request) {
	var vals url.Values
	if q.r.Method == http.MethodPost {
		if !s.form(q) {
			return
		}
		vals = q.r.PostForm
	} else {
		vals = q.r.URL.Query()
	}
	names := strings.Split(vals.Get("i"), ",")
	if len(names) > len(pageIslands) {
		http.Error(q.w, "too many islands", http.StatusBadRequest)
		return
	}
	for _, n := range names {
		if !pageIslands[n] {
			http.Error(q.w, "unknown island", http.StatusBadRequest)
			return
		}
	}
	product := s.productParam(q, vals.Get("product"))
	if q.r.Method == http.MethodPost {
		if _, ok := s.recordProductView(q, product); !ok {
			return
		}
	}
	var out bytes.Buffer
	for _, name := range names {
		html, ok := s.pageIsland(q, name, product)
		if !ok {
			continue
		}
		if html = outOfBand(html); html == nil {
			s.log.Error("island is not one element with an id: left out", "store", q.cat.Store.Handle, "island", name)
			continue
		}
		out.Write(html)
	}
	writeHTML(q, http.StatusOK, out.Bytes())
}

// pageIsland runs the GET handler of route for the shopper of q, into
// memory: its fragment when it answers 200.
func (s *Server) pageIsland(q *request, route, product string) ([]byte, bool) {
	h := s.routes.get[route]
	r := q.r.Clone(q.r.Context())
	r.Method = http.MethodGet
	r.Body = http.NoBody
	r.URL.RawQuery = ""
	r.Header.Del("Accept-Encoding") // the page's answer is compressed as a whole
	if product != "" {
		r.URL.RawQuery = url.Values{"product": {product}}.Encode()
	}
	w := &memoryWriter{header: http.Header{}, status: http.StatusOK}
	sub := *q
	sub.w, sub.r, sub.route, sub.cookies = w, r, route, nil
	h(&sub)
	if w.status != http.StatusOK {
		if w.status >= 500 {
			s.log.Error("island failed in a page's answer", "store", q.cat.Store.Handle, "island", route, "status", w.status)
		}
		return nil, false
	}
	return w.body.Bytes(), true
}

// firstTag is a fragment's first start tag when the element has an id;
// its group is the tag's name.
var firstTag = regexp.MustCompile(`^\s*<([a-zA-Z][a-zA-Z0-9-]*)\s[^>]*\bid="[^"]+"`)

// outOfBand marks a fragment's element (it must be one, with an id) to be
// swapped out of band: in place of the element with that id. nil if the
// fragment does not start with such an element.
func outOfBand(html []byte) []byte {
	loc := firstTag.FindSubmatchIndex(html)
	if loc == nil {
		return nil
	}
	j := loc[3] // the end of the tag's name
	out := make([]byte, 0, len(html)+len(oobAttr))
	out = append(out, html[:j]...)
	out = append(out, oobAttr...)
	return append(out, html[j:]...)
}

const oobAttr = ` hx-swap-oob="true"`

// memoryWriter keeps an answer in memory (a page's islands are written
// together).
type memoryWriter struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (w *memoryWriter) Header() http.Header { return w.header }

func (w *memoryWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
}

func (w *memoryWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.body.Write(b)
}
