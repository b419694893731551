package islands

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/wandstore/wandstore/islands/shopper"
)

// Two limiters stand for two islands members counting into one cluster (a
// real Olric member holds the shared counters): a client that spends its
// allowance on member A is refused by member B after B's first exchange.
func TestRateLimitIsClusterWide(t *testing.T) {
	c := openCache(t)
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	limits := Limits{PerIP: 10, PerShopper: 1000, Window: time.Minute}
	a := newLimiter(limits, c, newMetrics(prometheus.NewRegistry()), clock, time.Second)
	b := newLimiter(limits, c, newMetrics(prometheus.NewRegistry()), clock, time.Second)
	ip := netip.MustParseAddr("203.0.113.5")
	ctx := context.Background()

	for i := 1; i <= 9; i++ { // exchanges on the 1st and the 9th (flushEvery)
		if _, limited := a.allow(ctx, ip, shopper.NewID(), true); limited {
			t.Fatalf("member A refused request %d of 10", i)
		}
	}
	// B's first request exchanges at once and learns of A's nine.
	if _, limited := b.allow(ctx, ip, shopper.NewID(), true); limited {
		t.Fatal("the 10th request in the cluster was refused")
	}
	if _, limited := b.allow(ctx, ip, shopper.NewID(), true); !limited {
		t.Fatal("member B allowed the 11th request: counts are not shared")
	}
	// After flushAfter, A exchanges again and sees B's requests too.
	now = now.Add(flushAfter)
	if _, limited := a.allow(ctx, ip, shopper.NewID(), true); !limited {
		t.Fatal("member A allowed a request over the cluster's limit")
	}
	// A new window starts from zero.
	now = now.Add(time.Minute)
	if _, limited := a.allow(ctx, ip, shopper.NewID(), true); limited {
		t.Fatal("the next window still refuses")
	}
}

// Without a cache (or when it fails) each member still limits on its own.
func TestRateLimitWithoutCacheIsPerMember(t *testing.T) {
	l := newLimiter(Limits{PerIP: 3, PerShopper: 1000, Window: time.Minute}, nil, newMetrics(prometheus.NewRegistry()), time.Now, time.Second)
	ip := netip.MustParseAddr("198.51.100.9")
	for i := 1; i <= 3; i++ {
		if _, limited := l.allow(context.Background(), ip, "", true); limited {
			t.Fatalf("request %d refused", i)
		}
	}
	if _, limited := l.allow(context.Background(), ip, "", true); !limited {
		t.Fatal("the 4th request was allowed")
	}
}
