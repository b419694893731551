// Package retry holds the waits everything that retries a call shares:
// exponential backoff with jitter, and the server's own Retry-After. The
// Shopify client, the CDN purger and the webhook queue use it.
package retry

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Exponential is the wait before attempt n (from 1): first, doubled for
// each attempt after the first, capped at limit, less a random part of up
// to jitter (0 to 1) of it, so that callers failing together do not retry
// in step.
func Exponential(n int, first, limit time.Duration, jitter float64) time.Duration {
	d := limit
	if n < 1 {
		n = 1
	}
	if shift := n - 1; shift < 32 && first<<shift > 0 {
		d = min(first<<shift, limit)
	}
	if j := time.Duration(float64(d) * min(max(jitter, 0), 1)); j > 0 {
		d -= time.Duration(rand.Int64N(int64(j) + 1))
	}
	return d
}

// After reads a Retry-After header: delay-seconds (a fraction allowed) or
// an HTTP date, as a wait from now. It is 0 when the header is absent,
// unreadable or in the past.
func After(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(h, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
