package webhook

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingBody is a request body that records whether it was read.
type countingBody struct {
	r     io.Reader
	reads *atomic.Int64
	read  bool
}

func (b *countingBody) Read(p []byte) (int, error) {
	if !b.read {
		b.read = true
		b.reads.Add(1)
	}
	return b.r.Read(p)
}

func (b *countingBody) Close() error { return nil }

// The red team's finding 7: 2,000 unsigned 512 KiB posts in 1.2 s from
// one address were each read and HMAC-checked. Limited per source, most
// are answered 429 before their body is read or any HMAC computed; the
// rest (a burst, then the steady rate) are checked and refused 401.
func TestReceiveLimitsASourceBeforeTheHMAC(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	var observed sync.Map // outcome -> *atomic.Int64
	q, _ := openTest(t, Options{Now: func() time.Time { return now }, Observe: func(_, outcome string, _ time.Duration) {
		n, _ := observed.LoadOrStore(outcome, new(atomic.Int64))
		n.(*atomic.Int64).Add(1)
	}})
	rc, err := NewReceiver(q, ReceiverOptions{Secrets: [][]byte{secret}}) // the default limit
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte{'x'}, 512<<10)
	fakeSig := Sign([]byte("not the secret"), body) // the right length: it gets an HMAC
	const sent = 2000
	var reads atomic.Int64
	codes := map[int]int{}
	start := now
	for i := range sent {
		now = start.Add(1200 * time.Millisecond * time.Duration(i) / sent)
		r := httptest.NewRequest(http.MethodPost, Path, nil)
		r.Body = &countingBody{r: bytes.NewReader(body), reads: &reads}
		r.ContentLength = int64(len(body))
		r.RemoteAddr = "203.0.113.66:" + strconv.Itoa(40000+i%1000)
		r.Header.Set(HeaderHmac, fakeSig)
		w := httptest.NewRecorder()
		rc.ServeHTTP(w, r)
		codes[w.Code]++
		if w.Code == http.StatusTooManyRequests {
			if ra, err := strconv.Atoi(w.Header().Get("Retry-After")); err != nil || ra < 1 {
				t.Fatalf("429 with Retry-After %q", w.Header().Get("Retry-After"))
			}
			if w.Header().Get("Connection") != "close" {
				t.Fatal("a refused post's connection is kept (the server would drain its body)")
			}
		}
	}
	checked := codes[http.StatusUnauthorized]
	t.Logf("admitted / sent (to the HMAC) from one address in 1.2 s: %d / %d; 429: %d; bodies read: %d; HMACs: %d",
		checked, sent, codes[http.StatusTooManyRequests], reads.Load(), rc.macs.Load())
	if codes[http.StatusTooManyRequests]+checked != sent {
		t.Errorf("answers %v", codes)
	}
	// 300 at once, then 100 a second for 1.2 s.
	if checked > 300+120+1 {
		t.Errorf("%d of %d posts reached the HMAC, want at most 421", checked, sent)
	}
	if got := reads.Load(); got != int64(checked) {
		t.Errorf("%d bodies read for %d posts admitted: refused posts were read", got, checked)
	}
	if got := rc.macs.Load(); got != int64(checked) {
		t.Errorf("%d HMACs for %d posts admitted", got, checked)
	}
	if n := count(t, q); n != 0 {
		t.Errorf("%d deliveries recorded", n)
	}
	// The dashboard hears of each refusal and each bad signature.
	for outcome, want := range map[string]int{Limited: codes[http.StatusTooManyRequests], Rejected: checked} {
		n, _ := observed.LoadOrStore(outcome, new(atomic.Int64))
		if got := n.(*atomic.Int64).Load(); got != int64(want) {
			t.Errorf("observed %d %s, want %d", got, outcome, want)
		}
	}
	// Another address is not affected.
	r := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body))
	r.RemoteAddr = "198.51.100.1:5000"
	r.Header.Set(HeaderHmac, fakeSig)
	w := httptest.NewRecorder()
	rc.ServeHTTP(w, r)
	if w.Code != http.StatusUnauthorized {
		t.Errorf("another address: %d", w.Code)
	}
}

// Shopify's bursts pass at the default: a bulk edit's 5,000 deliveries in
// a minute from one address (250 at once every 3 s) are all admitted, and
// so are 6,000 in a minute sent evenly.
func TestSourceLimitLetsShopifyBurstsThrough(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name         string
		sent, atOnce int
		every        time.Duration
		want         int
	}{
		{"5,000 a minute in bursts of 250", 5000, 250, 3 * time.Second, 5000},
		{"6,000 a minute evenly", 6000, 1, 10 * time.Millisecond, 6000},
		{"a flood of 12,000 in 12 s", 12000, 1, time.Millisecond, 300 + 1200},
	} {
		l := newSourceLimiter(SourceLimit{}, func() time.Time { return now })
		start := now
		admitted := 0
		for i := range c.sent {
			now = start.Add(c.every * time.Duration(i/c.atOnce))
			if _, ok := l.allow("203.0.113.8"); ok {
				admitted++
			}
		}
		t.Logf("%s: admitted / sent %d / %d", c.name, admitted, c.sent)
		if admitted > c.want+1 || admitted < c.want-1 {
			t.Errorf("%s: %d admitted, want %d", c.name, admitted, c.want)
		}
	}
}

// Sources are tracked in bounded memory: past maxSources, sources not
// back at a full burst keep their entries, and new ones share one budget
// until a sweep drops the idle.
func TestSourceLimitIsBounded(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	l := newSourceLimiter(SourceLimit{PerMinute: 60, Burst: 2}, func() time.Time { return now })
	for i := range maxSources {
		if _, ok := l.allow(fmt.Sprint("s", i)); !ok {
			t.Fatalf("source %d refused", i)
		}
	}
	// Full: new sources share one budget of 2.
	admitted := 0
	for i := range 10 {
		if _, ok := l.allow(fmt.Sprint("new", i)); ok {
			admitted++
		}
	}
	if admitted != 2 || len(l.tat) != maxSources+1 {
		t.Errorf("full: %d new sources admitted, %d tracked", admitted, len(l.tat))
	}
	// A known source keeps its own budget.
	if _, ok := l.allow("s7"); !ok {
		t.Error("a known source was refused")
	}
	// Once they are idle, the sources are dropped and new ones tracked.
	now = now.Add(5 * time.Second)
	if _, ok := l.allow("later"); !ok || len(l.tat) != 1 {
		t.Errorf("after the sweep: admitted %v, %d tracked", ok, len(l.tat))
	}
}

// The default source is the connection's address, an IPv6 one by its /64.
func TestPeerSource(t *testing.T) {
	for addr, want := range map[string]string{
		"203.0.113.5:443":              "203.0.113.5",
		"[::ffff:203.0.113.5]:443":     "203.0.113.5",
		"[2001:db8:1:2:3:4:5:6]:443":   "2001:db8:1:2::/64",
		"[2001:db8:1:2:ff::1%eth0]:80": "2001:db8:1:2::/64",
		"garbage":                      "garbage",
	} {
		if got := peerSource(&http.Request{RemoteAddr: addr}); got != want {
			t.Errorf("%s: %s, want %s", addr, got, want)
		}
	}
}
