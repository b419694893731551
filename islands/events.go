// Live updates: one Server-Sent Events stream per open page
// (components.RouteEvents), telling the page when to refresh its islands:
//
//	event: cart     this shopper's cart changed (another tab, device or member); data: the writing page's TabHeader, or 1
//	event: order    an order was confirmed for this shopper; data: as cart
//	event: product  a product the page shows changed (stock, price); data: its handle
//
// An event carries no state, only "look again": the page asks its islands
// as it always does, so a lost, late or doubled event costs a request at
// most, and a page whose stream never connects (a proxy that buffers or
// blocks it) works as before.
//
// Writes publish on the cache's pub/sub (Olric), one channel for the
// cluster; each member subscribes once and fans a message out to its own
// streams, so a write on member A reaches a page streaming from member B.
// Without a cache (or while its subscription is down) events reach only
// this member's streams.

package islands

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wandstore/wandstore/components"
	"github.com/wandstore/wandstore/islands/shopper"
)

// The events a stream carries.
const (
	EventCart    = "cart"
	EventOrder   = "order"
	EventProduct = "product"
)

// EventsChannel is the cache pub/sub channel of the live events.
const EventsChannel = "wandstore.islands.events"

// StreamLimits bound the live streams; zero fields take
// DefaultStreamLimits'.
type StreamLimits struct {
	// PerShopper and PerIP are the streams one shopper (their open tabs)
	// and one client address may hold on a member; beyond them a stream is
	// refused 429.
	PerShopper, PerIP int
	// PerMember is the most streams this member holds; beyond it a stream
	// is refused 503 with Retry-After (another member, or later).
	PerMember int
	// Heartbeat is how often an idle stream gets a comment line, so
	// proxies and the browser see it alive.
	Heartbeat time.Duration
	// Products is the most products one stream watches.
	Products int
}

// DefaultStreamLimits: a shopper with a dozen tabs, an office behind one
// address, and a member's share of memory (see docs/LIVE.md: a stream costs
// tens of KiB, so 20 000 are well under 1 GiB).
var DefaultStreamLimits = StreamLimits{PerShopper: 12, PerIP: 100, PerMember: 20000, Heartbeat: 20 * time.Second, Products: 24}

func (l StreamLimits) withDefaults() StreamLimits {
	d := DefaultStreamLimits
	if l.PerShopper <= 0 {
		l.PerShopper = d.PerShopper
	}
	if l.PerIP <= 0 {
		l.PerIP = d.PerIP
	}
	if l.PerMember <= 0 {
		l.PerMember = d.PerMember
	}
	if l.Heartbeat <= 0 {
		l.Heartbeat = d.Heartbeat
	}
	if l.Products <= 0 {
		l.Products = d.Products
	}
	return l
}

// Bus is a cluster pub/sub: islands/cache.Cache is one.
type Bus interface {
	Publish(ctx context.Context, channel string, message []byte) (int64, error)
	Subscribe(ctx context.Context, channel string, fn func([]byte)) error
}

// liveMessage is an event on EventsChannel.
type liveMessage struct {
	Kind     string   `json:"k"`
	Store    string   `json:"s"`
	Shopper  string   `json:"u,omitempty"`
	Products []string `json:"p,omitempty"`
	// Tab is the page that wrote (TabHeader), so it can tell its own
	// writes' events from others'.
	Tab string `json:"t,omitempty"`
}

// TabHeader names the page a write comes from (static/islands.js sends a
// random id per page with its writes); the write's event carries it as
// its data, and that page skips it: its write's answer updated it.
const TabHeader = "Wandstore-Tab"

// tabOf is the request's valid TabHeader, or "".
func tabOf(r *http.Request) string {
	t := r.Header.Get(TabHeader)
	if len(t) == 0 || len(t) > 16 {
		return ""
	}
	for _, c := range t {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return ""
		}
	}
	return t
}

// hub holds this member's streams and its subscription.
type hub struct {
	limits  StreamLimits
	bus     Bus // nil: this member only
	timeout time.Duration
	errLog  func(msg string, args ...any)

	mu         sync.Mutex
	closed     bool
	done       chan struct{} // closed by close: every stream ends
	total      int
	shoppers   map[string]map[*stream]struct{} // store|shopper
	products   map[string]map[*stream]struct{} // store|product
	ips        map[string]int
	subscribed bool // the bus subscription is in place
	subCancel  context.CancelFunc
	outbox     chan liveMessage // to the bus: see publish
	sender     sync.WaitGroup   // the goroutine emptying outbox
	dropped    atomic.Int64     // events the full outbox kept off the bus
	// quietUntil: a publish found no member listening (no stream open in
	// the cluster); until then, publishes stay on this member, so a
	// cluster with no open page carries no event traffic on every write.
	quietUntil time.Time
}

// quietFor is how long a publish that no member heard keeps the next
// ones local: a page that opens its stream meanwhile on another member
// misses the events of at most that long.
const quietFor = 2 * time.Second

// stream is one open page's stream.
type stream struct {
	shopper  string   // store|shopper; "" when the shopper is new (no cookie)
	products []string // store|product
	ip       string
	ch       chan liveEvent
}

type liveEvent struct{ name, data string }

func newHub(limits StreamLimits, cache shopper.Cache, timeout time.Duration, errLog func(string, ...any)) *hub {
	h := &hub{
		limits: limits.withDefaults(), timeout: timeout, errLog: errLog, done: make(chan struct{}),
		shoppers: map[string]map[*stream]struct{}{}, products: map[string]map[*stream]struct{}{}, ips: map[string]int{},
	}
	if bc, ok := cache.(boundedCache); ok {
		cache = bc.c // New bounds the cache's calls; pub/sub is ours to bound
	}
	if b, ok := cache.(Bus); ok {
		h.bus = b
		h.outbox = make(chan liveMessage, outboxSize)
		h.sender.Add(1)
		go h.send()
	}
	return h
}

func shopperKey(store string, id shopper.ID) string { return store + "|" + string(id) }
func productKey(store, handle string) string        { return store + "|" + handle }

// Refusals of open.
type refusal int

const (
	admitted refusal = iota
	tooManyShopper
	tooManyIP
	memberFull
	shuttingDown
)

// open registers a stream, or says why not.
func (h *hub) open(st *stream) refusal {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.closed:
		return shuttingDown
	case h.total >= h.limits.PerMember:
		return memberFull
	case h.ips[st.ip] >= h.limits.PerIP:
		return tooManyIP
	case st.shopper != "" && len(h.shoppers[st.shopper]) >= h.limits.PerShopper:
		return tooManyShopper
	}
	h.total++
	h.ips[st.ip]++
	if st.shopper != "" {
		add(h.shoppers, st.shopper, st)
	}
	for _, p := range st.products {
		add(h.products, p, st)
	}
	return admitted
}

func add(m map[string]map[*stream]struct{}, k string, st *stream) {
	set := m[k]
	if set == nil {
		set = map[*stream]struct{}{}
		m[k] = set
	}
	set[st] = struct{}{}
}

func remove(m map[string]map[*stream]struct{}, k string, st *stream) {
	if set := m[k]; set != nil {
		delete(set, st)
		if len(set) == 0 {
			delete(m, k)
		}
	}
}

// leave unregisters a stream.
func (h *hub) leave(st *stream) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.total--
	if h.ips[st.ip]--; h.ips[st.ip] <= 0 {
		delete(h.ips, st.ip)
	}
	if st.shopper != "" {
		remove(h.shoppers, st.shopper, st)
	}
	for _, p := range st.products {
		remove(h.products, p, st)
	}
}

// count is how many streams this member holds.
func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.total
}

// subscribe puts the bus subscription in place if it is not (one per
// member, for all its streams); a failure leaves events local until the
// next stream tries again.
func (h *hub) subscribe() {
	h.mu.Lock()
	if h.bus == nil || h.subscribed || h.closed {
		h.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.subscribed, h.subCancel = true, cancel
	h.mu.Unlock()
	sctx, scancel := context.WithTimeout(ctx, 4*h.timeout)
	defer scancel()
	if err := h.bus.Subscribe(subscribeCtx{sctx, ctx}, EventsChannel, h.receive); err != nil {
		cancel()
		h.mu.Lock()
		h.subscribed, h.subCancel = false, nil
		h.mu.Unlock()
		h.errLog("islands: live events: subscribe failed; events reach this member's streams only", "err", err)
	}
}

// subscribeCtx bounds the subscribing (its deadline) but lives as long as
// the subscription (Done and Err are the subscription's).
type subscribeCtx struct {
	bound context.Context
	life  context.Context
}

func (c subscribeCtx) Deadline() (time.Time, bool) { return c.bound.Deadline() }
func (c subscribeCtx) Done() <-chan struct{}       { return c.life.Done() }
func (c subscribeCtx) Err() error                  { return c.life.Err() }
func (c subscribeCtx) Value(k any) any             { return c.life.Value(k) }

// receive is the subscription's callback.
func (h *hub) receive(data []byte) {
	var m liveMessage
	if err := json.Unmarshal(data, &m); err != nil {
		h.errLog("islands: live events: a message that does not decode", "err", err)
		return
	}
	h.deliver(m)
}

// deliver hands m to this member's streams it concerns. A stream whose
// queue is full misses it: the events queued already make it look again.
func (h *hub) deliver(m liveMessage) {
	h.mu.Lock()
	defer h.mu.Unlock()
	send := func(set map[*stream]struct{}, ev liveEvent) {
		for st := range set {
			select {
			case st.ch <- ev:
			default:
			}
		}
	}
	switch m.Kind {
	case EventCart, EventOrder:
		data := m.Tab
		if data == "" {
			data = "1"
		}
		send(h.shoppers[m.Store+"|"+m.Shopper], liveEvent{m.Kind, data})
	case EventProduct:
		for _, p := range m.Products {
			send(h.products[productKey(m.Store, p)], liveEvent{EventProduct, p})
		}
	}
}

// publish sends m to every member's streams. The write that caused it
// does not wait on the cluster: m goes into a bounded outbox that one
// sender per member empties, one publish at a time. Unbounded, a publish
// per write in flight at once filled the connection pools between
// members when the cluster slowed (a member joining, partitions moving),
// and the coordinator's own calls then waited behind them: a joining
// member was never handed its routing table. A full outbox drops m from
// the bus (this member's streams still get it) and counts it.
func (h *hub) publish(m liveMessage) {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	local := h.bus == nil || !h.subscribed
	quiet := h.bus != nil && !h.subscribed && time.Now().Before(h.quietUntil)
	h.mu.Unlock()
	if local {
		h.deliver(m)
	}
	if h.bus == nil || quiet {
		return
	}
	select {
	case h.outbox <- m:
	default:
		h.dropped.Add(1)
		if !local {
			h.deliver(m)
		}
	}
}

// outboxSize bounds the events waiting for the bus on one member.
const outboxSize = 256

// send empties the outbox until close, one publish at a time.
func (h *hub) send() {
	defer h.sender.Done()
	for {
		select {
		case <-h.done:
			return
		case m := <-h.outbox:
			h.sendOne(m)
		}
	}
}

func (h *hub) sendOne(m liveMessage) {
	h.mu.Lock()
	local := !h.subscribed
	quiet := !h.subscribed && time.Now().Before(h.quietUntil)
	h.mu.Unlock()
	if quiet {
		return // delivered locally when published
	}
	data, err := json.Marshal(m)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*h.timeout)
	defer cancel()
	n, err := h.bus.Publish(ctx, EventsChannel, data)
	if err == nil && n == 0 {
		h.mu.Lock()
		h.quietUntil = time.Now().Add(quietFor)
		h.mu.Unlock()
	}
	if err != nil {
		h.errLog("islands: live events: publish failed", "kind", m.Kind, "err", err)
		if !local {
			h.deliver(m) // this member's streams at least
		}
	}
}

// close ends every stream and the subscription, and waits for the
// publish under way; events still in the outbox are not sent. Streams opened after it are refused 503.
func (h *hub) close() {
	h.mu.Lock()
	if !h.closed {
		h.closed = true
		close(h.done)
		if h.subCancel != nil {
			h.subCancel()
		}
	}
	h.mu.Unlock()
	h.sender.Wait()
}

// CartChanged tells the shopper's open pages (every member's) that their
// cart in store changed.
func (s *Server) CartChanged(store string, id shopper.ID) {
	s.live.publish(liveMessage{Kind: EventCart, Store: store, Shopper: string(id)})
}

// OrderConfirmed tells the shopper's open pages that an order was
// confirmed (and their cart emptied).
func (s *Server) OrderConfirmed(store string, id shopper.ID) {
	s.live.publish(liveMessage{Kind: EventOrder, Store: store, Shopper: string(id)})
}

// ProductsChanged tells the open pages showing any of the products
// (handles of store) that they changed: stock, price, availability.
func (s *Server) ProductsChanged(store string, handles []string) {
	if len(handles) > 0 {
		s.live.publish(liveMessage{Kind: EventProduct, Store: store, Products: handles})
	}
}

// Write sites call these, one line each.
func (s *Server) cartChanged(q *request) {
	s.live.publish(liveMessage{Kind: EventCart, Store: q.cat.Store.Handle, Shopper: string(q.id), Tab: tabOf(q.r)})
}

func (s *Server) orderConfirmed(q *request) {
	s.live.publish(liveMessage{Kind: EventOrder, Store: q.cat.Store.Handle, Shopper: string(q.id), Tab: tabOf(q.r)})
}

// EndStreams ends every open stream and refuses new ones: call it when
// the server shuts down (http.Server.RegisterOnShutdown), as Shutdown
// waits for streams that would otherwise never end. Close calls it too.
func (s *Server) EndStreams() { s.live.close() }

// Streams is how many live streams this member holds.
func (s *Server) Streams() int { return s.live.count() }

// events answers components.RouteEvents: the page's stream. ?product=
// (repeated) names the products the page shows.
func (s *Server) events(q *request) {
	opened := s.now()
	h := s.live
	st := &stream{ip: ClientKey(s.clientIP(q.r), s.limiter.limits.IPv6Prefix), ch: make(chan liveEvent, 8)}
	if !q.fresh {
		st.shopper = shopperKey(q.cat.Store.Handle, q.id)
	}
	for _, p := range q.r.URL.Query()["product"] {
		if p = s.productParam(q, p); p != "" && !slices.Contains(st.products, productKey(q.cat.Store.Handle, p)) {
			if len(st.products) == h.limits.Products {
				http.Error(q.w, q.cat.Site.T("live.too_many_products"), http.StatusBadRequest)
				return
			}
			st.products = append(st.products, productKey(q.cat.Store.Handle, p))
		}
	}
	switch h.open(st) {
	case tooManyShopper, tooManyIP:
		s.metrics.limited.WithLabelValues("streams").Inc()
		q.w.Header().Set("Retry-After", fmt.Sprint(int(h.limits.Heartbeat.Seconds())))
		http.Error(q.w, q.cat.Site.T("live.too_many_streams"), http.StatusTooManyRequests)
		return
	case memberFull, shuttingDown:
		q.w.Header().Set("Retry-After", fmt.Sprint(int(h.limits.Heartbeat.Seconds())))
		http.Error(q.w, q.cat.Site.T("live.busy"), http.StatusServiceUnavailable)
		return
	}
	defer h.leave(st)
	hd := q.w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("X-Accel-Buffering", "no") // nginx: do not buffer
	if q.r.Method == http.MethodHead {
		return // the headers say what a GET would stream
	}
	h.subscribe()

	rc := http.NewResponseController(q.w)
	_ = rc.SetReadDeadline(time.Time{}) // a stream outlives the server's read timeout
	write := func(text string) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(h.limits.Heartbeat + 10*time.Second))
		if _, err := q.w.Write([]byte(text)); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	// The first line goes at once, so the page (and any proxy) sees the
	// stream open; retry is how long EventSource waits to reconnect.
	if !write(fmt.Sprintf("retry: %d\n: live\n\n", (5 * time.Second).Milliseconds())) {
		return
	}
	// The request's latency is the time to open the stream (serveIsland
	// does not time an open stream).
	d := s.now().Sub(opened)
	s.metrics.observe(components.RouteEvents, http.StatusOK, d)
	s.ops.Request(q.cat.Store.Handle, components.RouteEvents, http.StatusOK, d)
	beat := time.NewTicker(h.limits.Heartbeat)
	defer beat.Stop()
	ctx := q.r.Context()
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.done:
			return
		case ev := <-st.ch:
			if !write("event: " + ev.name + "\ndata: " + strings.NewReplacer("\n", "", "\r", "").Replace(ev.data) + "\n\n") {
				return
			}
		case <-beat.C:
			if !write(": hb\n\n") {
				return
			}
		}
	}
}
