package islands

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestClientKey(t *testing.T) {
	for _, c := range []struct {
		addr string
		bits int
		want string
	}{
		{"203.0.113.7", 0, "203.0.113.7"},
		{"203.0.113.7", 48, "203.0.113.7"}, // IPv4: the address, whatever the IPv6 prefix
		{"::ffff:203.0.113.7", 0, "203.0.113.7"},
		{"2001:db8:1:2:3:4:5:6", 0, "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff:ffff:ffff:ffff", 64, "2001:db8:1:2::/64"},
		{"2001:db8:1:2:3:4:5:6", 56, "2001:db8:1::/56"},
		{"2001:db8:1:2:3:4:5:6", 128, "2001:db8:1:2:3:4:5:6/128"},
		{"2001:db8:1:2:3:4:5:6", 200, "2001:db8:1:2::/64"},
		{"fe80::1%eth0", 0, "fe80::/64"},
	} {
		if got := ClientKey(netip.MustParseAddr(c.addr), c.bits); got != c.want {
			t.Errorf("ClientKey(%s, %d) = %s, want %s", c.addr, c.bits, got, c.want)
		}
	}
	if got := ClientKey(netip.Addr{}, 64); got != "invalid" {
		t.Errorf("no address: %s", got)
	}
}

// The red team's finding 3: through a trusted proxy, 12,000 requests from
// one IPv6 /64 (a different address each) were all admitted against a
// limit of 1,200 per client. A /64 is one client: at most the limit gets
// through, and another /64 and another IPv4 address are not affected.
func TestRateLimitCountsAnIPv6ClientByItsPrefix(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
		o.Limits = Limits{PerIP: 1200, PerShopper: 1 << 30, Window: time.Minute}
	})
	h := e.srv.Handler()
	get := func(client string) int {
		r := httptest.NewRequest(http.MethodGet, e.base+"cart/badge", nil)
		r.RemoteAddr = "10.0.0.1:40000" // the load balancer
		r.Header.Set("X-Forwarded-For", client)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	const sent = 12000
	admitted := 0
	for i := range sent {
		// Every request from a new address of the /64, as privacy
		// addresses or a client choosing them would.
		switch code := get(fmt.Sprintf("2001:db8:aa:bb:%x:%x::%x", i>>8, i&0xff, i+1)); code {
		case http.StatusOK:
			admitted++
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("request %d: status %d", i, code)
		}
	}
	t.Logf("admitted / sent from one /64: %d / %d (limit 1200)", admitted, sent)
	if admitted > 1200 {
		t.Errorf("%d of %d requests from one /64 admitted against a limit of 1200", admitted, sent)
	}
	if admitted < 1100 {
		t.Errorf("only %d admitted: the limit is 1200", admitted)
	}
	if code := get("2001:db8:aa:cc::1"); code != http.StatusOK {
		t.Errorf("another /64: status %d", code)
	}
	if code := get("203.0.113.9"); code != http.StatusOK {
		t.Errorf("an IPv4 client: status %d", code)
	}
}

// With a shorter prefix configured, a /56 is one client.
func TestRateLimitIPv6PrefixIsConfigurable(t *testing.T) {
	l := newLimiter(Limits{PerIP: 3, PerShopper: 1000, Window: time.Minute, IPv6Prefix: 56}.withDefaults(), nil, newMetrics(prometheus.NewRegistry()), time.Now, time.Second)
	for i := range 4 {
		ip := netip.MustParseAddr(fmt.Sprintf("2001:db8:0:%x::1", i)) // four /64s of one /56
		if _, limited := l.allow(t.Context(), ip, "", true); limited != (i == 3) {
			t.Errorf("request %d from the /56: limited %v", i+1, limited)
		}
	}
}
