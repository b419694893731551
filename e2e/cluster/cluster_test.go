// Package cluster_test runs three `wandgen serve` processes as one Olric
// cluster over one PostgreSQL database, under a bounded shopper load, and
// kills one with SIGKILL, then restarts each in turn with SIGTERM. It
// checks what a shopper may rely on (DESIGN.md's consistency rules): no
// error from a living member, no read older than the reader's last
// acknowledged write, no acknowledged write lost, every member showing
// every cart as the database holds it.
//
// It needs PostgreSQL: it skips unless WANDSTORE_PG_DSN is set (see
// README), and CI sets it.
package cluster_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/islands/session"
)

const (
	storeHandle = "magic-wands"
	islands     = "/s/magic-wands/islands/"
	shoppers    = 24
	members     = 3
)

// TestClusterKill9AndRollingRestart is the operator's promise, tested with
// real processes.
func TestClusterKill9AndRollingRestart(t *testing.T) {
	dsn := testkit.PostgresDSN(t)
	if testing.Short() {
		t.Skip("-short: the cluster test takes about a minute")
	}
	bin := buildWandgen(t)
	c := newCluster(t, bin, dsn, members)
	c.startAll(t)
	c.waitMembers(t, members)

	variants := buyable(t)
	ss := make([]*shopperSim, shoppers)
	for i := range ss {
		ss[i] = newShopper(t, c, i, variants)
	}

	// 1. kill -9 of a member mid-run, writes stopped shortly after, then
	// reads alone while the cluster settles.
	victim := 0 // the oldest member: Olric's coordinator
	load := c.runLoad(t, ss, true)
	time.Sleep(3 * time.Second)
	c.kill(t, victim)
	time.Sleep(1500 * time.Millisecond)
	load.stopWrites()
	time.Sleep(4 * time.Second)
	load.stop(t)
	c.check(t, "after kill -9", ss)

	// 2. The killed member comes back (peers: the living) and serves the
	// same carts.
	c.start(t, victim)
	c.waitMembers(t, members)
	c.checkVia(t, "the restarted member", ss, victim)

	// 3. A rolling restart under load: each member in turn gets SIGTERM
	// and is started again.
	load = c.runLoad(t, ss, true)
	for i := range c.ms {
		time.Sleep(time.Second)
		c.term(t, i)
		// As an operator's rolling restart does: the member comes back
		// once the others have seen it leave. Started at once, it may
		// knock while the coordinator still holds its old place, and
		// wait out the bootstrap.
		c.waitMembers(t, members-1)
		c.start(t, i)
		c.waitMembers(t, members)
	}
	time.Sleep(time.Second)
	load.stopWrites()
	time.Sleep(time.Second)
	load.stop(t)
	c.check(t, "after a rolling restart", ss)
}

// buildWandgen builds the real binary, as an operator runs it.
func buildWandgen(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "wandgen")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/wandstore/wandstore/cmd/wandgen")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// buyable lists variants the load adds: published, available, not
// stock-tracked (so a stock limit never refuses an add).
func buyable(t *testing.T) [][2]string {
	t.Helper()
	st := testkit.DemoStore(t, storeHandle)
	var out [][2]string
	for _, p := range st.PublishedProducts() {
		for _, v := range p.Variants {
			if v.Available && !v.Tracked {
				out = append(out, [2]string{p.Handle, v.ID})
			}
		}
	}
	if len(out) < 3 {
		t.Fatalf("only %d buyable variants in the demo store", len(out))
	}
	return out[:min(len(out), 8)]
}

// cluster is three member processes over one database.
type cluster struct {
	bin string
	dsn string
	db  *sql.DB
	ms  []*member
	// args and env are added to every member's command line and
	// environment (a content folder, a webhook secret).
	args, env []string
}

type member struct {
	i                        int
	http, ops, olric, gossip int
	data, out                string
	cmd                      *exec.Cmd
	exited                   chan struct{}
	up                       atomic.Bool
	log                      *testkit.LogBuffer
}

func newCluster(t testing.TB, bin, dsn string, n int) *cluster {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &cluster{bin: bin, dsn: dsn, db: db}
	out := t.TempDir() // nothing static is served here: islands only
	for i := range n {
		m := &member{i: i, data: t.TempDir(), out: out, log: &testkit.LogBuffer{}}
		m.http, m.olric, m.gossip = testkit.MustFreePort(t), testkit.MustFreePort(t), testkit.MustFreePort(t)
		m.ops = testkit.MustFreePort(t)
		c.ms = append(c.ms, m)
	}
	t.Cleanup(func() {
		for _, m := range c.ms {
			if m.cmd != nil && m.cmd.ProcessState == nil {
				_ = m.cmd.Process.Kill()
				<-m.exited
			}
		}
		if t.Failed() {
			for _, m := range c.ms {
				t.Logf("member %d log (last 4 KiB):\n%s", m.i, m.log.Tail(4096))
				// The whole log, where CI keeps it (e2e/artifacts/).
				name := filepath.Join("..", "artifacts", fmt.Sprintf("%s-member-%d.log", strings.ReplaceAll(t.Name(), "/", "_"), m.i))
				if err := os.MkdirAll(filepath.Dir(name), 0o755); err == nil {
					if err := os.WriteFile(name, []byte(m.log.String()), 0o644); err == nil {
						t.Logf("member %d's whole log: e2e/artifacts/%s", m.i, filepath.Base(name))
					}
				}
			}
		}
	})
	return c
}

func (m *member) url() string { return "http://127.0.0.1:" + strconv.Itoa(m.http) }

// opsURL is the member's operations address (/readyz, /metrics).
func (m *member) opsURL() string { return "http://127.0.0.1:" + strconv.Itoa(m.ops) }

// startAll starts every member at once, as an operator's deploy does:
// each lists all three as peers, so whichever comes up first is joined by
// the others.
func (c *cluster) startAll(t testing.TB) {
	t.Helper()
	for i := range c.ms {
		c.launch(t, i)
	}
	for i := range c.ms {
		c.waitReady(t, i)
	}
}

// start starts member i again and waits until it is ready.
func (c *cluster) start(t testing.TB, i int) {
	t.Helper()
	c.launch(t, i)
	c.waitReady(t, i)
}

// launch starts member i's process: the repository's olric.yaml, the same
// for every member, with the flags that differ per member (ports) and the
// one peer list every member is given.
func (c *cluster) launch(t testing.TB, i int) {
	t.Helper()
	m := c.ms[i]
	var peers []string
	for _, o := range c.ms {
		peers = append(peers, "127.0.0.1:"+strconv.Itoa(o.gossip))
	}
	m.cmd = exec.Command(c.bin, "serve",
		"--addr", "127.0.0.1:"+strconv.Itoa(m.http), "--ops-addr", "127.0.0.1:"+strconv.Itoa(m.ops),
		"--out", m.out, "--islands-only", "--data", m.data, "--db", c.dsn,
		"--olric-config", "../../olric.yaml",
		"--olric-port", strconv.Itoa(m.olric), "--olric-gossip-port", strconv.Itoa(m.gossip),
		"--olric-peers", strings.Join(peers, ","), "--olric-replicas", "2",
		"--trusted-proxy", "127.0.0.1",
		"--rate-limit-shopper", "100000", "--rate-limit-ip", "100000",
	)
	m.cmd.Args = append(m.cmd.Args, c.args...)
	m.cmd.Stdout, m.cmd.Stderr = m.log, m.log
	m.cmd.Env = append(append(os.Environ(), "WANDSTORE_WEBHOOK_SECRET="), c.env...)
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	m.exited = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(m.cmd, m.exited)
}

// waitReady waits until member i's /readyz answers 200.
func (c *cluster) waitReady(t testing.TB, i int) {
	t.Helper()
	m := c.ms[i]
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(m.opsURL() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		select {
		case <-m.exited:
			t.Fatalf("member %d exited while starting:\n%s", i, m.log.Tail(4096))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("member %d not ready after 60 s:\n%s", i, m.log.Tail(4096))
		}
		time.Sleep(50 * time.Millisecond)
	}
	m.up.Store(true)
	t.Logf("member %d up on %s (olric %d, gossip %d)", i, m.url(), m.olric, m.gossip)
}

// kill sends SIGKILL: no leave message, no flush, connections cut.
func (c *cluster) kill(t testing.TB, i int) {
	m := c.ms[i]
	m.up.Store(false) // the load balancer stops sending it new requests
	if err := m.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-m.exited
	t.Logf("member %d killed (SIGKILL)", i)
}

// term sends SIGTERM and waits for the graceful exit.
func (c *cluster) term(t testing.TB, i int) {
	m := c.ms[i]
	m.up.Store(false)
	if err := m.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-m.exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("member %d did not stop within 30 s of SIGTERM", i)
	}
	if code := m.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("member %d exited %d after SIGTERM:\n%s", i, code, m.log.Tail(2048))
	}
	t.Logf("member %d stopped (SIGTERM)", i)
}

// waitMembers waits until every member that is up reports n members in
// its readiness detail.
func (c *cluster) waitMembers(t testing.TB, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	want := fmt.Sprintf(`"members":%d`, n)
	for _, m := range c.ms {
		if !m.up.Load() {
			continue
		}
		for {
			body, _ := get(m.opsURL() + "/readyz")
			if b := strings.ReplaceAll(body, " ", ""); strings.Contains(b, want) || !strings.Contains(b, `"members"`) {
				break
			}
			if time.Now().After(deadline) {
				t.Logf("member %d never saw %d members: %s", m.i, n, body)
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// pick returns a member that is up, round robin from k.
func (c *cluster) pick(k int) *member {
	for j := range c.ms {
		if m := c.ms[(k+j)%len(c.ms)]; m.up.Load() {
			return m
		}
	}
	return nil
}

// shopperSim is one shopper: a cookie jar shared by every member (one
// origin behind a load balancer), its own client address, and what it was
// told: the cart after its last acknowledged write.
type shopperSim struct {
	t        *testing.T
	c        *cluster
	n        int
	ip       string
	client   *http.Client
	rng      *rand.Rand
	variants [][2]string

	cart map[string]int // "product/variant" -> quantity, as acknowledged
	// unsure is set after a write whose answer was lost (the member died
	// with it in flight): it may or may not have committed, and the
	// shopper was not told. Reads are not judged until the next
	// acknowledged write, which re-reads the truth from the database.
	unsure bool
}

func newShopper(t *testing.T, c *cluster, n int, variants [][2]string) *shopperSim {
	jar, _ := cookiejar.New(nil)
	return &shopperSim{
		t: t, c: c, n: n, ip: fmt.Sprintf("10.1.%d.%d", n/250, n%250+1),
		client:   &http.Client{Jar: jar, Timeout: 10 * time.Second},
		rng:      rand.New(rand.NewPCG(uint64(n), 42)),
		variants: variants, cart: map[string]int{},
	}
}

// counts of what the load saw.
type tally struct {
	requests, writes, acked, excused, unsure atomic.Int64
	errs                                     sync.Map // description -> *atomic.Int64
	stale                                    atomic.Int64
	staleSamples                             sync.Map
}

func (ty *tally) fail(what string) {
	v, _ := ty.errs.LoadOrStore(what, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

type load struct {
	ss      []*shopperSim
	tally   *tally
	writes  atomic.Bool
	quit    chan struct{}
	once    sync.Once
	wg      sync.WaitGroup
	started time.Time
}

// runLoad starts every shopper: writes (add, change quantity, remove)
// and reads (badge, drawer) round robin over the members that are up,
// with a short pause between requests so three servers, PostgreSQL and
// the load share two cores. It is bounded by stop.
func (c *cluster) runLoad(t testing.TB, ss []*shopperSim, writes bool) *load {
	l := &load{ss: ss, tally: &tally{}, quit: make(chan struct{}), started: time.Now()}
	l.writes.Store(writes)
	t.Cleanup(l.halt) // a test that stops early stops its load first
	for _, s := range ss {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			k := s.n
			for {
				select {
				case <-l.quit:
					return
				default:
				}
				k++
				m := c.pick(k)
				if m == nil {
					time.Sleep(10 * time.Millisecond)
					continue
				}
				if l.writes.Load() && s.rng.IntN(3) == 0 {
					s.write(l.tally, m)
				} else {
					s.read(l.tally, m)
				}
				// 50-150 ms between a shopper's requests: 24 shoppers
				// make about 200 requests a second, a load that leaves
				// the members' CPU to rebalance. At 5-15 ms the load
				// saturated the two cores (about 280 a second), the
				// connection pools between members filled with cache
				// calls, and the coordinator's own calls, which admit a
				// restarted member, waited behind them until the member
				// gave up (see islands/cache, maxBootstrapWait).
				time.Sleep(time.Duration(50+s.rng.IntN(100)) * time.Millisecond)
			}
		}()
	}
	return l
}

func (l *load) stopWrites() { l.writes.Store(false) }

// halt ends the load's shoppers and waits for them; once.
func (l *load) halt() {
	l.once.Do(func() { close(l.quit) })
	l.wg.Wait()
}

// stop ends the load and fails t on what it saw.
func (l *load) stop(t *testing.T) {
	t.Helper()
	l.halt()
	ty := l.tally
	t.Logf("load: %d requests in %s (%d writes, %d acknowledged; %d errors from members going down excused, %d writes of unknown outcome)",
		ty.requests.Load(), time.Since(l.started).Round(time.Millisecond), ty.writes.Load(), ty.acked.Load(), ty.excused.Load(), ty.unsure.Load())
	ty.errs.Range(func(k, v any) bool {
		t.Errorf("errors from living members: %d x %s", v.(*atomic.Int64).Load(), k)
		return true
	})
	if n := ty.stale.Load(); n > 0 {
		ty.staleSamples.Range(func(k, v any) bool {
			t.Errorf("stale read: %s", k)
			return true
		})
		t.Errorf("%d reads older than the reader's last acknowledged write", n)
	}
	if ty.acked.Load() == 0 {
		t.Error("no write was acknowledged: the load did nothing")
	}
}

func (s *shopperSim) key(p, v string) string { return p + "/" + v }

// do sends one island request to m as the load balancer would (with the
// shopper's address in X-Forwarded-For). A transport error from a member
// that is down now is excused (ok=false, err=nil); from a living member it
// is an error.
func (s *shopperSim) do(ty *tally, m *member, method, path string, form url.Values) (status int, body string, excused bool, err error) {
	ty.requests.Add(1)
	var rd io.Reader
	if form != nil {
		rd = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, m.url()+islands+path, rd)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("HX-Request", "true")
	req.Header.Set("X-Forwarded-For", s.ip)
	resp, err := s.client.Do(req)
	if err != nil {
		if !m.up.Load() {
			ty.excused.Add(1)
			return 0, "", true, nil
		}
		return 0, "", false, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		if !m.up.Load() {
			ty.excused.Add(1)
			return 0, "", true, nil
		}
		return 0, "", false, err
	}
	return resp.StatusCode, string(b), false, nil
}

func (s *shopperSim) write(ty *tally, m *member) {
	ty.writes.Add(1)
	if s.unsure {
		// A write whose outcome is unknown (its member went down under
		// it) may have removed the line this one would set (a set of a
		// removed line is rightly refused): choose from the cart as the
		// database holds it. It is read again once this write is
		// acknowledged, in case the lost write committed only now.
		s.cart = s.dbCart(s.t)
	}
	var (
		path string
		form url.Values
		k    string
		qty  int
		add  bool
	)
	keys := make([]string, 0, len(s.cart))
	for k := range s.cart {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) == 0 || s.rng.IntN(2) == 0 {
		v := s.variants[s.rng.IntN(len(s.variants))]
		k, qty, add = s.key(v[0], v[1]), 1+s.rng.IntN(2), true
		if s.cart[k]+qty > 99 {
			qty = 0
		}
		path, form = "cart/add", url.Values{"product": {v[0]}, "variant": {v[1]}, "quantity": {strconv.Itoa(max(qty, 1))}}
		if qty == 0 { // the line is full: set it back instead
			add, qty = false, 1
			path, form = "cart/set", url.Values{"product": {v[0]}, "variant": {v[1]}, "quantity": {"1"}}
		}
	} else {
		k = keys[s.rng.IntN(len(keys))]
		p, v, _ := strings.Cut(k, "/")
		qty = s.rng.IntN(4)
		path, form = "cart/set", url.Values{"product": {p}, "variant": {v}, "quantity": {strconv.Itoa(qty)}}
	}
	status, body, excused, err := s.do(ty, m, "POST", path, form)
	switch {
	case excused:
		ty.unsure.Add(1)
		s.unsure = true
		return
	case err != nil:
		ty.fail(fmt.Sprintf("member %d: %s: %v", m.i, path, err))
		s.unsure = true
		return
	case status >= 500 || status != 200:
		ty.fail(fmt.Sprintf("member %d: %s: status %d", m.i, path, status))
		s.unsure = true
		return
	}
	ok := strings.Contains(body, "Added ") || strings.Contains(body, "Cart updated.") || strings.Contains(body, "Removed from your cart.")
	if !ok {
		ty.fail(fmt.Sprintf("member %d: %s refused: %.200s", m.i, path, textOf(body)))
		s.unsure = true
		return
	}
	ty.acked.Add(1)
	if s.unsure {
		// Everything from here on was acknowledged.
		s.cart = s.dbCart(s.t)
		s.unsure = false
		return
	}
	if add {
		s.cart[k] += qty
	} else if qty == 0 {
		delete(s.cart, k)
	} else {
		s.cart[k] = qty
	}
}

var countRe = regexp.MustCompile(`data-testid="cart-count">(\d+)<`)

func (s *shopperSim) read(ty *tally, m *member) {
	drawer := s.rng.IntN(2) == 0
	path := "cart/badge"
	if drawer {
		path = "cart"
	}
	status, body, excused, err := s.do(ty, m, "GET", path, nil)
	switch {
	case excused:
		return
	case err != nil:
		ty.fail(fmt.Sprintf("member %d: %s: %v", m.i, path, err))
		return
	case status != 200:
		ty.fail(fmt.Sprintf("member %d: %s: status %d", m.i, path, status))
		return
	}
	if s.unsure {
		return
	}
	var got, want string
	if drawer {
		got, want = cartOf(body), cartString(s.cart)
	} else {
		mm := countRe.FindStringSubmatch(body)
		if mm == nil {
			ty.fail(fmt.Sprintf("member %d: badge without a count: %.200s", m.i, body))
			return
		}
		n := 0
		for _, q := range s.cart {
			n += q
		}
		got, want = mm[1], strconv.Itoa(n)
	}
	if got != want {
		ty.stale.Add(1)
		ty.staleSamples.LoadOrStore(fmt.Sprintf("shopper %d via member %d %s: shown %q, last acknowledged %q", s.n, m.i, path, got, want), true)
	}
}

// cartOf reads the drawer's lines as "product/variant x qty, ...".
func cartOf(body string) string {
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		return "unparsable"
	}
	lines := map[string]int{}
	doc.Find("[data-testid=cart-line]").Each(func(_ int, l *goquery.Selection) {
		p, _ := l.Find("form.qty input[name=product]").Attr("value")
		v, _ := l.Find("form.qty input[name=variant]").Attr("value")
		q, _ := l.Find("[data-testid=cart-line-quantity]").Attr("value")
		n, _ := strconv.Atoi(q)
		lines[p+"/"+v] = n
	})
	return cartString(lines)
}

func cartString(c map[string]int) string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s x%d, ", k, c[k])
	}
	return strings.TrimSuffix(b.String(), ", ")
}

func textOf(body string) string {
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		return body
	}
	return strings.Join(strings.Fields(doc.Text()), " ")
}

// id is the shopper's id, from its signed cookie.
func (s *shopperSim) id() string {
	u, _ := url.Parse(s.c.ms[0].url())
	for _, ck := range s.client.Jar.Cookies(u) {
		if ck.Name == session.CookieName {
			if parts := strings.Split(ck.Value, "."); len(parts) == 4 {
				return parts[1]
			}
		}
	}
	return ""
}

// dbCart is the shopper's cart as the database holds it.
func (s *shopperSim) dbCart(t *testing.T) map[string]int {
	out := map[string]int{}
	id := s.id()
	if id == "" {
		return out
	}
	rows, err := s.c.db.QueryContext(context.Background(),
		"SELECT product, variant, quantity FROM cart_lines WHERE store = $1 AND shopper = $2", storeHandle, id)
	if err != nil {
		t.Errorf("database: %v", err)
		return out
	}
	defer rows.Close()
	for rows.Next() {
		var p, v string
		var q int
		if err := rows.Scan(&p, &v, &q); err != nil {
			t.Errorf("database: %v", err)
		}
		out[p+"/"+v] = q
	}
	return out
}

// check settles every shopper whose last write had no answer (one more
// acknowledged write), then compares, for every shopper, what it was told
// with the database and with the drawer and badge of every living member.
func (c *cluster) check(t *testing.T, when string, ss []*shopperSim) {
	t.Helper()
	ty := &tally{}
	for _, s := range ss {
		for try := 0; s.unsure && try < 20; try++ {
			s.write(ty, c.pick(try))
		}
		if s.unsure {
			t.Errorf("%s: shopper %d: no write acknowledged in 20 tries", when, s.n)
		}
	}
	ty.errs.Range(func(k, v any) bool {
		t.Errorf("%s: settling: %d x %s", when, v.(*atomic.Int64).Load(), k)
		return true
	})
	lost := 0
	for _, s := range ss {
		if got, want := cartString(s.dbCart(t)), cartString(s.cart); got != want {
			lost++
			t.Errorf("%s: shopper %d: database holds %q, acknowledged %q", when, s.n, got, want)
		}
	}
	for i, m := range c.ms {
		if m.up.Load() {
			c.checkVia(t, when, ss, i)
		}
	}
	t.Logf("%s: %d shoppers, %d carts differ from what was acknowledged", when, len(ss), lost)
}

// checkVia reads every shopper's drawer through member i.
func (c *cluster) checkVia(t *testing.T, when string, ss []*shopperSim, i int) {
	t.Helper()
	m := c.ms[i]
	ty := &tally{}
	for _, s := range ss {
		status, body, _, err := s.do(ty, m, "GET", "cart", nil)
		if err != nil || status != 200 {
			t.Errorf("%s: member %d: drawer of shopper %d: %d %v", when, i, s.n, status, err)
			continue
		}
		if got, want := cartOf(body), cartString(s.dbCart(t)); got != want {
			t.Errorf("%s: member %d shows shopper %d %q; the database holds %q", when, i, s.n, got, want)
		}
	}
}

func get(u string) (string, error) {
	resp, err := http.Get(u)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}
