package islands

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wandstore/wandstore/islands/session"
	"github.com/wandstore/wandstore/islands/shopper"
	"github.com/wandstore/wandstore/islands/store"
)

// BenchmarkIslands loads a real islands server (SQLite file, embedded
// Olric member, HTTP on 127.0.0.1) with keep-alive connections and prints
// a table of requests/s and p50/p99 latency per scenario:
//
//	go test -run '^$' -bench Islands -benchtime 1x ./islands/
//
// For two fragments, the cart drawer (one line, about 2.6 KB) and
// recommendations?product=X (eight product cards), at 1, 16 and 64
// connections:
//
//   - bare: a plain net/http handler answering the same bytes from a
//     map[cookie value][]byte, with the same headers: the ceiling this
//     machine's HTTP stack and load generator allow. It takes turns with
//     warm in one sub-benchmark (bare, warm, warm, bare, twice), at the same
//     concurrency, with the same shoppers.
//   - warm: 64 shoppers with a seeded cart each, requested round robin
//     after one untimed request each, so every timed answer is an Olric
//     hit: cookie check, two rate-limit counts, the hot state, the
//     fragment (all through Olric), and the write.
//   - cold: a fresh pool of shoppers seeded in the database (a cart line
//     each, like the warm ones), each requested once: a miss on both the hot
//     state and the fragment, so every answer pays the Olric lookups
//     that miss, the database read, the render and the two Olric puts
//     that follow, which is what a shopper returning after their hot
//     copies expired costs. A server with no cache would skip the Olric
//     round trips and measure a path no deployment runs. Recommendations
//     also pay, on whichever requests find it over 30 s old, the store's
//     popularity query, which grows with the seeded carts.
//
// Then POST cart/add (an untracked variant, so no state read first) by 1
// and 16 shoppers at once: a committed SQLite write (WAL, synchronous
// NORMAL, on the temp folder's disk) per request.
//
// The machine these run on has 2 cores, shared with the load generator
// and with its neighbours: absolute figures move from run to run, so the
// figure to read is warm throughput as a share of bare at the same
// concurrency in the same run ("vs bare"). Nothing here fails on a time.
//
// WANDSTORE_ISLANDS_BENCH_TIME sets each scenario's length (default 2s);
// WANDSTORE_ISLANDS_BENCH_COLD the shoppers seeded for each cold scenario
// (default 4000), which ends when they are used up if that comes first.
// Sub-benchmarks are fragment/cN/warm (bare and warm), fragment/cN/cold
// and add/cN: -bench 'Islands/cart/c64' runs one concurrency. Each
// reports req/s, p50-µs and p99-µs (bare's prefixed "bare-"); the table
// printed at the end has them all.
func BenchmarkIslands(b *testing.B) {
	ib := newIslandsBench(b)
	d := benchDuration()
	coldN := benchColdShoppers()
	warm := ib.seed(b, benchWarmShoppers)

	type fragment struct {
		name string
		path func(sh benchShopper) string
	}
	frags := []fragment{
		{"cart", func(benchShopper) string { return ib.cat.Site.IslandPath("cart") }},
		{"recs", func(sh benchShopper) string {
			return ib.cat.Site.IslandPath("recommendations") + "?product=" + url.QueryEscape(sh.product)
		}},
	}
	for _, f := range frags {
		for _, conc := range []int{1, 16, 64} {
			group := fmt.Sprintf("%s/c%d", f.name, conc)
			b.Run(group+"/warm", func(b *testing.B) {
				// One untimed request each puts every fragment in Olric
				// (for 60 s, longer than this takes) and gives bare its bytes.
				bare := ib.bareServer(b, ib.prewarm(b, warm, f.path))
				rs := ib.scenario(b, d, conc,
					arm{group + "/bare", func() runSpec {
						return runSpec{target: bare.URL, next: roundRobin(bare.URL, warm, conc, f.path)}
					}},
					arm{group + "/warm", func() runSpec {
						return runSpec{target: ib.ts.URL, next: roundRobin(ib.ts.URL, warm, conc, f.path), counters: true}
					}})
				rs[1].bareRPS = rs[0].rps()
				rs[1].report(b, "")
				rs[0].report(b, "bare-")
				ib.keep(rs[0], rs[1])
			})
			b.Run(group+"/cold", func(b *testing.B) {
				rs := ib.scenario(b, d, conc, arm{group + "/cold", func() runSpec {
					pool := ib.seed(b, coldN)
					return runSpec{target: ib.ts.URL, next: once(ib.ts.URL, pool, f.path), counters: true}
				}})
				rs[0].report(b, "")
				ib.keep(rs[0])
			})
		}
	}
	for _, conc := range []int{1, 16} {
		name := fmt.Sprintf("add/c%d", conc)
		b.Run(name, func(b *testing.B) {
			rs := ib.scenario(b, d, conc, arm{name, func() runSpec {
				return runSpec{target: ib.ts.URL, next: ib.adds(conc)}
			}})
			rs[0].report(b, "")
			ib.keep(rs[0])
		})
	}
	ib.printTable(d, coldN)
}

const (
	benchWarmShoppers = 64
	benchCartLines    = 1
	// benchMaxRequests bounds any one scenario, whatever its time.
	benchMaxRequests = 1_000_000
)

// benchDuration is each scenario's length: WANDSTORE_ISLANDS_BENCH_TIME,
// default 2s, kept within 100ms..30s.
func benchDuration() time.Duration {
	d, err := time.ParseDuration(os.Getenv("WANDSTORE_ISLANDS_BENCH_TIME"))
	if err != nil || d <= 0 {
		d = 2 * time.Second
	}
	return min(max(d, 100*time.Millisecond), 30*time.Second)
}

// benchColdShoppers is how many shoppers each cold scenario may use:
// WANDSTORE_ISLANDS_BENCH_COLD, default 4000, kept within 100..50000.
func benchColdShoppers() int {
	n, err := strconv.Atoi(os.Getenv("WANDSTORE_ISLANDS_BENCH_COLD"))
	if err != nil || n <= 0 {
		n = 4000
	}
	return min(max(n, 100), 50000)
}

type islandsBench struct {
	db          *store.DB
	srv         *Server
	ts          *httptest.Server
	cat         *Catalog
	lines       [][2]string // product, variant: available, one variant a product
	addVariants [][2]string // untracked variants, for cart/add
	prods       []string    // published products, for ?product=

	addrs atomic.Uint32 // numbers the shoppers' addresses

	rows []benchResult // the table, in the order run
}

type benchShopper struct {
	id      shopper.ID
	cookie  string // the Cookie header
	addr    string // their address, as the trusted front on 127.0.0.1 forwards it
	product string // the page they are on, for ?product=
}

// newShopper is a shopper with a signed cookie and an address of their
// own in 10.0.0.0/8; nothing of theirs is stored yet.
func (ib *islandsBench) newShopper() benchShopper {
	id, n := shopper.NewID(), ib.addrs.Add(1)
	return benchShopper{id: id, cookie: session.CookieName + "=" + ib.srv.codec.Encode(id),
		addr: netip.AddrFrom4([4]byte{10, byte(n >> 16), byte(n >> 8), byte(n)}).String()}
}

// newIslandsBench is newEnv for a benchmark: the same parts, behind a
// trusted front on 127.0.0.1 that forwards each shopper's own address (as
// a CDN or load balancer would), with rate limits too high to refuse the
// load but still counted in Olric for every request, as in production.
func newIslandsBench(b *testing.B) *islandsBench {
	b.Helper()
	db := migratedDB(b)
	c := openCache(b)
	ib := &islandsBench{db: db, cat: demoCatalog(b)}
	st := ib.cat.Store
	var err error
	ib.srv, err = New(Options{
		Store: db, Cache: c, Catalogs: NewCatalogs(ib.cat),
		SessionKeys: [][]byte{bytes.Repeat([]byte("k"), 32)},
		Limits:      Limits{PerIP: math.MaxInt32, PerShopper: math.MaxInt32, Window: time.Minute},
		// As behind a CDN or load balancer: the client is X-Forwarded-For.
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
	})
	if err != nil {
		b.Fatal(err)
	}
	ib.ts = httptest.NewServer(ib.srv.Handler())
	b.Cleanup(ib.ts.Close)
	for _, p := range st.PublishedProducts() {
		ib.prods = append(ib.prods, p.Handle)
		for i := range p.Variants {
			v := &p.Variants[i]
			if v.Available && (!v.Tracked || v.Inventory >= 1) {
				ib.lines = append(ib.lines, [2]string{p.Handle, v.ID})
				break
			}
		}
		for i := range p.Variants {
			if v := &p.Variants[i]; v.Available && !v.Tracked && len(ib.addVariants) < 10 {
				ib.addVariants = append(ib.addVariants, [2]string{p.Handle, v.ID})
			}
		}
	}
	if len(ib.lines) < 2*benchCartLines || len(ib.addVariants) == 0 {
		b.Fatalf("demo store too small: %d available products, %d untracked variants", len(ib.lines), len(ib.addVariants))
	}
	return ib
}

// seed makes n new shoppers with benchCartLines cart lines each, written
// through the store (committed transactions, as the server writes them)
// and never requested, so nothing of theirs is in Olric.
func (ib *islandsBench) seed(b *testing.B, n int) []benchShopper {
	b.Helper()
	ctx := context.Background()
	out := make([]benchShopper, n)
	for i := range out {
		out[i] = ib.newShopper()
		out[i].product = ib.prods[i%len(ib.prods)]
	}
	// A few goroutines keep the single writer connection busy while the
	// next transaction is built.
	const workers = 4
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for g := range workers {
		wg.Go(func() {
			for i := g; i < n; i += workers {
				for j := range benchCartLines {
					l := ib.lines[(i+j*7)%len(ib.lines)]
					if _, err := ib.db.AddToCart(ctx, ib.cat.Store.Handle, out[i].id, l[0], l[1], 1, 1500); err != nil {
						errs[g] = err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		b.Fatal(err)
	}
	return out
}

// benchGet is the GET htmx sends for an island of the shopper's page.
func benchGet(base, path string, sh benchShopper) *http.Request {
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		panic(err)
	}
	setBenchHeaders(req, sh)
	return req
}

func setBenchHeaders(req *http.Request, sh benchShopper) {
	req.Header.Set("Cookie", sh.cookie)
	req.Header.Set("X-Forwarded-For", sh.addr)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
}

// prewarm requests each shopper's fragment once (untimed), so it is in
// Olric, and returns the answers by cookie value for the bare handler.
func (ib *islandsBench) prewarm(b *testing.B, shoppers []benchShopper, path func(benchShopper) string) map[string][]byte {
	b.Helper()
	out := make(map[string][]byte, len(shoppers))
	for _, sh := range shoppers {
		resp, err := http.DefaultClient.Do(benchGet(ib.ts.URL, path(sh), sh))
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("prewarm %s: %d %v", path(sh), resp.StatusCode, err)
		}
		out[strings.TrimPrefix(sh.cookie, session.CookieName+"=")] = body
	}
	return out
}

// bareServer answers each shopper's fragment from a map by cookie value,
// with the headers the islands server sends: the cost of HTTP alone.
func (ib *islandsBench) bareServer(b *testing.B, frags map[string][]byte) *httptest.Server {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(session.CookieName)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		html, ok := frags[c.Value]
		if !ok {
			http.NotFound(w, r)
			return
		}
		SecurityHeaders(w.Header())
		writeHTML(&request{w: w, r: r}, http.StatusOK, html)
	}))
	b.Cleanup(ts.Close)
	return ts
}

// roundRobin gives worker w of conc the shoppers w, w+conc, ... in turn
// (shopper w%len when there are more workers than shoppers), each worker
// its own *http.Request values, reused once the previous answer is read.
func roundRobin(base string, shoppers []benchShopper, conc int, path func(benchShopper) string) func(w, i int) *http.Request {
	reqs := make([][]*http.Request, conc)
	for w := range conc {
		for j := w; j < max(len(shoppers), conc); j += conc {
			sh := shoppers[j%len(shoppers)]
			reqs[w] = append(reqs[w], benchGet(base, path(sh), sh))
		}
	}
	return func(w, i int) *http.Request { return reqs[w][i%len(reqs[w])] }
}

// once hands each shopper of the pool to exactly one request, then ends
// the scenario.
func once(base string, pool []benchShopper, path func(benchShopper) string) func(w, i int) *http.Request {
	reqs := make([]*http.Request, len(pool))
	for i, sh := range pool {
		reqs[i] = benchGet(base, path(sh), sh)
	}
	var next atomic.Int64
	return func(int, int) *http.Request {
		if i := next.Add(1) - 1; i < int64(len(reqs)) {
			return reqs[i]
		}
		return nil
	}
}

// adds: worker w is one shopper adding one of a few untracked variants
// at a time (the line count stays far below the cart's limit; a line's
// quantity stops at 99, but each add is still a committed write).
func (ib *islandsBench) adds(conc int) func(w, i int) *http.Request {
	shoppers := make([]benchShopper, conc)
	for w := range shoppers {
		shoppers[w] = ib.newShopper()
	}
	path := ib.ts.URL + ib.cat.Site.IslandPath("cart/add")
	return func(w, i int) *http.Request {
		v := ib.addVariants[i%len(ib.addVariants)]
		form := url.Values{"product": {v[0]}, "variant": {v[1]}, "quantity": {"1"}}
		req, err := http.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
		if err != nil {
			panic(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		setBenchHeaders(req, shoppers[w])
		return req
	}
}

type runSpec struct {
	conc     int                          // set by scenario
	d        time.Duration                // set by scenario
	target   string                       // server URL, for opening connections
	next     func(w, i int) *http.Request // nil: this worker is done
	counters bool                         // read the server's cache counters
}

// sample is what one or more runs of a scenario measured.
type sample struct {
	lats            []time.Duration
	elapsed         time.Duration
	bytes           int64
	hit, miss, errs float64 // fragment cache lookups
	cacheErr        float64 // cache errors of any kind
}

func (s *sample) add(o sample) {
	s.lats = append(s.lats, o.lats...)
	s.elapsed += o.elapsed
	s.bytes += o.bytes
	s.hit, s.miss, s.errs, s.cacheErr = s.hit+o.hit, s.miss+o.miss, s.errs+o.errs, s.cacheErr+o.cacheErr
}

type benchResult struct {
	name     string
	conc     int
	n        int
	elapsed  time.Duration
	p50, p99 time.Duration
	bytes    int64
	hits     float64 // fragment cache hit share, -1 when not counted
	cacheErr float64
	bareRPS  float64 // bare's at the same concurrency, 0 when not compared
}

func (r benchResult) rps() float64 { return float64(r.n) / r.elapsed.Seconds() }

// arm is one side of a scenario: a name for the table and a function
// that prepares a slice of load (untimed) and says what to send.
type arm struct {
	name  string
	slice func() runSpec
}

// scenario runs b.N rounds (one with -benchtime 1x, or whenever a round
// outlasts -benchtime) of d of load for each arm. Two arms take turns in
// slices of d/4, bare-warm-warm-bare twice, so that a neighbour's burst
// on this shared machine, or a drift, tends to fall on both alike.
func (ib *islandsBench) scenario(b *testing.B, d time.Duration, conc int, arms ...arm) []benchResult {
	b.Helper()
	order, slice := []int{0}, d
	if len(arms) == 2 {
		order, slice = []int{0, 1, 1, 0, 0, 1, 1, 0}, d/4
	}
	all := make([]sample, len(arms))
	for range b.N {
		for _, a := range order {
			s := arms[a].slice()
			s.conc, s.d = conc, slice
			all[a].add(ib.run(b, arms[a].name, s))
		}
	}
	out := make([]benchResult, len(arms))
	for a, s := range all {
		if len(s.lats) == 0 {
			b.Fatalf("%s: no requests", arms[a].name)
		}
		slices.Sort(s.lats)
		out[a] = benchResult{name: arms[a].name, conc: conc, n: len(s.lats), elapsed: s.elapsed, bytes: s.bytes,
			p50: percentile(s.lats, 50), p99: percentile(s.lats, 99), hits: -1, cacheErr: s.cacheErr}
		if n := s.hit + s.miss + s.errs; n > 0 {
			out[a].hits = s.hit / n
		}
	}
	return out
}

// report sets the sub-benchmark's metrics, their units prefixed. ns/op is
// suppressed: an op is a round of load here, not a request.
func (r benchResult) report(b *testing.B, prefix string) {
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(r.rps(), prefix+"req/s")
	b.ReportMetric(float64(r.p50.Microseconds()), prefix+"p50-µs")
	b.ReportMetric(float64(r.p99.Microseconds()), prefix+"p99-µs")
	if r.bareRPS > 0 {
		b.ReportMetric(100*r.rps()/r.bareRPS, prefix+"%-of-bare")
	}
	if r.hits >= 0 {
		b.ReportMetric(100*r.hits, prefix+"%-hits")
	}
}

// keep puts rows in the table; a sub-benchmark run again with a larger
// b.N replaces its rows. (Sub-benchmarks run one at a time.)
func (ib *islandsBench) keep(rs ...benchResult) {
	for _, r := range rs {
		if i := slices.IndexFunc(ib.rows, func(x benchResult) bool { return x.name == r.name }); i >= 0 {
			ib.rows[i] = r
		} else {
			ib.rows = append(ib.rows, r)
		}
	}
}

// run sends requests from conc workers, each on its own keep-alive
// connection (its own Transport, opened before the clock starts), until
// d is up, next has no more, or benchMaxRequests. Any transport error or
// answer other than 200 fails the benchmark: a wrong answer, not a slow one.
func (ib *islandsBench) run(b *testing.B, name string, s runSpec) sample {
	b.Helper()
	var before map[string]float64
	if s.counters {
		before = ib.counters(b)
	}
	clients := make([]*http.Client, s.conc)
	for w := range clients {
		clients[w] = &http.Client{
			Transport: &http.Transport{MaxIdleConnsPerHost: 2, DisableCompression: true, IdleConnTimeout: time.Minute},
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		}
	}
	defer func() {
		for _, c := range clients {
			c.CloseIdleConnections()
		}
	}()
	var (
		ready, done sync.WaitGroup
		start       = make(chan struct{})
		deadline    time.Time // written before start closes
		sent, total atomic.Int64
		failOnce    sync.Once
		failure     error
		lats        = make([][]time.Duration, s.conc)
	)
	fail := func(err error) { failOnce.Do(func() { failure = err }) }
	ready.Add(s.conc)
	for w := range s.conc {
		done.Go(func() {
			hc := clients[w]
			// Open this worker's connection before the clock starts.
			if resp, err := hc.Get(s.target + "/healthz"); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			lats[w] = make([]time.Duration, 0, 4096)
			ready.Done()
			<-start
			for i := 0; time.Now().Before(deadline) && sent.Add(1) <= benchMaxRequests; i++ {
				req := s.next(w, i)
				if req == nil {
					return
				}
				t0 := time.Now()
				resp, err := hc.Do(req)
				if err != nil {
					fail(err)
					return
				}
				n, err := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat := time.Since(t0)
				if err != nil {
					fail(err)
					return
				}
				if resp.StatusCode != http.StatusOK {
					fail(fmt.Errorf("%s %s: status %d", req.Method, req.URL.Path, resp.StatusCode))
					return
				}
				lats[w] = append(lats[w], lat)
				total.Add(n)
			}
		})
	}
	ready.Wait()
	t0 := time.Now()
	deadline = t0.Add(s.d)
	close(start)
	done.Wait()
	elapsed := time.Since(t0)
	if failure != nil {
		b.Fatalf("%s: %v", name, failure)
	}
	out := sample{lats: slices.Concat(lats...), elapsed: elapsed, bytes: total.Load()}
	if s.counters {
		after := ib.counters(b)
		delta := func(k string) float64 { return after[k] - before[k] }
		out.hit, out.miss, out.errs = delta("fragment|hit"), delta("fragment|miss"), delta("fragment|error")
		for k := range after {
			if strings.HasPrefix(k, "cacheerr|") {
				out.cacheErr += delta(k)
			}
		}
	}
	return out
}

// percentile is the nearest-rank p-th percentile of sorted.
func percentile(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}

// counters reads the server's fragment cache and cache error counters.
func (ib *islandsBench) counters(b *testing.B) map[string]float64 {
	mfs, err := ib.srv.Registry().Gather()
	if err != nil {
		b.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		var prefix string
		switch mf.GetName() {
		case "wandstore_fragment_cache_total":
			prefix = "fragment|"
		case "wandstore_cache_errors_total":
			prefix = "cacheerr|"
		default:
			continue
		}
		for _, m := range mf.GetMetric() {
			k := prefix
			for _, l := range m.GetLabel() {
				k += l.GetValue()
			}
			out[k] = m.GetCounter().GetValue()
		}
	}
	return out
}

func (ib *islandsBench) printTable(d time.Duration, coldN int) {
	if len(ib.rows) == 0 {
		return
	}
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64) }
	var w strings.Builder
	fmt.Fprintf(&w, "\nIslands over HTTP on 127.0.0.1, GOMAXPROCS %d, %s a scenario (cold: at most %d new shoppers).\n",
		runtime.GOMAXPROCS(0), d, coldN)
	fmt.Fprintf(&w, "Noisy 2-core machine: read warm as a share of bare at the same concurrency, not absolutes.\n\n")
	fmt.Fprintf(&w, "%-16s %5s %9s %9s %8s %8s %7s %6s %8s\n", "scenario", "conns", "requests", "req/s", "p50 ms", "p99 ms", "B/req", "hits", "vs bare")
	var notes []string
	for _, r := range ib.rows {
		kind := strings.Replace(r.name, "/c"+strconv.Itoa(r.conc), "", 1) // "cart/warm"
		if kind == "add" {
			kind = "cart/add POST"
		}
		hits, vs := "-", "-"
		if r.hits >= 0 {
			hits = fmt.Sprintf("%.0f%%", 100*r.hits)
		}
		if r.bareRPS > 0 {
			vs = fmt.Sprintf("%.0f%%", 100*r.rps()/r.bareRPS)
		}
		fmt.Fprintf(&w, "%-16s %5d %9d %9.0f %8s %8s %7d %6s %8s\n", kind, r.conc, r.n, r.rps(), ms(r.p50), ms(r.p99),
			r.bytes/int64(r.n), hits, vs)
		if r.cacheErr > 0 {
			notes = append(notes, fmt.Sprintf("%s: %.0f cache errors (fell back to the database)", r.name, r.cacheErr))
		}
		switch {
		case strings.HasSuffix(r.name, "/warm") && r.bareRPS > 0:
			verdict := "meets"
			if r.rps() < 0.7*r.bareRPS {
				verdict = "misses"
			}
			notes = append(notes, fmt.Sprintf("%s: %.0f%% of bare, %s the 70%% target", r.name, 100*r.rps()/r.bareRPS, verdict))
		case strings.HasSuffix(r.name, "/c16/cold"):
			verdict := "meets"
			if r.p99 >= 10*time.Millisecond {
				verdict = "misses"
			}
			notes = append(notes, fmt.Sprintf("%s: p99 %s ms, %s the 10 ms target", r.name, ms(r.p99), verdict))
		}
	}
	w.WriteString("\n")
	for _, n := range notes {
		w.WriteString(n + "\n")
	}
	fmt.Print(w.String())
}
