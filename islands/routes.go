// Routing: the server's handler, which island a request asks for, and
// the request as the handlers see it.

package islands

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"

	"github.com/wandstore/wandstore/components"
	"github.com/wandstore/wandstore/islands/admin"
	"github.com/wandstore/wandstore/islands/shopper"
	"github.com/wandstore/wandstore/ops"
)

// WebhookPath is where Shopify delivers catalog webhooks (Options.Webhooks).
const WebhookPath = "/webhooks/shopify"

// Handler answers the islands of every store (under each store's
// <base path>islands/) and a bare /healthz, for the public port.
// Cross-origin state-changing requests are refused; request bodies are
// bounded. /readyz and /metrics (what the database, the cache and the
// checkouts are doing) are OpsHandler's, or answered here only to the admin
// token (Options.AdminToken): a shopper cannot read sales volume.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.Handle("GET /readyz", s.adminOnly(http.HandlerFunc(s.readyz)))
	mux.Handle("GET /metrics", s.adminOnly(s.metricsHandler()))
	if s.board != nil {
		mux.Handle(admin.Path, s.board)
	}
	mux.HandleFunc("/", s.serveIsland)
	protected := http.NewCrossOriginProtection().Handler(mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SecurityHeaders(w.Header())
		personal(w.Header())
		if r.URL.Path == WebhookPath && s.webhooks != nil {
			s.webhooks.ServeHTTP(w, r) // it answers other methods 405
			return
		}
		protected.ServeHTTP(w, r)
	})
}

// OpsHandler answers /healthz, /readyz and /metrics, for an operations
// address only the operator reaches (serve's --ops-addr, 127.0.0.1 by
// default).
func (s *Server) OpsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.metricsHandler())
	if s.board != nil {
		mux.Handle(admin.Path, s.board)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SecurityHeaders(w.Header())
		personal(w.Header())
		mux.ServeHTTP(w, r)
	})
}

// adminOnly serves h only to a request carrying the admin token; any
// other gets a 404, as if nothing were there.
func (s *Server) adminOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if s.admin == "" || !ok || subtle.ConstantTimeCompare([]byte(token), []byte(s.admin)) != 1 {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// personal marks an answer as one shopper's, whatever its status (an
// error too): no cache on the way may store it (Cache-Control), and one
// that stores it anyway keys it by the shopper's cookies (Vary). The one
// exception is a public route's successful answer (filters.go: public).
func personal(h http.Header) {
	h.Set("Cache-Control", "private, no-store")
	h.Set("Vary", "Cookie")
}

// Serves reports whether Handler answers path (an island of a store, or
// /healthz, /readyz, /metrics), so a front server can send everything else
// to static files.
func (s *Server) Serves(path string) bool {
	if path == "/healthz" || path == "/readyz" || path == "/metrics" || (path == WebhookPath && s.webhooks != nil) ||
		(s.board != nil && (path == "/admin" || strings.HasPrefix(path, admin.Path))) {
		return true
	}
	_, _, ok := s.cats.match(path)
	return ok
}

// request is one island request, resolved: the store, the shopper, whether
// htmx asked.
type request struct {
	w     http.ResponseWriter
	r     *http.Request
	cat   *Catalog
	route string // "cart/add", "recommendations", ...
	id    shopper.ID
	fresh bool // a new shopper: nothing stored yet
	htmx  bool
	// seen is the shopper's state version as of their last acknowledged
	// write in this store (the signed version cookie), 0 when unknown. No
	// state older than it is shown to them: a hot copy or a cached
	// fragment of an older version is a miss.
	seen int64
	// cookies are set on the answer if it succeeds (serveIsland).
	cookies []*http.Cookie
}

const maxBody = 16 << 10

// serveIsland answers a store's island: it resolves the store and the
// route, bounds the body, identifies the shopper, applies the rate limits
// and calls the route's handler; every answer is counted by route and
// status.
func (s *Server) serveIsland(w http.ResponseWriter, r *http.Request) {
	start := s.now()
	cat, rest, ok := s.cats.match(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	h, route := s.route(r.Method, rest)
	rw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	q := &request{w: rw, r: r, cat: cat, route: route, htmx: isHTMX(r)}
	// Cookies go out with a successful answer only: a refused request (a
	// 4xx: too large, too many, unknown) issues no shopper and renews
	// nothing.
	rw.before = func(status int) {
		if status < 400 {
			for _, c := range q.cookies {
				http.SetCookie(rw.ResponseWriter, c)
			}
		}
	}
	defer func() {
		if route == components.RouteEvents && rw.status == http.StatusOK {
			return // a stream's life is no latency: events.go records its opening
		}
		d := s.now().Sub(start)
		s.metrics.observe(route, rw.status, d)
		s.ops.Request(cat.Store.Handle, route, rw.status, d)
	}()
	if h == nil {
		s.notFound(rw, r, route)
		return
	}
	r.Body = http.MaxBytesReader(rw, r.Body, maxBody)
	if route == routeCollectionFilter {
		// The same for every shopper: no shopper is identified (no cookie
		// read or set); only the client's rate limit applies.
		q.fresh = true
	} else {
		s.identify(q)
	}
	if wait, scope := s.limiter.check(r.Context(), s.clientIP(r), q.id, q.fresh); scope != "" {
		s.ops.Add(cat.Store.Handle, ops.Limited, scope, 1)
		rw.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds()+0.999)))
		http.Error(rw, cat.Site.T("error.too_many"), http.StatusTooManyRequests)
		return
	}
	h(q)
}

// routes maps island paths to handlers, per method; built once in New.
type routes struct {
	get, post map[string]func(*request)
}

// buildRoutes fills s.routes; a route is a path under a store's islands/.
func (s *Server) buildRoutes() {
	s.routes = routes{
		get: map[string]func(*request){
			components.RouteCartBadge:       s.cartBadge,
			components.RouteCart:            s.cartDrawer,
			components.RouteCartPage:        s.cartPage,
			components.RouteRecentlyViewed:  s.recentlyViewed,
			components.RouteRecommendations: s.recommendations,
			components.RouteWishlistButton:  s.wishlistButton,
			components.RouteWishlist:        s.wishlist,
			components.RouteWishlistPage:    s.wishlistPage,
			components.RoutePreferences:     s.preferences,
			components.RoutePreferencesPage: s.preferencesPage,
			components.RouteCheckout:        s.checkoutPage,
			components.RoutePage:            s.pageIslandsAnswer,
			components.RouteEvents:          s.events,
		},
		post: map[string]func(*request){
			components.RouteViews:          s.recordView,
			components.RouteCartAdd:        s.cartAdd,
			components.RouteCartSet:        s.cartSet,
			components.RouteWishlistToggle: s.wishlistToggle,
			components.RoutePreferences:    s.savePreferences,
			components.RouteCheckout:       s.checkout,
			components.RoutePage:           s.pageIslandsAnswer,
		},
	}
}

// route maps a method and island path to a handler and its metrics name.
func (s *Server) route(method, rest string) (func(*request), string) {
	if strings.HasPrefix(rest, components.RouteOrder) && (method == http.MethodGet || method == http.MethodHead) {
		return s.orderPage, "orders"
	}
	if strings.HasPrefix(rest, components.RouteCollectionFilter) {
		if method != http.MethodGet && method != http.MethodHead {
			return nil, "method"
		}
		return s.collectionFilter, routeCollectionFilter
	}
	switch method {
	case http.MethodGet, http.MethodHead:
		if h, ok := s.routes.get[rest]; ok {
			return h, rest
		}
	case http.MethodPost:
		if h, ok := s.routes.post[rest]; ok {
			return h, rest
		}
	}
	if _, ok := s.routes.get[rest]; ok {
		return nil, "method"
	}
	if _, ok := s.routes.post[rest]; ok {
		return nil, "method"
	}
	return nil, "unknown"
}

// notFound answers a path no route serves: 405 for a known route asked
// with the wrong method, else 404.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request, route string) {
	if route == "method" {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	http.NotFound(w, r)
}

// statusWriter remembers the status of an answer, for the metrics, and
// calls before (when set) once, with the status, before the header goes.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
	before func(status int)
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
		if w.before != nil {
			w.before(code)
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
