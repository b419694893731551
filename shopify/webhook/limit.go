package webhook

import (
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// SourceLimit bounds the posts the receiver takes from one source address,
// before it reads a body or computes a signature: a steady PerMinute with
// bursts of up to Burst at once (GCRA: a request is admitted when the
// source's theoretical arrival time is less than Burst intervals ahead).
// In any span t a source gets at most Burst + PerMinute×t/1m posts.
type SourceLimit struct {
	PerMinute int
	Burst     int
}

// DefaultSourceLimit lets one address deliver 6,000 posts a minute (100 a
// second) sustained, 300 of them at once. Shopify delivers from a pool of
// addresses, so even a bulk edit's thousands of webhooks a minute for one
// shop reach one address as a fraction of that; what is refused is
// retried by Shopify (a 429 is a failed delivery, retried with backoff)
// and repaired by the reconciliation in any case. An unsigned flood from
// one address gets 300 posts plus 100 a second through to the HMAC, not
// everything it sends.
var DefaultSourceLimit = SourceLimit{PerMinute: 6000, Burst: 300}

// maxSources bounds the sources tracked at once. Sources idle long
// enough to be back at a full burst are dropped first; past that, new
// sources share one budget (so a flood from countless addresses is held
// to one source's rate while the sources already known keep theirs).
const maxSources = 1 << 16

// overflowSource is the budget new sources share when maxSources are
// tracked.
const overflowSource = "overflow"

// sourceLimiter is a GCRA limiter per source, in this process: cheap (a
// map lookup under a mutex) and bounded (maxSources entries). Each member
// of a cluster limits its own deliveries; a load balancer spreading one
// source over m members gives it m times the limit.
type sourceLimiter struct {
	interval  time.Duration // one post's share of a minute
	tolerance time.Duration // how far ahead of now a source's arrival time may run
	now       func() time.Time

	mu    sync.Mutex
	tat   map[string]time.Time // each source's theoretical arrival time
	swept time.Time            // when tat was last swept for idle sources
}

func newSourceLimiter(l SourceLimit, now func() time.Time) *sourceLimiter {
	if l.PerMinute <= 0 {
		l.PerMinute = DefaultSourceLimit.PerMinute
	}
	if l.Burst <= 0 {
		l.Burst = DefaultSourceLimit.Burst
	}
	interval := time.Minute / time.Duration(l.PerMinute)
	return &sourceLimiter{
		interval: interval, tolerance: interval * time.Duration(l.Burst), now: now,
		tat: map[string]time.Time{},
	}
}

// allow admits one post from source, or says how long until one would be
// admitted.
func (l *sourceLimiter) allow(source string) (time.Duration, bool) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	tat, known := l.tat[source]
	if !known && len(l.tat) >= maxSources {
		l.sweep(now)
		if len(l.tat) >= maxSources {
			source = overflowSource
			tat, known = l.tat[source]
		}
	}
	if !known || tat.Before(now) {
		tat = now
	}
	next := tat.Add(l.interval)
	if ahead := next.Sub(now); ahead > l.tolerance {
		return ahead - l.tolerance, false
	}
	l.tat[source] = next
	return 0, true
}

// sweep drops the sources whose arrival time has passed (they are back at
// a full burst, as an unknown source is), at most once a second: a full
// map of busy sources is not walked on every request. l.mu is held.
func (l *sourceLimiter) sweep(now time.Time) {
	if now.Sub(l.swept) < time.Second {
		return
	}
	l.swept = now
	for k, tat := range l.tat {
		if !tat.After(now) {
			delete(l.tat, k)
		}
	}
}

// peerSource is the default Source: the connection's address, an IPv6
// address by its /64 (as the islands' rate limits count a client).
func peerSource(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if a = a.Unmap().WithZone(""); a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
