package islands

import (
	"context"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/wandstore/wandstore/islands/shopper"
)

// Limits are requests allowed per window, per client and per shopper.
type Limits struct {
	PerIP      int
	PerShopper int
	Window     time.Duration
	// IPv6Prefix is how many leading bits of an IPv6 address are one
	// client; default DefaultIPv6Prefix (64). IPv4 addresses are one
	// client each.
	IPv6Prefix int
}

// DefaultLimits allow a busy shopper (four islands a page view, a few
// writes) about a page a second, and an office behind one address a lot
// more, per minute.
var DefaultLimits = Limits{PerIP: 1200, PerShopper: 300, Window: time.Minute, IPv6Prefix: DefaultIPv6Prefix}

func (l Limits) withDefaults() Limits {
	if l.PerIP <= 0 {
		l.PerIP = DefaultLimits.PerIP
	}
	if l.PerShopper <= 0 {
		l.PerShopper = DefaultLimits.PerShopper
	}
	if l.Window <= 0 {
		l.Window = DefaultLimits.Window
	}
	if l.IPv6Prefix < 1 || l.IPv6Prefix > 128 {
		l.IPv6Prefix = DefaultLimits.IPv6Prefix
	}
	return l
}

// Batching of increments sent to the cluster: a key's local increments go
// to the cache when flushEvery have gathered or flushAfter has passed
// since its last exchange, whichever comes first (and on a key's first
// request). Between exchanges a key is judged on the cluster's count at
// the last exchange plus this member's increments since: every member sees
// the others' requests at most flushAfter (or flushEvery requests) late,
// so a client spread over m members can exceed a limit by at most about
// m*flushEvery requests a window. That is the price of not paying two
// cluster round trips on every request (they were 43% of a cached
// fragment's cost).
const (
	flushEvery = 8
	flushAfter = 100 * time.Millisecond
)

// limiter counts requests in fixed windows, cluster-wide through the cache
// (every islands member sees the same counts); when the cache fails it
// counts in this process, so a cache outage degrades the limit to per
// member instead of lifting it.
type limiter struct {
	limits  Limits
	cache   shopper.Cache
	metrics *metrics
	now     func() time.Time
	timeout time.Duration

	mu     sync.Mutex
	window int64
	keys   map[string]*counter
}

// counter is one key's state in the current window.
type counter struct {
	cluster  int64     // the cluster's count at the last exchange (ours included)
	pending  int64     // our increments not yet sent
	exchange time.Time // last exchange with the cluster
	sending  bool      // an exchange is under way
}

func newLimiter(l Limits, c shopper.Cache, m *metrics, now func() time.Time, timeout time.Duration) *limiter {
	return &limiter{limits: l, cache: c, metrics: m, now: now, timeout: timeout, keys: map[string]*counter{}}
}

// allow counts a request from ip by shopper id and reports whether it is
// over a limit, and how long until the window turns. The client is ip's
// key (ClientKey: an IPv6 address by its prefix). A new shopper (no
// cookie yet) is counted by IP only: counting a fresh random id would
// limit nothing.
func (l *limiter) allow(ctx context.Context, ip netip.Addr, id shopper.ID, fresh bool) (time.Duration, bool) {
	now := l.now()
	wait := l.limits.Window - time.Duration(now.UnixNano()%int64(l.limits.Window))
	if n := l.count(ctx, "ip|"+ClientKey(ip, l.limits.IPv6Prefix), now); n > int64(l.limits.PerIP) {
		l.metrics.limited.WithLabelValues("ip").Inc()
		return wait, true
	}
	if !fresh {
		if n := l.count(ctx, "shopper|"+string(id), now); n > int64(l.limits.PerShopper) {
			l.metrics.limited.WithLabelValues("shopper").Inc()
			return wait, true
		}
	}
	return 0, false
}

// count adds this request to key and returns the best estimate of the
// key's count in the window, cluster-wide.
func (l *limiter) count(ctx context.Context, key string, now time.Time) int64 {
	w := now.UnixNano() / int64(l.limits.Window)
	l.mu.Lock()
	if w != l.window {
		l.window, l.keys = w, map[string]*counter{} // a new window forgets the old counts
	}
	c := l.keys[key]
	if c == nil {
		c = &counter{}
		l.keys[key] = c
	}
	c.pending++
	estimate := c.cluster + c.pending
	flush := l.cache != nil && !c.sending && (c.exchange.IsZero() || c.pending >= flushEvery || now.Sub(c.exchange) >= flushAfter)
	var delta int64
	if flush {
		delta, c.pending, c.sending = c.pending, 0, true
	}
	l.mu.Unlock()
	if !flush {
		return estimate
	}

	cctx, cancel := context.WithTimeout(ctx, l.timeout)
	// The window is the limiter's (its clock decided it): it is part of the
	// counter's name, so members agree on windows as far as clocks agree.
	n, err := l.cache.Add(cctx, key+"|w"+strconv.FormatInt(w, 10), delta, l.limits.Window)
	cancel()

	l.mu.Lock()
	defer l.mu.Unlock()
	if l.window != w { // the window turned meanwhile: c is gone with it
		return estimate
	}
	c.sending, c.exchange = false, now
	if err != nil {
		// Counted here only: the limit holds per member until the
		// cache answers again.
		l.metrics.cacheErrors.WithLabelValues("ratelimit").Inc()
		c.cluster += delta
	} else if n > c.cluster {
		c.cluster = n
	}
	return c.cluster + c.pending
}
