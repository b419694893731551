package islands

import (
	"context"
	"math"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/wandstore/wandstore/islands/shopper"
)

// Limits are requests allowed per window, per client and per shopper,
// and the webhook receiver's per-source limit (which the receiver applies,
// in this process: webhook.ReceiverOptions.Limit).
type Limits struct {
	PerIP      int
	PerShopper int
	Window     time.Duration
	// IPv6Prefix is how many leading bits of an IPv6 address are one
	// client; default DefaultIPv6Prefix (64). IPv4 addresses are one
	// client each.
	IPv6Prefix int
	// WebhookPerMinute and WebhookBurst bound the webhook posts of one
	// source (webhook.SourceLimit); zero takes the receiver's defaults.
	WebhookPerMinute int
	WebhookBurst     int
}

// DefaultLimits allow a busy shopper (four islands a page view, a few
// writes) about a page a second, and an office behind one address a lot
// more, per minute.
var DefaultLimits = Limits{PerIP: 1200, PerShopper: 300, Window: time.Minute, IPv6Prefix: DefaultIPv6Prefix}

// MaxWindow is the longest rate-limit window: the longest the cache counts
// in (islands/cache keeps a counter an hour).
const MaxWindow = time.Hour

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
	l.Window = min(max(l.Window, time.Second), MaxWindow)
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

// limiter counts requests cluster-wide through the cache (every islands
// member sees the same counts) and judges them on a sliding window: a
// key's count in the current fixed window plus its count in the previous
// one weighted by the part of that window still inside the last Window,
//
//	estimate = previous × (1 − elapsed/Window) + current
//
// (Cloudflare's "sliding window counter"). So a client that spends its
// allowance at the end of one window finds it spent at the start of the
// next, and gets it back at the rate it ages out: never 2× the limit in a
// moment at a boundary, as fixed windows allowed. Over any whole Window a
// client that knows the scheme can still place just under 2× (its count
// of the previous window is assumed spread evenly), but only spread over
// that Window, never as a burst.
//
// Only admitted requests are counted (a request refused on what this
// member knows is not sent), so a client over its limit gets the limit's
// rate, not nothing; the exception is a request whose exchange with the
// cluster shows it over: it was sent, and counts.
//
// The previous window's count is what this member knew of it: the
// cluster's count at its last exchange in that window plus its own
// increments since. A member that saw none of a key's requests in the
// previous window counts the key from the start of this one. (The cache
// counts in its own fixed windows and reads only the current one.)
//
// When the cache fails the limiter counts in this process, so a cache
// outage degrades the limit to per member instead of lifting it.
type limiter struct {
	limits  Limits
	cache   shopper.Cache
	metrics *metrics
	now     func() time.Time
	timeout time.Duration

	mu     sync.Mutex
	window int64               // the current window's number (Unix time / Window)
	keys   map[string]*counter // the current window's counters
	prev   map[string]*counter // the previous window's, as last known here
}

// counter is one key's state in one window.
type counter struct {
	cluster  int64     // the cluster's count at the last exchange (ours included)
	sent     int64     // our increments in the exchange under way
	pending  int64     // our increments not yet sent
	exchange time.Time // last exchange with the cluster
	sending  bool      // an exchange is under way
}

// count is the best estimate of the key's requests in its window,
// cluster-wide.
func (c *counter) count() int64 { return c.cluster + c.sent + c.pending }

func newLimiter(l Limits, c shopper.Cache, m *metrics, now func() time.Time, timeout time.Duration) *limiter {
	return &limiter{limits: l, cache: c, metrics: m, now: now, timeout: timeout, keys: map[string]*counter{}}
}

// allow counts a request from ip by shopper id and reports whether it is
// over a limit, and how long until it would not be. The client is ip's
// key (ClientKey: an IPv6 address by its prefix). A new shopper (no
// cookie yet) is counted by IP only: counting a fresh random id would
// limit nothing.
func (l *limiter) allow(ctx context.Context, ip netip.Addr, id shopper.ID, fresh bool) (time.Duration, bool) {
	wait, scope := l.check(ctx, ip, id, fresh)
	return wait, scope != ""
}

// check is allow that says which limit refused: "ip" or "shopper" ("" when
// admitted).
func (l *limiter) check(ctx context.Context, ip netip.Addr, id shopper.ID, fresh bool) (wait time.Duration, scope string) {
	now := l.now()
	if wait, over := l.count(ctx, "ip|"+ClientKey(ip, l.limits.IPv6Prefix), l.limits.PerIP, now); over {
		l.metrics.limited.WithLabelValues("ip").Inc()
		return wait, "ip"
	}
	if !fresh {
		if wait, over := l.count(ctx, "shopper|"+string(id), l.limits.PerShopper, now); over {
			l.metrics.limited.WithLabelValues("shopper").Inc()
			return wait, "shopper"
		}
	}
	return 0, ""
}

// count judges one more request of key against limit and, when it is
// admitted, counts it; when it is refused it says how long until one
// would be admitted.
func (l *limiter) count(ctx context.Context, key string, limit int, now time.Time) (time.Duration, bool) {
	win := int64(l.limits.Window)
	w := now.UnixNano() / win
	// elapsed is the part of the current window gone, in [0, 1).
	elapsed := float64(now.UnixNano()-w*win) / float64(win)
	l.mu.Lock()
	if w < l.window {
		// Read the clock before a request that turned the window took the
		// lock: counted in the new window, at its start.
		w, elapsed = l.window, 0
	}
	if w != l.window {
		if w == l.window+1 {
			l.prev = l.keys
		} else {
			l.prev = nil
		}
		l.window, l.keys = w, map[string]*counter{} // older windows are forgotten
	}
	c := l.keys[key]
	if c == nil {
		c = &counter{}
		l.keys[key] = c
	}
	if over, wait := l.judge(key, c, limit, elapsed); over {
		l.mu.Unlock()
		return wait, true
	}
	c.pending++
	flush := l.cache != nil && !c.sending && (c.exchange.IsZero() || c.pending >= flushEvery || now.Sub(c.exchange) >= flushAfter)
	if !flush {
		l.mu.Unlock()
		return 0, false
	}
	delta := c.pending
	c.pending, c.sent, c.sending = 0, delta, true
	l.mu.Unlock()

	cctx, cancel := context.WithTimeout(ctx, l.timeout)
	// The window is the limiter's (its clock decided it): it is part of the
	// counter's name, so members agree on windows as far as clocks agree.
	n, err := l.cache.Add(cctx, key+"|w"+strconv.FormatInt(w, 10), delta, l.limits.Window)
	cancel()

	l.mu.Lock()
	defer l.mu.Unlock()
	// c may belong to the previous window by now: it is still what this
	// member knows of that window, so it is updated all the same.
	c.sending, c.sent, c.exchange = false, 0, now
	if err != nil {
		// Counted here only: the limit holds per member until the
		// cache answers again.
		l.metrics.cacheErrors.WithLabelValues("ratelimit").Inc()
		c.cluster += delta
	} else if n > c.cluster {
		c.cluster = n
	}
	if l.window != w {
		return 0, false
	}
	// The cluster may know of requests this member did not: judged
	// again, this request included (it was sent and counts).
	c.pending--
	over, wait := l.judge(key, c, limit, elapsed)
	c.pending++
	return wait, over
}

// judge reports whether one more request of key, whose current counter is
// c, would be over limit at elapsed (the part of the window gone), and if
// so how long until it would not be, were no more requests counted.
// l.mu is held.
func (l *limiter) judge(key string, c *counter, limit int, elapsed float64) (bool, time.Duration) {
	var prev int64
	if p := l.prev[key]; p != nil {
		prev = p.count()
	}
	cur := c.count()
	if float64(prev)*(1-elapsed)+float64(cur+1) <= float64(limit)+1e-9 { // the tolerance: rounding
		return false, 0
	}
	return true, retryAfter(prev, cur, limit, elapsed, l.limits.Window)
}

// retryAfter is how long from elapsed (the part of the current window
// gone) until prev × (1 − elapsed′) + cur + 1 <= limit, with prev the
// previous window's count and cur the current one's, if nothing more is
// counted; at least a millisecond.
func retryAfter(prev, cur int64, limit int, elapsed float64, window time.Duration) time.Duration {
	room := float64(limit) - float64(cur+1) // what prev's weighted share may be
	var wait float64                        // in windows
	switch {
	case room >= 0 && prev > 0:
		// Within this window, as prev ages out.
		wait = 1 - elapsed - room/float64(prev)
	default:
		// Not before the next window, where cur is the previous count:
		// cur × (1 − e) + 1 <= limit.
		wait = 1 - elapsed
		if cur > 0 {
			wait += max(0, 1-float64(limit-1)/float64(cur))
		}
	}
	return max(time.Duration(math.Ceil(wait*float64(window))), time.Millisecond)
}
