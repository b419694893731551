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
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/wandstore/wandstore/i18n"
	"github.com/wandstore/wandstore/islands/admin"
	"github.com/wandstore/wandstore/islands/recommend"
	"github.com/wandstore/wandstore/islands/session"
	"github.com/wandstore/wandstore/islands/shopper"
	"github.com/wandstore/wandstore/ops"
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
	// Payments take the payment of a store's own checkout, by store
	// handle; a store not in it is paid on delivery or by invoice (Invoice).
	Payments map[string]Payment
	// NotifyOrders queues an order-confirmation email with every order
	// (shopper.Outbox; a mail worker sends them). Off: no email.
	NotifyOrders bool
	// AdminToken, when set, lets the public Handler answer /readyz and
	// /metrics to a request carrying "Authorization: Bearer <token>";
	// without it they are served only by OpsHandler.
	AdminToken string
	// Ops, when set, records what the server does for the operator's
	// dashboard; with AdminToken too, the dashboard is served at /admin/
	// (package admin). The token must then be at least 16 characters.
	Ops *ops.Recorder
	// Experiments, when set, records the exposures and conversions of the
	// stores' experiments (experiments/record); nil: the variants still
	// render, nothing is counted.
	Experiments ExperimentLog
	// AICalls reads the AI gateway's newest calls for the dashboard; nil
	// when no model endpoint is set.
	AICalls func(ctx context.Context, limit int) ([]admin.AICall, error)
	// WebhookQueue counts the webhook deliveries by status, for the
	// dashboard; nil when the server takes no webhooks.
	WebhookQueue func(context.Context) (map[string]int, error)
	// AI, when set, adds semantic neighbours and a line of copy to the
	// recommendations island (package ai); nil: behavioural picks only.
	AI recommend.Advisor
	// Streams bound the live event streams (events.go).
	Streams StreamLimits
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
	payments  map[string]Payment  // by store handle; see Options.Payments
	notify    bool                // Options.NotifyOrders
	webhooks  http.Handler
	admin     string // Options.AdminToken
	ops       *ops.Recorder
	exp       ExperimentLog // Options.Experiments
	board     http.Handler  // the dashboard at /admin/; nil when off

	routes routes
	live   *hub // the live event streams (events.go)

	ai recommend.Advisor // Options.AI; nil when off

	popMu sync.Mutex
	pop   map[string]*popularity // per store, refreshed in the background
	bg    sync.WaitGroup         // background refreshes, for Close
}

// New checks the options and returns a Server.
func New(opts Options) (*Server, error) {
	if opts.Store == nil || opts.Catalogs == nil {
		return nil, errors.New("islands: a store and catalogs are required")
	}
	// A broken message file stops the server from starting, not a
	// shopper's request.
	if err := i18n.Check(); err != nil {
		return nil, fmt.Errorf("islands: %w", err)
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
	s.payments, s.notify = opts.Payments, opts.NotifyOrders
	s.admin = opts.AdminToken
	s.ops = opts.Ops
	s.exp = opts.Experiments
	s.webhooks = opts.Webhooks
	s.ai = opts.AI
	s.buildRoutes()
	s.metrics = newMetrics(reg)
	if member != nil {
		reg.MustRegister(newClusterCollector(member))
	}
	s.member = member
	if opts.AdminToken != "" && opts.Ops != nil {
		aopts := admin.Options{
			Token: opts.AdminToken, Ops: opts.Ops, Reports: reports(opts.Store), Stores: s.storeList,
			Queue: opts.WebhookQueue, AICalls: opts.AICalls, ClientIP: s.clientIP, Now: opts.Now, Log: opts.Log,
		}
		if member != nil {
			aopts.Membership = member.Membership
		}
		if opts.Experiments != nil {
			aopts.Experiments = s.experimentResults
		}
		board, err := admin.New(aopts)
		if err != nil {
			return nil, fmt.Errorf("islands: %w", err)
		}
		s.board = board
	}
	s.live = newHub(opts.Streams, opts.Cache, opts.CacheTimeout, opts.Log.Warn)
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "wandstore_live_events_dropped_total",
		Help: "Live events kept off the cluster's bus because this member's outbox was full (its own streams still got them).",
	}, func() float64 { return float64(s.live.dropped.Load()) }))
	s.limiter = newLimiter(opts.Limits.withDefaults(), opts.Cache, s.metrics, opts.Now, opts.CacheTimeout)
	return s, nil
}

// Registry is where the server's metrics are registered.
func (s *Server) Registry() *prometheus.Registry { return s.registry }

// Dashboard reports whether the operator's dashboard is served at
// /admin/ (Options.AdminToken and Options.Ops are set).
func (s *Server) Dashboard() bool { return s.board != nil }

// storeList lists the served stores for the dashboard, by name.
func (s *Server) storeList() []admin.Store {
	var out []admin.Store
	for _, c := range s.cats.All() {
		out = append(out, admin.Store{Handle: c.Store.Handle, Name: c.Store.Name})
	}
	return out
}

// reports are st's answers for the dashboard, when it has them.
func reports(st shopper.Store) shopper.Reports {
	r, _ := st.(shopper.Reports)
	return r
}
