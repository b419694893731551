// Package islands is the server behind the pre-rendered pages' islands: it
// answers each shopper's fragments (cart, recently viewed, recommendations,
// wishlist, preferences), takes their writes (add to cart, change quantity,
// checkout, ...), and exposes health and metrics. Shopper state is durable in
// a shopper.Store (SQLite/PostgreSQL through Bun) and hot in a shopper.Cache
// (Olric), which also holds rendered fragments for 60 s and the cluster-wide
// rate-limit counters. The cache may fail at any time: every cache error
// falls back to the durable store and a fresh render, never to an error page.
package islands

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/a-h/templ"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/wandstore/wandstore/islands/session"
	"github.com/wandstore/wandstore/islands/shopper"
)

// Options configure a Server.
type Options struct {
	Log      *slog.Logger
	Store    shopper.Store // required
	Cache    shopper.Cache // nil: no hot layer (every read goes to Store)
	Catalogs *Catalogs     // required
	// SessionKeys sign shopper cookies: the first signs, all verify (key
	// rotation). Each at least 32 bytes.
	SessionKeys [][]byte
	// SessionMaxAge is a cookie's life; default one year. A cookie past half
	// its life is renewed on the next request.
	SessionMaxAge time.Duration
	// TrustedProxies are the peers whose X-Forwarded-For and
	// X-Forwarded-Proto are believed. Empty: the connection's address is the
	// client.
	TrustedProxies []netip.Prefix
	// Limits are the rate limits; zero fields take DefaultLimits'.
	Limits Limits
	// CacheTimeout bounds each cache call, so a dead cache member slows no
	// request by more than this; default 250 ms.
	CacheTimeout time.Duration
	// Registry receives the metrics; nil makes a private one.
	Registry *prometheus.Registry
	Now      func() time.Time
	// Webhooks, when set, answers POST /webhooks/shopify (Shopify's catalog
	// webhooks: webhook.Receiver). It checks its own signatures; it is
	// outside the cross-origin check, which is for browsers.
	Webhooks http.Handler
	// Checkouts are the stores whose checkout is the shop's own (Shopify),
	// by store handle; a store not in it checks out locally (an order
	// recorded here). See Checkout.
	Checkouts map[string]Checkout
}

// Server serves the islands of every store in Catalogs.
type Server struct {
	log      *slog.Logger
	store    shopper.Store
	cache    shopper.Cache
	cats     *Catalogs
	codec    *session.Codec
	trusted  []netip.Prefix
	limiter  *limiter
	cacheTO  time.Duration
	metrics  *metrics
	registry *prometheus.Registry
	now      func() time.Time

	member    clusterMember       // the cache, when it is a cluster member; nil otherwise
	checkouts map[string]Checkout // by store handle; see Options.Checkouts
	webhooks  http.Handler

	routes routes

	popMu sync.Mutex
	pop   map[string]*popularity // per store, refreshed in the background
	bg    sync.WaitGroup         // background refreshes, for Close
}

// New checks the options and returns a Server.
func New(opts Options) (*Server, error) {
	if opts.Store == nil || opts.Catalogs == nil {
		return nil, errors.New("islands: a store and catalogs are required")
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SessionMaxAge <= 0 {
		opts.SessionMaxAge = 365 * 24 * time.Hour
	}
	if opts.CacheTimeout <= 0 {
		opts.CacheTimeout = 250 * time.Millisecond
	}
	codec, err := session.NewCodec(opts.SessionKeys, opts.SessionMaxAge, opts.Now)
	if err != nil {
		return nil, fmt.Errorf("islands: %w", err)
	}
	reg := opts.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	member, _ := opts.Cache.(clusterMember) // before the wrapping below hides it
	if opts.Cache != nil {
		opts.Cache = boundedCache{opts.Cache}
	}
	s := &Server{
		log: opts.Log, store: opts.Store, cache: opts.Cache, cats: opts.Catalogs, codec: codec,
		trusted: opts.TrustedProxies, cacheTO: opts.CacheTimeout, registry: reg, now: opts.Now,
		pop: map[string]*popularity{},
	}
	s.checkouts = opts.Checkouts
	s.webhooks = opts.Webhooks
	s.buildRoutes()
	s.metrics = newMetrics(reg)
	if member != nil {
		reg.MustRegister(newClusterCollector(member))
	}
	s.member = member
	s.limiter = newLimiter(opts.Limits.withDefaults(), opts.Cache, s.metrics, opts.Now, opts.CacheTimeout)
	return s, nil
}

// WebhookPath is where Shopify delivers catalog webhooks (Options.Webhooks).
const WebhookPath = "/webhooks/shopify"

// Registry is where the server's metrics are registered.
func (s *Server) Registry() *prometheus.Registry { return s.registry }

// Handler answers the islands of every store (under each store's
// <base path>islands/), plus /healthz, /readyz and /metrics. Cross-origin
// state-changing requests are refused; request bodies are bounded.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.metricsHandler())
	mux.HandleFunc("/", s.serveIsland)
	protected := http.NewCrossOriginProtection().Handler(mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SecurityHeaders(w.Header())
		if r.URL.Path == WebhookPath && s.webhooks != nil {
			s.webhooks.ServeHTTP(w, r) // it answers other methods 405
			return
		}
		protected.ServeHTTP(w, r)
	})
}

// Serves reports whether Handler answers path (an island of a store, or
// /healthz, /readyz, /metrics), so a front server can send everything else
// to static files.
func (s *Server) Serves(path string) bool {
	if path == "/healthz" || path == "/readyz" || path == "/metrics" || (path == WebhookPath && s.webhooks != nil) {
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
}

const maxBody = 16 << 10

func (s *Server) serveIsland(w http.ResponseWriter, r *http.Request) {
	start := s.now()
	cat, rest, ok := s.cats.match(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	h, route := s.route(r.Method, rest)
	rw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		s.metrics.observe(route, rw.status, s.now().Sub(start))
	}()
	if h == nil {
		s.notFound(rw, r, route)
		return
	}
	r.Body = http.MaxBytesReader(rw, r.Body, maxBody)
	q := &request{w: rw, r: r, cat: cat, route: route, htmx: r.Header.Get("HX-Request") == "true"}
	s.identify(q)
	if wait, limited := s.limiter.allow(r.Context(), s.clientIP(r), q.id, q.fresh); limited {
		rw.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds()+0.999)))
		http.Error(rw, "Too many requests: please wait a moment and try again.", http.StatusTooManyRequests)
		return
	}
	h(q)
}

// routes maps island paths to handlers, per method; built once in New.
type routes struct {
	get, post map[string]func(*request)
}

func (s *Server) buildRoutes() {
	s.routes = routes{
		get: map[string]func(*request){
			"cart/badge":       s.cartBadge,
			"cart":             s.cartDrawer,
			"cart/page":        s.cartPage,
			"recently-viewed":  s.recentlyViewed,
			"recommendations":  s.recommendations,
			"wishlist/button":  s.wishlistButton,
			"wishlist":         s.wishlist,
			"wishlist/page":    s.wishlistPage,
			"preferences":      s.preferences,
			"preferences/page": s.preferencesPage,
		},
		post: map[string]func(*request){
			"views":           s.recordView,
			"cart/add":        s.cartAdd,
			"cart/set":        s.cartSet,
			"wishlist/toggle": s.wishlistToggle,
			"preferences":     s.savePreferences,
			"checkout":        s.checkout,
		},
	}
}

// route maps a method and island path to a handler and its metrics name.
func (s *Server) route(method, rest string) (func(*request), string) {
	if strings.HasPrefix(rest, "orders/") && (method == http.MethodGet || method == http.MethodHead) {
		return s.orderPage, "orders"
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

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, route string) {
	w.Header().Set("Cache-Control", "no-store")
	if route == "method" {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	http.NotFound(w, r)
}

// identify reads the shopper cookie. A missing, tampered, expired or
// malformed cookie makes a new shopper, and the bad value is never looked
// up. Only a POST (a write) issues the new shopper's cookie: a first page
// view sends several island requests at once, and if each GET handed out an
// id the browser would keep one of them while the others' writes (the view
// being recorded) went to shoppers nobody holds. A cookie-less GET is simply
// an empty shopper. A valid cookie past half its life is renewed (same id).
func (s *Server) identify(q *request) {
	if c, err := q.r.Cookie(session.CookieName); err == nil {
		id, issued, err := s.codec.Decode(c.Value)
		if err == nil {
			q.id = id
			if s.now().Sub(issued) > s.codec.MaxAge()/2 {
				s.setCookie(q)
			}
			s.readVersion(q)
			return
		}
		s.metrics.badCookies.WithLabelValues(cookieErr(err)).Inc()
	}
	q.id, q.fresh = shopper.NewID(), true
	if q.r.Method == http.MethodPost {
		s.setCookie(q)
	}
}

func cookieErr(err error) string {
	switch {
	case errors.Is(err, session.ErrSignature):
		return "signature"
	case errors.Is(err, session.ErrExpired):
		return "expired"
	}
	return "malformed"
}

func (s *Server) setCookie(q *request) {
	http.SetCookie(q.w, &http.Cookie{
		Name: session.CookieName, Value: s.codec.Encode(q.id), Path: "/",
		MaxAge: int(s.codec.MaxAge().Seconds()), HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.isHTTPS(q.r),
	})
}

// versionCookie names the version cookie of the request's store.
func versionCookie(q *request) string { return session.VersionCookiePrefix + q.cat.Store.Handle }

// readVersion reads the shopper's version cookie for this store. A missing
// or bad one is version 0: the shopper then sees whatever is current.
func (s *Server) readVersion(q *request) {
	c, err := q.r.Cookie(versionCookie(q))
	if err != nil {
		return
	}
	v, err := s.codec.DecodeVersion(c.Value, q.cat.Store.Handle, q.id)
	if err != nil {
		s.metrics.badCookies.WithLabelValues("version_" + cookieErr(err)).Inc()
		return
	}
	q.seen = v
}

// acknowledge follows a committed write: the hot copy is replaced, and the
// shopper's version cookie carries the new version, so whichever member
// answers them next shows nothing older, whatever the cache holds.
func (s *Server) acknowledge(q *request, st *shopper.State) {
	s.putState(q.r.Context(), st)
	if st.Version <= q.seen {
		return
	}
	q.seen = st.Version
	http.SetCookie(q.w, &http.Cookie{
		Name: versionCookie(q), Value: s.codec.EncodeVersion(q.cat.Store.Handle, q.id, st.Version),
		Path: q.cat.Site.BasePath, MaxAge: int(s.codec.MaxAge().Seconds()), HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.isHTTPS(q.r),
	})
}

func (s *Server) isHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return s.fromTrustedProxy(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func (s *Server) peer(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

func (s *Server) trustedAddr(a netip.Addr) bool {
	for _, p := range s.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func (s *Server) fromTrustedProxy(r *http.Request) bool { return s.trustedAddr(s.peer(r)) }

// clientIP is the connection's address, unless it is a trusted proxy: then
// the right-most address in X-Forwarded-For that is not itself a trusted
// proxy (the left-most entries are whatever the client claimed).
func (s *Server) clientIP(r *http.Request) netip.Addr {
	peer := s.peer(r)
	if !s.trustedAddr(peer) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if a = a.Unmap(); !s.trustedAddr(a) {
			return a
		}
	}
	return peer
}

// state returns the shopper's state: the hot copy, else the durable one
// (which then becomes the hot copy). A cache error is a miss.
func (s *Server) state(q *request) (*shopper.State, error) {
	store := q.cat.Store.Handle
	if q.fresh {
		return &shopper.State{Store: store, Shopper: q.id}, nil
	}
	ctx := q.r.Context()
	if s.cache != nil {
		cctx, cancel := context.WithTimeout(ctx, s.cacheTO)
		st, ok, err := s.cache.State(cctx, store, q.id)
		cancel()
		switch {
		case err != nil:
			s.cacheError("state_get", err)
		case ok && st.Version >= q.seen:
			return st, nil
		case ok:
			// Older than what this shopper was told: a copy a write could
			// not replace (its owner died) or a replica of before it.
			s.metrics.stale.WithLabelValues("state").Inc()
		}
	}
	st, err := s.store.Load(ctx, store, q.id)
	if err != nil {
		return nil, fmt.Errorf("load state: %w", err)
	}
	s.putState(ctx, st)
	return st, nil
}

// putState refreshes the hot copy after a durable read or write. If that
// fails the hot copy is dropped, so no stale copy outlives the write.
func (s *Server) putState(ctx context.Context, st *shopper.State) {
	if s.cache == nil {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, s.cacheTO)
	defer cancel()
	if err := s.cache.PutState(cctx, st); err != nil {
		s.cacheError("state_put", err)
		if err := s.cache.DropState(cctx, st.Store, st.Shopper); err != nil {
			s.cacheError("state_drop", err)
		}
	}
}

func (s *Server) cacheError(op string, err error) {
	s.metrics.cacheErrors.WithLabelValues(op).Inc()
	s.log.Debug("cache error, falling back", "op", op, "err", err)
}

// fragmentKey names a rendered fragment in the cache: the store, the
// shopper and their state's version (so any write of theirs retires every
// cached fragment of theirs at once), the catalog version, the fragment and
// its parameters.
func fragmentKey(c *Catalog, id shopper.ID, version int64, name, params string) string {
	return fmt.Sprintf("%s|%s|%d|%s|%s|%s", c.Store.Handle, id, version, c.Version, name, params)
}

// serveFragment answers a GET fragment: from the cache when it holds it,
// else rendered (and cached for the next minute). A hit needs two small
// cache reads (the state's version, then the fragment); the state itself
// is read and decoded only to render.
func (s *Server) serveFragment(q *request, params string, render func(st *shopper.State) (templ.Component, error)) {
	ctx := q.r.Context()
	useCache := s.cache != nil && !q.fresh
	var key string
	if useCache {
		cctx, cancel := context.WithTimeout(ctx, s.cacheTO)
		ver, ok, err := s.cache.StateVersion(cctx, q.cat.Store.Handle, q.id)
		cancel()
		if err != nil {
			s.cacheError("state_version", err)
		}
		if ok && ver < q.seen {
			s.metrics.stale.WithLabelValues("state_version").Inc()
			ok = false
		}
		if ok {
			key = fragmentKey(q.cat, q.id, ver, q.route, params)
			if html, hit := s.cachedFragment(ctx, key); hit {
				writeHTML(q.w, http.StatusOK, html)
				return
			}
		}
	}
	st, err := s.state(q)
	if err != nil {
		s.internalError(q, err)
		return
	}
	if k := fragmentKey(q.cat, q.id, st.Version, q.route, params); useCache && k != key {
		// The hot copy was missing (now refilled) or changed meanwhile.
		key = k
		if html, hit := s.cachedFragment(ctx, key); hit {
			writeHTML(q.w, http.StatusOK, html)
			return
		}
	}
	c, err := render(st)
	if err != nil {
		s.internalError(q, err)
		return
	}
	html, err := renderBytes(ctx, c)
	if err != nil {
		s.internalError(q, err)
		return
	}
	if useCache {
		cctx, cancel := context.WithTimeout(ctx, s.cacheTO)
		if err := s.cache.PutFragment(cctx, key, html); err != nil {
			s.cacheError("fragment_put", err)
		}
		cancel()
	}
	writeHTML(q.w, http.StatusOK, html)
}

func (s *Server) cachedFragment(ctx context.Context, key string) ([]byte, bool) {
	cctx, cancel := context.WithTimeout(ctx, s.cacheTO)
	defer cancel()
	html, ok, err := s.cache.Fragment(cctx, key)
	switch {
	case err != nil:
		s.metrics.fragments.WithLabelValues("error").Inc()
		s.cacheError("fragment_get", err)
		return nil, false
	case ok:
		s.metrics.fragments.WithLabelValues("hit").Inc()
		return html, true
	}
	s.metrics.fragments.WithLabelValues("miss").Inc()
	return nil, false
}

func renderBytes(ctx context.Context, c templ.Component) ([]byte, error) {
	var buf bytes.Buffer
	if err := c.Render(ctx, &buf); err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	return buf.Bytes(), nil
}

// writeHTML answers personal HTML: never stored by a cache on the way.
func writeHTML(w http.ResponseWriter, status int, html []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(status)
	_, _ = w.Write(html)
}

func (s *Server) render(q *request, status int, c templ.Component) {
	html, err := renderBytes(q.r.Context(), c)
	if err != nil {
		s.internalError(q, err)
		return
	}
	writeHTML(q.w, status, html)
}

// internalError logs the cause and tells the shopper only that something
// went wrong.
func (s *Server) internalError(q *request, err error) {
	s.log.Error("island failed", "store", q.cat.Store.Handle, "route", q.route, "err", err)
	q.w.Header().Set("Cache-Control", "no-store")
	http.Error(q.w, "Something went wrong on our side. Please try again.", http.StatusInternalServerError)
}

// SecurityHeaders sets the headers every WandStore response carries (the
// islands' and, in the demo server, the static files'): no inline scripts,
// no framing, no sniffing. form-action allows https targets as well as
// 'self': a checkout form posted without JavaScript is redirected (303) to
// the shop's checkout, and browsers apply form-action to that redirect.
func SecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; connect-src 'self'; form-action 'self' https:; frame-ancestors 'none'; base-uri 'self'; object-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("X-Frame-Options", "DENY")
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
