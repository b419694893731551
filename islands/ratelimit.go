package islands

import (
	"context"
	"net/netip"
	"sync"
	"time"

	"github.com/wandstore/wandstore/islands/shopper"
)

// Limits are requests allowed per window, per client IP and per shopper.
type Limits struct {
	PerIP      int
	PerShopper int
	Window     time.Duration
}

// DefaultLimits allow a busy shopper (four islands a page view, a few
// writes) about a page a second, and an office behind one address a lot
// more, per minute.
var DefaultLimits = Limits{PerIP: 1200, PerShopper: 300, Window: time.Minute}

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
	return l
}

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
	local  map[string]int64
}

func newLimiter(l Limits, c shopper.Cache, m *metrics, now func() time.Time, timeout time.Duration) *limiter {
	return &limiter{limits: l, cache: c, metrics: m, now: now, timeout: timeout, local: map[string]int64{}}
}

// allow counts a request from ip by shopper id and reports whether it is
// over a limit, and how long until the window turns. A brand-new shopper
// (no cookie yet) is counted by IP only: counting a fresh random id would
// limit nothing.
func (l *limiter) allow(ctx context.Context, ip netip.Addr, id shopper.ID, fresh bool) (time.Duration, bool) {
	now := l.now()
	wait := l.limits.Window - time.Duration(now.UnixNano()%int64(l.limits.Window))
	if n := l.count(ctx, "ip|"+ip.String(), now); n > int64(l.limits.PerIP) {
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

func (l *limiter) count(ctx context.Context, key string, now time.Time) int64 {
	if l.cache != nil {
		cctx, cancel := context.WithTimeout(ctx, l.timeout)
		n, err := l.cache.Count(cctx, key, l.limits.Window)
		cancel()
		if err == nil {
			return n
		}
		l.metrics.cacheErrors.WithLabelValues("ratelimit").Inc()
	}
	return l.countLocal(key, now)
}

func (l *limiter) countLocal(key string, now time.Time) int64 {
	w := now.UnixNano() / int64(l.limits.Window)
	l.mu.Lock()
	defer l.mu.Unlock()
	if w != l.window {
		l.window, l.local = w, map[string]int64{} // a new window forgets the old counts
	}
	l.local[key]++
	return l.local[key]
}
