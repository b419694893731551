package app

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/components"
	"github.com/wandstore/wandstore/experiments/record"
	"github.com/wandstore/wandstore/generator"
	"github.com/wandstore/wandstore/generator/cdnpurge"
	"github.com/wandstore/wandstore/internal/handoff"
	"github.com/wandstore/wandstore/islands"
	"github.com/wandstore/wandstore/islands/cache"
	"github.com/wandstore/wandstore/islands/mail"
	"github.com/wandstore/wandstore/islands/store"
	"github.com/wandstore/wandstore/ops"
)

// ServeOptions configure the server: the built stores as static files and
// their islands, on one origin.
type ServeOptions struct {
	Addr string // listen address; default "localhost:8080"
	// OpsAddr is where /healthz, /readyz and /metrics are served for the
	// operator (the public port answers only a bare /healthz, and the
	// other two to WANDSTORE_ADMIN_TOKEN). "" means 127.0.0.1:9464, or a
	// free port on 127.0.0.1 when that one is taken (the log says which);
	// a given address is used or fails.
	OpsAddr string
	Public  string // built output to serve; default "public"
	// IslandsOnly serves the islands (and webhooks) alone: the pages are
	// published elsewhere (a bucket, a CDN, another member's folder), and
	// every other path is 404. Without it, a Public that holds no build of
	// the stores is refused.
	IslandsOnly bool
	Data        string // state folder (the SQLite database); default ".wandstore"
	Content     string // catalog source for the islands; "" means the embedded demo stores
	Stores      []string
	// SiteURL is the origin the stores were built for (as `build --site-url`);
	// "" means this server's own address.
	SiteURL string
	// DB is the database DSN; default <Data>/wandstore.db (SQLite).
	DB string
	// OlricConfig is the Olric member config; default ./olric.yaml when it
	// exists, else the built-in defaults (the same values).
	OlricConfig string
	// The Olric member's address, ports and cluster, over OlricConfig's
	// (zero values keep the file's): see cache.Config. OlricPeers are
	// gossip addresses (host:port); the member's own is dropped, so every
	// member can be given the same list.
	OlricBind            string
	OlricPort            int
	OlricGossipPort      int
	OlricPeers           []string
	OlricReplicas        int
	OlricExpectedMembers int
	// olricPortsOrFree, for the demo: an Olric port from the file or the
	// defaults that another process holds is replaced with a free one.
	olricPortsOrFree bool
	// NoCache runs without Olric: every read goes to the database.
	NoCache bool
	// SessionSecret signs shopper cookies: comma-separated keys of at least
	// 32 bytes, hex or base64; the first signs, all verify. "" means the key
	// kept in the database (created by the first server; an older
	// <Data>/session.key is carried over).
	SessionSecret  string
	TrustedProxies []string
	// AdminToken opens the operator's dashboard at /admin/, and /readyz
	// and /metrics on the public port, to "Authorization: Bearer <token>"
	// (or the dashboard's login form); at least 16 characters. ""
	// means WANDSTORE_ADMIN_TOKEN; unset, the dashboard is off.
	AdminToken string
	Limits     islands.Limits
	Log        io.Writer // nil discards

	// Publisher and StateDir are where webhook-driven updates of
	// Shopify-backed stores publish (as build's --publish and
	// --state-dir); nil publishes into Public.
	Publisher generator.Publisher
	StateDir  string
	// Precompress says whether those updates write compressed copies
	// (build's --precompress); by default into a folder, not a bucket.
	Precompress generator.Precompress
	// ReconcileEvery is how often Shopify-backed stores are read again to
	// repair what a lost webhook missed; default regen.DefaultReconcileEvery.
	ReconcileEvery time.Duration
	// RereadDelay is how long a webhook whose payload is incomplete waits
	// before the change is read from the Storefront API; default 1 s.
	RereadDelay time.Duration

	// Purger, when set, purges the URLs each webhook-driven publish
	// changed from the CDN (as build's --purge-endpoint), in the
	// background.
	Purger *cdnpurge.Purger

	// src, when set, is the catalog source the build below read (the
	// demo's), reused rather than opened again: its Shopify clients too.
	src catalog.Source
	// built, when set, is a build this process just made of the stores:
	// its catalogs and Sites are used instead of loading them again.
	built *generator.Summary
	// wrap, when set, wraps the handler (wandgen dev).
	wrap func(http.Handler) http.Handler
}

// Server is a running wandgen server.
type Server struct {
	URL     string // "http://127.0.0.1:41234", no trailing slash
	OpsURL  string // the operations address's, "http://127.0.0.1:9464"
	Summary *generator.Summary
	Islands *islands.Server

	srv     *http.Server
	done    chan error
	ops     *http.Server
	opsDone chan error
	cache   *cache.Cache
	db      *store.DB
	rec     *ops.Recorder    // the dashboard's figures
	exp     *record.Recorder // the experiments' exposures and conversions
	log     *slog.Logger
	shop    *shopifyStores
	// mailStop ends the order-confirmation mail worker (nil when mail is
	// off); mailDone is closed when it has.
	mailStop context.CancelFunc
	mailDone chan struct{}
	// cats are the catalogs the islands serve.
	cats *islands.Catalogs
	// stopFollowing end followBuilds, one per board followed.
	stopFollowing []func()
	// started is when startOn began, before the catalogs were loaded: the
	// time their versions are seeded as of.
	started time.Time

	// publishedHook, when set, is told of every webhook-driven publish
	// (the webhook benchmark times it).
	publishedHook atomic.Pointer[func(store string, sum *generator.Summary)]
}

// Demo is the demo: a build, then a Server.
type Demo = Server

// StartServe opens the database (migrating it) and the cache, loads the
// catalogs, and serves in the background; it returns once listening.
func StartServe(ctx context.Context, opts ServeOptions) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = defaultAddr
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	s, err := startOn(ctx, ln, opts)
	if err != nil {
		ln.Close()
		return nil, err
	}
	return s, nil
}

func startOn(ctx context.Context, ln net.Listener, opts ServeOptions) (_ *Server, err error) {
	if opts.Public == "" {
		opts.Public = defaultOut
	}
	if opts.Data == "" {
		opts.Data = defaultData
	}
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelInfo}))
	origin := originFor(opts.Addr, ln.Addr())
	if opts.SiteURL == "" {
		opts.SiteURL = origin + "/"
	}
	if err := os.MkdirAll(opts.Data, 0o700); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	proxies, err := parsePrefixes(opts.TrustedProxies)
	if err != nil {
		return nil, err
	}
	s := &Server{URL: origin, done: make(chan error, 1), log: log, started: time.Now()}
	defer func() {
		if err != nil {
			s.closeBackends(context.Background())
		}
	}()

	src := opts.src
	if src == nil {
		if src, err = source(opts.Content, opts.Stores); err != nil {
			return nil, err
		}
	}
	cats, err := loadCatalogs(ctx, opts, src)
	if err != nil {
		return nil, err
	}
	if opts.Publisher == nil && !opts.IslandsOnly {
		if err := checkBuilt(opts.Public, cats.All()); err != nil {
			return nil, err
		}
	}
	dsn := opts.DB
	if dsn == "" {
		dsn = filepath.Join(opts.Data, "wandstore.db")
	}
	if s.db, err = store.Open(ctx, dsn, store.Options{Log: log}); err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	if err := s.db.Migrate(ctx); err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	keys, err := sessionKeys(ctx, opts.SessionSecret, opts.Data, s.db)
	if err != nil {
		return nil, err
	}
	iopts := islands.Options{
		Log: log, Store: s.db, Catalogs: cats, SessionKeys: keys, TrustedProxies: proxies, Limits: opts.Limits,
		AdminToken: cmp.Or(opts.AdminToken, os.Getenv(envAdminToken)),
	}
	if !opts.NoCache {
		cfg, err := olricConfig(opts, log)
		if err != nil {
			return nil, err
		}
		if s.cache, err = cache.Open(ctx, cfg); err != nil {
			return nil, fmt.Errorf("olric: %w", err)
		}
		iopts.Cache = s.cache
	}
	if s.rec, err = ops.Open(ctx, s.db.Writer(), ops.Options{Member: memberName(s.cache, ln), Log: log, Reader: s.db.Reader()}); err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	iopts.Ops = s.rec
	if s.exp, err = record.Open(ctx, s.db.Writer(), record.Options{Log: log}); err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	iopts.Experiments = s.exp
	go s.exp.Run(context.Background())
	if opts.built != nil {
		recordBuilt(s.rec, opts.built)
	}
	go s.rec.Run(context.Background())
	if s.shop, err = s.setupShopify(ctx, opts, src, cats, &iopts); err != nil {
		return nil, err
	}
	mailCfg, mailOn, err := mail.ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	iopts.NotifyOrders = mailOn
	if err := s.setupAI(ctx, cats, &iopts); err != nil {
		return nil, err
	}
	if s.Islands, err = islands.New(iopts); err != nil {
		return nil, err
	}
	if mailOn {
		s.startMail(mailCfg, cats, log)
	}
	s.cats = cats
	// A build told of by the database (into a bucket, or by another
	// machine), or into this folder, switches the islands first.
	board, err := handoff.Database(ctx, s.db.Writer(), s.db.Reader(), log)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	if err := s.followBuilds(board, src, opts.SiteURL, cats); err != nil {
		return nil, err
	}
	if opts.Publisher == nil && !opts.IslandsOnly {
		if err := s.followBuilds(handoff.Folder(folderStateDir(opts.Public, opts.StateDir)), src, opts.SiteURL, cats); err != nil {
			return nil, err
		}
	}
	if s.shop != nil {
		s.shop.start()
	}
	public := ""
	if !opts.IslandsOnly {
		if public, err = filepath.Abs(opts.Public); err != nil {
			return nil, err
		}
	}
	handler := newSiteHandler(public, log, s.Islands)
	if opts.wrap != nil {
		handler = opts.wrap(handler)
	}
	s.srv = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	s.wireEvents()
	opsLn, err := listenOps(opts.OpsAddr, log)
	if err != nil {
		return nil, err
	}
	s.OpsURL = "http://" + opsLn.Addr().String()
	s.ops = &http.Server{Handler: s.Islands.OpsHandler(), ReadHeaderTimeout: 5 * time.Second, ErrorLog: s.srv.ErrorLog}
	s.opsDone = make(chan error, 1)
	go func() { s.opsDone <- s.ops.Serve(opsLn) }()
	go func() { s.done <- s.srv.Serve(ln) }()
	log.Info("serving", "url", origin, "ops", s.OpsURL, "stores", len(cats.All()), "cache", !opts.NoCache)
	return s, nil
}

// envAdminToken holds the token that lets the public port answer /readyz
// and /metrics (Authorization: Bearer <token>); unset, only the
// operations address does.
const envAdminToken = "WANDSTORE_ADMIN_TOKEN"

// defaultOpsAddr is the operations address when none is given.
const defaultOpsAddr = "127.0.0.1:9464"

// listenOps listens on the operations address: addr, or the default, or,
// when the default is taken, a free port on 127.0.0.1.
func listenOps(addr string, log *slog.Logger) (net.Listener, error) {
	if addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("operations address: %w", err)
		}
		return ln, nil
	}
	if ln, err := net.Listen("tcp", defaultOpsAddr); err == nil {
		return ln, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("operations address: %w", err)
	}
	log.Warn("the default operations address is taken: serving /readyz and /metrics on another port", "default", defaultOpsAddr, "ops", "http://"+ln.Addr().String())
	return ln, nil
}

// Close stops accepting connections, finishes the requests in flight (up to
// ctx's deadline), then closes the cache member and the database.
func (s *Server) Close(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if serr := <-s.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if s.ops != nil {
		s.ops.Shutdown(ctx)
		<-s.opsDone
	}
	if cerr := s.closeBackends(ctx); err == nil {
		err = cerr
	}
	return err
}

// startMail runs the worker that emails order confirmations from the
// outbox (WANDSTORE_SMTP_URL set).
func (s *Server) startMail(cfg mail.Config, cats *islands.Catalogs, log *slog.Logger) {
	ctx, cancel := context.WithCancel(context.Background())
	s.mailStop, s.mailDone = cancel, make(chan struct{})
	w := &mail.Worker{Outbox: s.db, Config: cfg, Log: log, Sites: func(store string) *components.Site {
		if c, ok := cats.Get(store); ok {
			return c.Site
		}
		return nil
	}}
	go func() {
		defer close(s.mailDone)
		w.Run(ctx)
	}()
	log.Info("order confirmation emails on", "relay", cfg.Host, "from", cfg.From.Address)
}

func (s *Server) closeBackends(ctx context.Context) error {
	var errs []error
	if s.mailStop != nil { // it uses the database
		s.mailStop()
		<-s.mailDone
		s.mailStop = nil
	}
	for _, stop := range s.stopFollowing {
		stop()
	}
	s.stopFollowing = nil
	errs = append(errs, s.shop.close()) // its worker uses the database and the cache
	s.shop = nil
	if s.rec != nil { // it writes to the database
		errs = append(errs, s.rec.Close(ctx))
		s.rec = nil
	}
	if s.exp != nil {
		errs = append(errs, s.exp.Close(ctx))
		s.exp = nil
	}
	if s.Islands != nil {
		s.Islands.Close() // background refreshes use the database
	}
	if s.cache != nil {
		errs = append(errs, s.cache.Close(ctx))
		s.cache = nil
	}
	if s.db != nil {
		errs = append(errs, s.db.Close())
		s.db = nil
	}
	return errors.Join(errs...)
}

// loadCatalogs loads and validates the stores the islands serve, with the
// same asset names a build for opts.SiteURL published.
// checkBuilt refuses to serve a folder that holds no build of a store
// the server would fill the islands of (its home page is missing): it
// would start and answer 404 to every page, a mistake (a wrong --out, a
// build not run yet) better told at once than found by shoppers.
func checkBuilt(public string, cats []*islands.Catalog) error {
	var missing []string
	for _, c := range cats {
		home := filepath.Join(public, filepath.FromSlash(strings.TrimPrefix(c.Site.BasePath, "/")), "index.html")
		if _, err := os.Stat(home); err != nil {
			missing = append(missing, fmt.Sprintf("%s (no %s)", c.Store.Handle, home))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("--out %s holds no build of %s: run `wandgen build --out %s` with the same --content first, pass --store for the stores it holds, or --islands-only when the pages are served from elsewhere",
		public, strings.Join(missing, ", "), public)
}

func loadCatalogs(ctx context.Context, opts ServeOptions, src catalog.Source) (*islands.Catalogs, error) {
	var stores []*catalog.Store
	sites := map[string]*components.Site{}
	if opts.built != nil {
		stores, sites = opts.built.Catalogs, opts.built.Sites
	} else {
		var err error
		handles := opts.Stores
		if len(handles) == 0 {
			if handles, err = src.Stores(ctx); err != nil {
				return nil, err
			}
		}
		for _, h := range handles {
			st, err := loadStore(ctx, src, h)
			if err != nil {
				return nil, fmt.Errorf("catalog: %w", err)
			}
			stores = append(stores, st)
		}
	}
	cats := islands.NewCatalogs()
	for _, st := range stores {
		c, err := islandsCatalog(st, sites[st.Handle], opts.SiteURL)
		if err != nil {
			return nil, fmt.Errorf("catalog %s: %w", st.Handle, err)
		}
		cats.Set(c)
	}
	return cats, nil
}

// loadStore loads a store from src and validates it.
func loadStore(ctx context.Context, src catalog.Source, handle string) (*catalog.Store, error) {
	st, err := src.Load(ctx, handle)
	if err != nil {
		return nil, err
	}
	if err := st.Validate(); err != nil {
		return nil, err
	}
	return st, nil
}

// islandsCatalog is st as the islands serve it: with site (the one its
// build published, or else worked out for siteURL) and its version.
func islandsCatalog(st *catalog.Store, site *components.Site, siteURL string) (*islands.Catalog, error) {
	if site == nil {
		var err error
		if site, err = generator.Site(st, siteURL); err != nil {
			return nil, err
		}
	}
	return &islands.Catalog{Store: st, Site: site, Version: generator.CatalogVersion(st)}, nil
}

func olricConfig(opts ServeOptions, log *slog.Logger) (cache.Config, error) {
	cfg := cache.Config{
		File: opts.OlricConfig, Log: log,
		BindAddr: opts.OlricBind, BindPort: opts.OlricPort, MemberlistPort: opts.OlricGossipPort,
		ReplicaCount: opts.OlricReplicas, ExpectedMembers: opts.OlricExpectedMembers,
		FreePortsWhenTaken: opts.olricPortsOrFree,
	}
	for _, p := range opts.OlricPeers {
		for _, part := range strings.Split(p, ",") {
			if part = strings.TrimSpace(part); part != "" {
				cfg.Peers = append(cfg.Peers, part)
			}
		}
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"olric-port", opts.OlricPort}, {"olric-gossip-port", opts.OlricGossipPort}} {
		if f.v < 0 || f.v > 65535 {
			return cfg, fmt.Errorf("--%s %d: not a port", f.name, f.v)
		}
	}
	if opts.OlricReplicas < 0 || opts.OlricExpectedMembers < 0 {
		return cfg, errors.New("--olric-replicas and --olric-expected-members must not be negative")
	}
	if cfg.File == "" {
		if _, err := os.Stat("olric.yaml"); err == nil {
			cfg.File = "olric.yaml"
		}
	}
	return cfg, nil
}

// sessionKeys decodes the configured keys or, without any, returns the key
// kept in the database: every server sharing the database signs and
// verifies shopper cookies alike, so a shopper stays one shopper whichever
// member answers. The first server to start stores it; a server that used
// a key file (<data>/session.key, from before keys lived in the database)
// offers that one, so its shoppers keep their carts. Keys are never logged.
func sessionKeys(ctx context.Context, secret, data string, db *store.DB) ([][]byte, error) {
	if secret != "" {
		var keys [][]byte
		for _, part := range strings.Split(secret, ",") {
			k, err := decodeKey(strings.TrimSpace(part))
			if err != nil {
				return nil, fmt.Errorf("session secret: %w", err)
			}
			keys = append(keys, k)
		}
		return keys, nil
	}
	var candidate []byte
	file := filepath.Join(data, "session.key")
	raw, err := os.ReadFile(file)
	switch {
	case err == nil:
		if candidate, err = decodeKey(strings.TrimSpace(string(raw))); err != nil {
			return nil, fmt.Errorf("session key %s: %w", file, err)
		}
	case errors.Is(err, fs.ErrNotExist):
		candidate = make([]byte, 32)
		_, _ = rand.Read(candidate)
	default:
		return nil, fmt.Errorf("session key: %w", err)
	}
	k, err := db.SessionKey(ctx, candidate)
	if err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	return [][]byte{k}, nil
}

func decodeKey(s string) ([]byte, error) {
	if k, err := hex.DecodeString(s); err == nil && len(k) >= 32 {
		return k, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) >= 32 {
			return k, nil
		}
	}
	return nil, errors.New("must be at least 32 bytes, hex or base64 encoded")
}

func parsePrefixes(ss []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range ss {
		for _, part := range strings.Split(s, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			if !strings.Contains(part, "/") {
				a, err := netip.ParseAddr(part)
				if err != nil {
					return nil, fmt.Errorf("trusted proxy %q: %w", part, err)
				}
				part += "/" + strconv.Itoa(a.BitLen())
			}
			p, err := netip.ParsePrefix(part)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: %w", part, err)
			}
			out = append(out, p.Masked())
		}
	}
	return out, nil
}

// Flags shared by serve and demo.
func serveFlags() []cli.Flag {
	return append([]cli.Flag{
		&cli.StringFlag{Name: "addr", Value: defaultAddr, Usage: "listen address", EnvVars: []string{"WANDSTORE_ADDR"}},
		&cli.StringFlag{Name: "ops-addr", Usage: "operations address: /healthz, /readyz and /metrics for the operator (default " + defaultOpsAddr + ", or a free port on 127.0.0.1 when taken); the public port answers only a bare /healthz, and the other two to " + envAdminToken, EnvVars: []string{"WANDSTORE_OPS_ADDR"}},
		&cli.StringFlag{Name: "data", Value: defaultData, Usage: "folder for the server's state (the SQLite database)", EnvVars: []string{"WANDSTORE_DATA"}},
		&cli.StringFlag{Name: "db", Usage: "database: postgres://user:password@host:port/db, or an SQLite file path (default: SQLite at <data>/wandstore.db)", EnvVars: []string{"WANDSTORE_DB"}},
		&cli.StringFlag{Name: "olric-config", Usage: "Olric member config (default: ./olric.yaml if present, else built-in defaults); the --olric-* flags below override it", EnvVars: []string{"WANDSTORE_OLRIC_CONFIG"}},
		&cli.StringFlag{Name: "olric-bind", Usage: "address the Olric member binds and is known by, for its port and gossip (default: the config's, 127.0.0.1)", EnvVars: []string{"WANDSTORE_OLRIC_BIND"}},
		&cli.IntFlag{Name: "olric-port", Usage: "the Olric member's port (default: the config's, 3320)", EnvVars: []string{"WANDSTORE_OLRIC_PORT"}},
		&cli.IntFlag{Name: "olric-gossip-port", Usage: "the Olric member's memberlist (gossip) port, TCP and UDP (default: the config's, 3322)", EnvVars: []string{"WANDSTORE_OLRIC_GOSSIP_PORT"}},
		&cli.StringSliceFlag{Name: "olric-peers", Usage: "gossip addresses (host:gossip-port) of the cluster's members, comma-separated; this member's own is dropped, so every member can be given the same list (default: the config's)", EnvVars: []string{"WANDSTORE_OLRIC_PEERS"}},
		&cli.IntFlag{Name: "olric-replicas", Usage: "members that hold each key; 2 or more in a cluster (default: the config's, 1)", EnvVars: []string{"WANDSTORE_OLRIC_REPLICAS"}},
		&cli.IntFlag{Name: "olric-expected-members", Usage: "cluster members this one expects, itself included; seeing fewer is reported as a split in /readyz and /metrics (default: the peers other than itself, plus one)", EnvVars: []string{"WANDSTORE_OLRIC_EXPECTED_MEMBERS"}},
		&cli.BoolFlag{Name: "no-cache", Usage: "run without Olric (every read goes to the database)", EnvVars: []string{"WANDSTORE_NO_CACHE"}},
		&cli.StringFlag{Name: "session-secret", Usage: "cookie signing keys, comma-separated, hex or base64, >= 32 bytes each; the first signs (default: one generated once and kept in the database)", EnvVars: []string{"WANDSTORE_SESSION_SECRET"}},
		&cli.StringSliceFlag{Name: "trusted-proxy", Usage: "address or CIDR of a proxy whose X-Forwarded-For is believed (repeatable)", EnvVars: []string{"WANDSTORE_TRUSTED_PROXIES"}},
		contentFlag(), outFlag(), storeFlag(),
	}, limitFlags()...)
}

func serveOptions(c *cli.Context) ServeOptions {
	return ServeOptions{
		Addr: c.String("addr"), OpsAddr: c.String("ops-addr"), Data: c.String("data"), DB: c.String("db"), OlricConfig: c.String("olric-config"),
		OlricBind: c.String("olric-bind"), OlricPort: c.Int("olric-port"), OlricGossipPort: c.Int("olric-gossip-port"),
		OlricPeers: c.StringSlice("olric-peers"), OlricReplicas: c.Int("olric-replicas"), OlricExpectedMembers: c.Int("olric-expected-members"),
		NoCache: c.Bool("no-cache"), SessionSecret: c.String("session-secret"), TrustedProxies: c.StringSlice("trusted-proxy"),
		Content: c.String("content"), Public: c.String("out"), Stores: c.StringSlice("store"), Log: c.App.ErrWriter,
		Limits: limitsFrom(c),
	}
}

func serveCommand() *cli.Command {
	flags := append(serveFlags(), &cli.StringFlag{Name: "site-url", Usage: "the origin the stores were built for (default: this server's address)", EnvVars: []string{"WANDSTORE_SITE_URL"}})
	flags = append(flags, &cli.BoolFlag{Name: "islands-only", Usage: "serve the islands (and webhooks) alone, every other path 404: the pages are published elsewhere (a bucket, a CDN); without it, an --out that holds no build of the stores is refused", EnvVars: []string{"WANDSTORE_ISLANDS_ONLY"}})
	flags = append(flags, publishFlags()...) // where webhook updates of Shopify-backed stores go
	flags = append(flags, precompressFlag())
	flags = append(flags, purgeFlags()...)
	return &cli.Command{
		Name:  "serve",
		Usage: "serve built stores (--out) and their islands on one port",
		Flags: flags,
		Action: func(c *cli.Context) error {
			opts := serveOptions(c)
			opts.SiteURL = c.String("site-url")
			opts.IslandsOnly = c.Bool("islands-only")
			var g generator.Options
			_, err := setupPublish(c, &g)
			if err != nil {
				return err
			}
			opts.Publisher, opts.StateDir, opts.Precompress = g.Publisher, g.StateDir, g.Precompress
			if opts.Purger, err = setupPurge(c, os.Getenv); err != nil {
				return err
			}
			s, err := StartServe(c.Context, opts)
			if err != nil {
				return err
			}
			printDashboard(c.App.Writer, s)
			return runUntilDone(c, s)
		},
	}
}

func migrateCommand() *cli.Command {
	return &cli.Command{
		Name:  "migrate",
		Usage: "create or update the database schema",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "data", Value: defaultData, Usage: "state folder", EnvVars: []string{"WANDSTORE_DATA"}},
			&cli.StringFlag{Name: "db", Usage: "database: postgres://user:password@host:port/db, or an SQLite file path (default: SQLite at <data>/wandstore.db)", EnvVars: []string{"WANDSTORE_DB"}},
		},
		Action: func(c *cli.Context) error {
			dsn := c.String("db")
			if dsn == "" {
				if err := os.MkdirAll(c.String("data"), 0o700); err != nil {
					return err
				}
				dsn = filepath.Join(c.String("data"), "wandstore.db")
			}
			db, err := store.Open(c.Context, dsn, store.Options{})
			if err != nil {
				return err
			}
			defer db.Close()
			if err := db.Migrate(c.Context); err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, "database schema is up to date:", dsn)
			return nil
		},
	}
}

// runUntilDone waits for Ctrl+C (or SIGTERM) and shuts down gracefully.
func runUntilDone(c *cli.Context, s *Server) error { return runUntilDoneThen(c, s, s.Close) }

// runUntilDoneThen is runUntilDone closing with close (a server with more
// to stop than its own parts).
func runUntilDoneThen(c *cli.Context, s *Server, close func(context.Context) error) error {
	fmt.Fprintf(c.App.Writer, "Serving %s/ (Ctrl+C to stop)\n", s.URL)
	select {
	case <-c.Context.Done():
	case err := <-s.done:
		s.done <- err // for Close
		return fmt.Errorf("server: %w", err)
	}
	fmt.Fprintln(c.App.Writer, "stopping")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return close(ctx)
}

// memberName names this server in the dashboard's figures: its cache
// member's address in a cluster, else the host and the public port.
func memberName(c *cache.Cache, ln net.Listener) string {
	if c != nil {
		if self := c.Membership().Self; self != "" {
			return self
		}
	}
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	if ta, ok := ln.Addr().(*net.TCPAddr); ok {
		return host + ":" + strconv.Itoa(ta.Port)
	}
	return host
}

// printDashboard says where the operator's dashboard is, or how to turn
// it on.
func printDashboard(w io.Writer, s *Server) {
	if s.Islands.Dashboard() {
		fmt.Fprintf(w, "Dashboard (sign in with %s): %s/admin/\n", envAdminToken, s.URL)
		return
	}
	fmt.Fprintf(w, "Dashboard: off; set %s (16 characters or more) to open %s/admin/\n", envAdminToken, s.URL)
}

// recordBuilt records the build this process made before serving (demo,
// dev) as the dashboard's build events.
func recordBuilt(rec *ops.Recorder, sum *generator.Summary) {
	for _, e := range buildEvents(sum, time.Time{}, "", sum.Duration) {
		rec.Event(e)
	}
}

// buildEvents are a build's events for the dashboard, one per store; a
// zero at and an empty member are filled by the Recorder.
func buildEvents(sum *generator.Summary, at time.Time, member string, took time.Duration) []ops.Event {
	evs := make([]ops.Event, 0, len(sum.Stores))
	for _, st := range sum.Stores {
		evs = append(evs, ops.Event{At: at, Member: member, Store: st.Handle, Kind: ops.KindBuild,
			Rendered: st.Rendered, Written: st.Written, Deleted: st.Deleted, Duration: took,
			Detail: fmt.Sprintf("%d products, %d pages", st.Products, st.Pages)})
	}
	return evs
}
