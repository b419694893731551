package islands

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wandstore/wandstore/islands/cache"
)

// frame is one SSE frame read from a stream: an event, or comments.
type frame struct {
	event, data, comment string
}

// sseStream is one open page's stream, read in the background.
type sseStream struct {
	resp   *http.Response
	frames chan frame
	ended  chan struct{} // closed when the server ended it (or it broke)
}

// stream opens the shopper's live stream on server base (an httptest URL)
// with the query, as a page's EventSource does; it fails the test unless
// the answer is a stream.
func (c *client) stream(base, query string) *sseStream {
	c.e.t.Helper()
	s, status, _ := c.tryStream(base, query)
	if status != http.StatusOK {
		c.e.t.Fatalf("stream %s: status %d", query, status)
	}
	return s
}

// tryStream opens a stream and returns its status (and the Retry-After
// of a refusal); s is nil unless it is 200.
func (c *client) tryStream(base, query string) (s *sseStream, status int, retryAfter string) {
	c.e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", base+c.e.base+"events?"+query, nil)
	if err != nil {
		c.e.t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.hc.Do(req)
	if err != nil {
		cancel()
		c.e.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel()
		return nil, resp.StatusCode, resp.Header.Get("Retry-After")
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		c.e.t.Fatalf("stream content type %q", ct)
	}
	s = &sseStream{resp: resp, frames: make(chan frame, 64), ended: make(chan struct{})}
	c.e.t.Cleanup(func() { cancel(); resp.Body.Close() })
	go func() {
		defer close(s.ended)
		sc := bufio.NewScanner(resp.Body)
		var f frame
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				s.frames <- f
				f = frame{}
			case strings.HasPrefix(line, ":"):
				f.comment += strings.TrimSpace(line[1:])
			case strings.HasPrefix(line, "event: "):
				f.event = line[len("event: "):]
			case strings.HasPrefix(line, "data: "):
				f.data = line[len("data: "):]
			}
		}
	}()
	return s, http.StatusOK, ""
}

// event waits for the next event (comments skipped).
func (s *sseStream) event(t *testing.T, within time.Duration) frame {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case f := <-s.frames:
			if f.event != "" {
				return f
			}
		case <-s.ended:
			t.Fatal("the stream ended before an event")
		case <-deadline:
			t.Fatalf("no event within %s", within)
		}
	}
}

// quiet checks no event arrives within d.
func (s *sseStream) quiet(t *testing.T, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case f := <-s.frames:
			if f.event != "" {
				t.Fatalf("unexpected event %q %q", f.event, f.data)
			}
		case <-deadline:
			return
		}
	}
}

// addToCart adds one of a product that can be added, and returns its
// handle.
func (c *client) addToCart() string {
	c.e.t.Helper()
	p, v := c.e.variant(untracked)
	a := c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1")
	if a.status != 200 {
		c.e.t.Fatalf("add to cart: %d %s", a.status, a.body)
	}
	return p.Handle
}

// Two tabs of one shopper: a write in one reaches both streams; another
// shopper's stream hears nothing of it; an order is announced too.
func TestLiveTwoTabs(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	c.post("views", "product", e.cat.Store.PublishedProducts()[0].Handle) // the shopper's cookie
	tab1, tab2 := c.stream(e.ts.URL, ""), c.stream(e.ts.URL, "")
	other := e.shopper()
	other.post("views", "product", e.cat.Store.PublishedProducts()[0].Handle) // a cookie, no cart write
	otherTab := other.stream(e.ts.URL, "")

	c.addToCart()
	for i, tab := range []*sseStream{tab1, tab2} {
		if f := tab.event(t, 5*time.Second); f.event != EventCart {
			t.Fatalf("tab %d: event %q, want %q", i+1, f.event, EventCart)
		}
	}
	otherTab.quiet(t, 300*time.Millisecond)

	// Changing a quantity is a cart write too; the page that wrote is
	// named (its own event is for it to skip), a bad name is not.
	p, v := e.variant(untracked)
	form := url.Values{"product": {p.Handle}, "variant": {v.ID}, "quantity": {"3"}}
	if a := c.do("POST", e.base+"cart/set", form, true, TabHeader, "k3x9a"); a.status != 200 {
		t.Fatalf("cart/set: %d", a.status)
	}
	if f := tab2.event(t, 5*time.Second); f.event != EventCart || f.data != "k3x9a" {
		t.Fatalf("after cart/set: %q %q, want cart k3x9a", f.event, f.data)
	}
	tab1.event(t, 5*time.Second)
	form.Set("quantity", "2")
	if a := c.do("POST", e.base+"cart/set", form, true, TabHeader, "<b>x</b>"); a.status != 200 {
		t.Fatalf("cart/set: %d", a.status)
	}
	if f := tab2.event(t, 5*time.Second); f.data != "1" {
		t.Fatalf("a bad page name passed: %q", f.data)
	}
	tab1.event(t, 5*time.Second)

	c.placeOrder(nil)
	if f := tab1.event(t, 5*time.Second); f.event != EventOrder {
		t.Fatalf("after the order: %q, want %q", f.event, EventOrder)
	}
	otherTab.quiet(t, 200*time.Millisecond)
}

// A product's change reaches the pages that show it, and only those; a
// page naming an unknown product is a page watching nothing.
func TestLiveProductChanged(t *testing.T) {
	e := newEnv(t)
	ps := e.cat.Store.PublishedProducts()
	a, b := ps[0].Handle, ps[1].Handle
	c := e.shopper()
	onA := c.stream(e.ts.URL, url.Values{"product": {a, "no-such-product"}}.Encode())
	onB := c.stream(e.ts.URL, "product="+b)
	e.srv.ProductsChanged(e.cat.Store.Handle, []string{a})
	if f := onA.event(t, 5*time.Second); f.event != EventProduct || f.data != a {
		t.Fatalf("event %q %q, want product %s", f.event, f.data, a)
	}
	onB.quiet(t, 300*time.Millisecond)
	e.srv.ProductsChanged("another-store", []string{b})
	onB.quiet(t, 300*time.Millisecond)

	many := url.Values{}
	for i, p := range ps {
		if i > DefaultStreamLimits.Products {
			break
		}
		many.Add("product", p.Handle)
	}
	if len(ps) > DefaultStreamLimits.Products {
		if _, status, _ := c.tryStream(e.ts.URL, many.Encode()); status != http.StatusBadRequest {
			t.Errorf("a stream of %d products: %d, want 400", len(many["product"]), status)
		}
	}
}

// A write on member A reaches the shopper's stream held by member B: two
// islands servers, one database, two embedded Olric members.
func TestLiveAcrossMembers(t *testing.T) {
	a, b := twoMembers(t)
	c := a.shopper()
	c.post("views", "product", a.cat.Store.PublishedProducts()[0].Handle) // the shopper's cookie
	onB := c.stream(b.ts.URL, "")
	onA := c.stream(a.ts.URL, "")
	// The subscriptions of both members are in place once their first
	// stream is open (open subscribes before it answers).
	c.addToCart() // through A
	if f := onB.event(t, 5*time.Second); f.event != EventCart {
		t.Fatalf("member B: %q", f.event)
	}
	if f := onA.event(t, 5*time.Second); f.event != EventCart {
		t.Fatalf("member A: %q", f.event)
	}
	// And one event each, not one per member: each member delivers what
	// it received once.
	onB.quiet(t, 300*time.Millisecond)
}

// twoMembers are two islands servers over one database whose caches are
// one Olric cluster; b shares a's session keys, so a shopper is the same
// on both. b's HTTP server is a's client's second base URL.
func twoMembers(t *testing.T) (a, b *env) {
	var gossip int
	c1 := openCache(t, func(cfg *cache.Config) {
		cfg.ExpectedMembers, cfg.ReplicaCount = 2, 1
		gossip = cfg.MemberlistPort
	})
	c2 := openCache(t, func(cfg *cache.Config) {
		cfg.Peers, cfg.ExpectedMembers, cfg.ReplicaCount = []string{fmt.Sprintf("127.0.0.1:%d", gossip)}, 2, 1
	})
	deadline := time.Now().Add(20 * time.Second)
	for c1.Members() < 2 || c2.Members() < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the members do not see each other: %d, %d", c1.Members(), c2.Members())
		}
		time.Sleep(20 * time.Millisecond)
	}
	a = newEnv(t, func(o *Options) { o.Cache = c1 })
	srv, err := New(Options{Store: a.db, Cache: c2, Catalogs: NewCatalogs(a.cat), SessionKeys: a.keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	b = &env{t: a.t, dir: a.dir, db: a.db, cache: c2, srv: srv, cat: a.cat, base: a.base, keys: a.keys}
	b.ts = newTestServer(t, srv)
	return a, b
}

// The bounds: streams per shopper and per client address are refused 429,
// past the member's cap 503, each with a Retry-After; a closed stream
// frees its place.
func TestLiveLimits(t *testing.T) {
	lim := StreamLimits{PerShopper: 2, PerIP: 4, PerMember: 5, Heartbeat: time.Second}
	e := newEnv(t, func(o *Options) { o.Streams = lim })
	c := e.shopper()
	c.addToCart()
	first := c.stream(e.ts.URL, "")
	c.stream(e.ts.URL, "")
	if _, status, retry := c.tryStream(e.ts.URL, ""); status != http.StatusTooManyRequests || retry == "" {
		t.Fatalf("a third tab: %d (Retry-After %q), want 429 with Retry-After", status, retry)
	}
	// Two more shoppers (new: no cookie) from the same address: the
	// address's fourth stream is allowed, its fifth is not.
	n1, n2 := e.shopper(), e.shopper()
	n1.stream(e.ts.URL, "")
	n2.stream(e.ts.URL, "")
	if _, status, _ := n1.tryStream(e.ts.URL, ""); status != http.StatusTooManyRequests {
		t.Fatalf("the address's fifth stream: %d, want 429", status)
	}
	if got := e.srv.Streams(); got != 4 {
		t.Fatalf("%d streams held, want 4", got)
	}
	// The member's cap, from another address (the proxy says so).
	e2 := newEnv(t, func(o *Options) {
		o.Streams = StreamLimits{PerShopper: 10, PerIP: 10, PerMember: 2, Heartbeat: time.Second}
	})
	s := e2.shopper()
	s.stream(e2.ts.URL, "")
	s.stream(e2.ts.URL, "")
	_, status, retry := s.tryStream(e2.ts.URL, "")
	if status != http.StatusServiceUnavailable || retry == "" {
		t.Fatalf("past the member's cap: %d (Retry-After %q), want 503 with Retry-After", status, retry)
	}
	// Closing a tab frees its place.
	first.resp.Body.Close()
	deadline := time.Now().Add(5 * time.Second)
	for e.srv.Streams() != 3 {
		if time.Now().After(deadline) {
			t.Fatalf("%d streams after one closed, want 3", e.srv.Streams())
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.stream(e.ts.URL, "")
}

// A HEAD of the stream answers its headers and ends, holding no place.
func TestLiveHead(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Streams.PerIP = 1 })
	c := e.shopper()
	for range 2 {
		a := c.do("HEAD", e.base+"events", nil, false)
		if a.status != http.StatusOK || a.header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("HEAD: %d %q", a.status, a.header.Get("Content-Type"))
		}
	}
	c.stream(e.ts.URL, "") // the address's one place is free
}

// An idle stream gets a comment line every Heartbeat.
func TestLiveHeartbeat(t *testing.T) {
	const beat = 50 * time.Millisecond
	e := newEnv(t, func(o *Options) { o.Streams.Heartbeat = beat })
	s := e.shopper().stream(e.ts.URL, "")
	start := time.Now()
	beats := 0
	deadline := time.After(5 * time.Second)
	for beats < 3 {
		select {
		case f := <-s.frames:
			if f.comment == "hb" {
				beats++
			}
		case <-deadline:
			t.Fatalf("%d heartbeats in 5 s, want 3 at %s", beats, beat)
		}
	}
	t.Logf("3 heartbeats in %s", time.Since(start).Round(time.Millisecond))
	// The stream, still open, was counted (and timed) when it opened.
	if got := e.metric(`wandstore_island_requests_total{code="200",route="events"}`); got != "1" {
		t.Errorf("events requests counted: %q, want 1", got)
	}
}

// Shutdown ends the streams (EndStreams, registered with the HTTP
// server) instead of waiting on them, and a closed server refuses new
// ones.
func TestLiveShutdownEndsStreams(t *testing.T) {
	e := newEnv(t)
	hs := &http.Server{Handler: e.srv.Handler(), ReadTimeout: 15 * time.Second, WriteTimeout: 30 * time.Second}
	hs.RegisterOnShutdown(e.srv.EndStreams)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	base := "http://" + ln.Addr().String()
	c := e.shopper()
	s1, s2 := c.stream(base, ""), c.stream(base, "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown with open streams: %v", err)
	}
	<-done
	for i, s := range []*sseStream{s1, s2} {
		select {
		case <-s.ended:
		case <-time.After(5 * time.Second):
			t.Fatalf("stream %d still open after shutdown", i+1)
		}
	}
	// A new server on the same islands server: streams are refused.
	ts := newTestServer(t, e.srv)
	if _, status, _ := c.tryStream(ts.URL, ""); status != http.StatusServiceUnavailable {
		t.Fatalf("a stream after shutdown: %d, want 503", status)
	}
}

// Without a cache, events reach this member's streams.
func TestLiveWithoutCache(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Cache = nil })
	c := e.shopper()
	c.post("views", "product", e.cat.Store.PublishedProducts()[0].Handle) // the shopper's cookie
	s := c.stream(e.ts.URL, "")
	c.addToCart()
	if f := s.event(t, 5*time.Second); f.event != EventCart {
		t.Fatalf("event %q", f.event)
	}
}

// gateBus is a cluster bus that does not answer until released: a slow
// cluster (a member joining, partitions moving), seen from one member.
type gateBus struct {
	release  chan struct{}
	mu       sync.Mutex
	inFlight int
	most     int
	sent     int
}

func (b *gateBus) Publish(ctx context.Context, _ string, _ []byte) (int64, error) {
	b.mu.Lock()
	b.inFlight++
	b.most = max(b.most, b.inFlight)
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		b.inFlight--
		b.sent++
		b.mu.Unlock()
	}()
	select {
	case <-b.release:
		return 1, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (b *gateBus) Subscribe(context.Context, string, func([]byte)) error { return nil }

// A slow bus holds one publish per member at a time, whatever the writes
// (a publish per write in flight at once filled the pools between
// members), and a full outbox drops events from the bus, counted, while
// this member's own streams still get them.
func TestLivePublishesAreBounded(t *testing.T) {
	bus := &gateBus{release: make(chan struct{})}
	h := newHub(StreamLimits{}, nil, time.Minute, t.Logf)
	h.bus = bus
	h.outbox = make(chan liveMessage, outboxSize)
	h.sender.Add(1)
	go h.send()
	h.subscribe() // a stream is open somewhere: events go to the bus
	st := &stream{shopper: "s|a", ip: "192.0.2.1", ch: make(chan liveEvent, 2000)}
	if r := h.open(st); r != admitted {
		t.Fatalf("open: %v", r)
	}

	const writes = 1000
	ev := liveMessage{Kind: EventCart, Store: "s", Shopper: "a"}
	h.publish(ev) // the sender takes it and waits on the bus
	deadline := time.Now().Add(5 * time.Second)
	for {
		bus.mu.Lock()
		in := bus.inFlight
		bus.mu.Unlock()
		if in == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first event never reached the bus")
		}
		time.Sleep(time.Millisecond)
	}
	for range writes - 1 {
		h.publish(ev)
	}
	// One taken by the sender, outboxSize waiting, the rest dropped.
	if got, want := h.dropped.Load(), int64(writes-outboxSize-1); got != want {
		t.Errorf("dropped %d, want %d", got, want)
	}
	if got := len(st.ch); got != writes-outboxSize-1 {
		t.Errorf("this member's stream got %d of the dropped events, want %d", got, writes-outboxSize-1)
	}
	close(bus.release)
	for {
		bus.mu.Lock()
		sent, most := bus.sent, bus.most
		bus.mu.Unlock()
		if sent == outboxSize+1 {
			if most != 1 {
				t.Errorf("%d publishes in flight at once, want 1", most)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d events published", sent, outboxSize+1)
		}
		time.Sleep(time.Millisecond)
	}
	h.close()
}
