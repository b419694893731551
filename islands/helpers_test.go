package islands

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/components"
	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/islands/cache"
	"github.com/wandstore/wandstore/islands/shopper"
	"github.com/wandstore/wandstore/islands/store"
)

// env is a real islands server: a SQLite file, an embedded Olric member
// and HTTP on 127.0.0.1, serving the embedded magic-wands demo store.
type env struct {
	t     *testing.T
	dir   string
	db    *store.DB
	cache *cache.Cache
	srv   *Server
	ts    *httptest.Server
	cat   *Catalog
	base  string // "/s/magic-wands/islands/"
	keys  [][]byte
}

type goquerySel = goquery.Selection

func newTestServer(t *testing.T, srv *Server) *httptest.Server {
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts
}

// demoStore is the store the islands' tests serve: the embedded
// magic-wands demo, a fresh copy each time.
func demoStore(t testing.TB) *catalog.Store { return testkit.DemoStore(t, "magic-wands") }

// demoCatalog is the demo store as the islands server sees it, under
// http://127.0.0.1/s/magic-wands/. Its Site is built with components alone,
// as the islands never need the generator: the asset and image paths are
// placeholders (nothing serves them here, and the server only links them),
// and the version is opaque to the server.
func demoCatalog(t testing.TB) *Catalog {
	t.Helper()
	st := demoStore(t)
	base, err := url.Parse("http://127.0.0.1/s/" + st.Handle + "/")
	if err != nil {
		t.Fatal(err)
	}
	site := components.NewSite(st, base)
	site.CSS, site.HTMX, site.IslandsJS, site.SearchJS = site.Path("assets/app.css"), site.Path("assets/htmx.js"), site.Path("assets/islands.js"), site.Path("assets/search.js")
	for _, p := range st.Products {
		for _, img := range p.Images {
			site.Images[img.Src] = site.Path("assets/" + img.Src)
		}
	}
	return &Catalog{Store: st, Site: site, Version: "demo"}
}

func newEnv(t *testing.T, mod ...func(*Options)) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir()}
	e.openDB()
	e.cache = openCache(t)
	e.cat = demoCatalog(t)
	e.base = e.cat.Site.IslandPath("")
	e.keys = [][]byte{bytes.Repeat([]byte("k"), 32)}
	opts := Options{Store: e.db, Cache: e.cache, Catalogs: NewCatalogs(e.cat), SessionKeys: e.keys}
	for _, m := range mod {
		m(&opts)
	}
	var err error
	e.srv, err = New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.srv.Close)
	e.ts = newTestServer(t, e.srv)
	return e
}

func (e *env) openDB() {
	e.t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(e.dir, "wandstore.db"), store.Options{})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := db.Migrate(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	e.db = db
	e.t.Cleanup(func() { db.Close() })
}

// migratedDB is a migrated SQLite database in a folder of tb's, closed
// when tb ends.
func migratedDB(tb testing.TB) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), filepath.Join(tb.TempDir(), "wandstore.db"), store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return db
}

// openCache starts an Olric member on free ports of 127.0.0.1, quiet, and
// closes it when the test ends; mod, when given, adjusts its config (peers,
// replicas) first.
func openCache(t testing.TB, mod ...func(*cache.Config)) *cache.Cache {
	t.Helper()
	cfg := cache.Config{
		BindAddr: "127.0.0.1", BindPort: testkit.MustFreePort(t), MemberlistPort: testkit.MustFreePort(t), LogLevel: "ERROR",
		Log:          slog.New(slog.DiscardHandler), // shutdown chatter from Olric
		StartTimeout: 20 * time.Second,
	}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := cache.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c.Close(ctx)
	})
	return c
}

// client is one shopper's browser: its own cookie jar.
type client struct {
	e   *env
	jar *cookiejar.Jar
	hc  *http.Client
}

func (e *env) shopper() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, jar: jar, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (a answer) doc(t *testing.T) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(a.body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (c *client) do(method, path string, form url.Values, htmx bool, hdr ...string) answer {
	c.e.t.Helper()
	if method == "POST" && path == c.e.base+"checkout" && form != nil && !form.Has("cart") {
		// As the drawer's checkout form does: send the token of the cart
		// as shown now.
		form.Set("cart", c.cartToken())
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.e.ts.URL+path, body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin") // what a browser sends for our own pages
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (c *client) get(island string) answer { return c.do("GET", c.e.base+island, nil, true) }

func (c *client) post(island string, kv ...string) answer {
	form := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		form.Add(kv[i], kv[i+1])
	}
	return c.do("POST", c.e.base+island, form, true)
}

// cartToken is the checkout token of the drawer the shopper is shown now
// ("" for an empty cart).
func (c *client) cartToken() string {
	c.e.t.Helper()
	v, _ := c.get("cart").doc(c.e.t).Find("form.checkout input[name=cart]").Attr("value")
	return v
}

func (c *client) id() shopper.ID {
	u, _ := url.Parse(c.e.ts.URL)
	for _, ck := range c.jar.Cookies(u) {
		if ck.Name == "wandstore_sid" {
			id, _, err := c.e.srv.codec.Decode(ck.Value)
			if err != nil {
				c.e.t.Fatalf("our own cookie does not decode: %v", err)
			}
			return id
		}
	}
	return ""
}

func (c *client) state() *shopper.State {
	c.e.t.Helper()
	st, err := c.e.db.Load(context.Background(), c.e.cat.Store.Handle, c.id())
	if err != nil {
		c.e.t.Fatal(err)
	}
	return st
}

func (c *client) cartCount() int {
	c.e.t.Helper()
	a := c.get("cart/badge")
	n, err := strconv.Atoi(a.doc(c.e.t).Find("[data-testid=cart-count]").Text())
	if err != nil {
		c.e.t.Fatalf("badge: %v\n%s", err, a.body)
	}
	return n
}

// reprice serves a new catalog version in which p's variant costs amount
// (minor units), as a build or a webhook would publish it.
func (e *env) reprice(p *catalog.Product, variant string, amount int64) {
	e.t.Helper()
	cur, ok := e.srv.cats.Get(e.cat.Store.Handle)
	must(e.t, ok, "no catalog served")
	changed := *cur.Store.Product(p.Handle)
	changed.Variants = append([]catalog.Variant(nil), changed.Variants...)
	for i := range changed.Variants {
		if changed.Variants[i].ID == variant {
			changed.Variants[i].Price.Amount = amount
		}
	}
	st, err := cur.Store.With(catalog.Change{Products: []*catalog.Product{&changed}})
	must(e.t, err == nil, "with: %v", err)
	e.srv.cats.Set(&Catalog{Store: st, Site: cur.Site, Version: cur.Version + "-" + strconv.FormatInt(amount, 10)})
}

// variant finds a variant of the demo store matching pred.
func (e *env) variant(pred func(p *catalog.Product, v *catalog.Variant) bool) (*catalog.Product, *catalog.Variant) {
	e.t.Helper()
	for _, p := range e.cat.Store.PublishedProducts() {
		for i := range p.Variants {
			if pred(p, &p.Variants[i]) {
				return p, &p.Variants[i]
			}
		}
	}
	e.t.Fatal("no such variant in the demo store")
	return nil, nil
}

func untracked(p *catalog.Product, v *catalog.Variant) bool { return v.Available && !v.Tracked }
func soldOut(p *catalog.Product, v *catalog.Variant) bool   { return !v.Available }

// ops asks the server's operations handler (OpsHandler) for path.
func (e *env) ops(path string) *http.Response {
	rec := httptest.NewRecorder()
	e.srv.OpsHandler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec.Result()
}

func (e *env) metric(name string) string {
	e.t.Helper()
	resp := e.ops("/metrics")
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, name+" ") {
			return strings.TrimPrefix(line, name+" ")
		}
	}
	return ""
}

func must(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if !ok {
		t.Fatalf(format, args...)
	}
}
