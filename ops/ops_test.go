package ops

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/islands/store"
)

var t0 = time.Date(2026, 12, 6, 10, 0, 30, 0, time.UTC)

func openDB(t testing.TB, dsn string) *bun.DB {
	t.Helper()
	sdb, err := store.Open(t.Context(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sdb.Close() })
	return sdb.Writer()
}

func openRecorder(t testing.TB, db *bun.DB, member string, c *testkit.Clock) *Recorder {
	t.Helper()
	r, err := Open(t.Context(), db, Options{Member: member, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func mustFlush(t testing.TB, r *Recorder) {
	t.Helper()
	if err := r.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestRecordFlushRead(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T) {
		db := openDB(t, testkit.DSN(t))
		c := testkit.NewClock(t0)
		a := openRecorder(t, db, "a", c)
		b := openRecorder(t, db, "b", c)
		for i := range 90 {
			a.Request("wands", "cart", 200, time.Duration(i+1)*time.Millisecond)
		}
		for range 10 {
			a.Request("wands", "cart", 503, 500*time.Millisecond)
		}
		a.Request("tea", "cart", 200, time.Millisecond)
		a.Add("wands", Fragments, "hit", 3)
		a.Add("wands", Fragments, "miss", 1)
		mustFlush(t, a)
		// More of the same minute, flushed again: added to the row.
		a.Add("wands", Fragments, "hit", 2)
		mustFlush(t, a)
		c.Advance(time.Minute)
		b.Request("wands", "cart", 200, 2*time.Millisecond)
		b.Add("wands", Fragments, "hit", 5)
		b.Gauge("wands", WebhookLag, 300)
		b.Gauge("wands", WebhookLag, 100)
		mustFlush(t, b)

		d, err := a.Read(t.Context(), LastHour(c.Now()), Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if d.N != 60 {
			t.Fatalf("N = %d", d.N)
		}
		cart := d.Points(Requests, "cart")
		last, prev := cart[59], cart[58]
		if prev.Count != 101 || last.Count != 1 {
			t.Fatalf("cart requests per minute: %d then %d, want 101 then 1", prev.Count, last.Count)
		}
		if got := Sum(d.Points(Errors, "cart")).Count; got != 10 {
			t.Errorf("5xx = %d, want 10", got)
		}
		// 90 at 1..90 ms, 10 at 500 ms (and 1 ms from tea): p50 about 50 ms,
		// p99 is 500 ms (the largest seen caps the bucket's bound).
		if p50 := prev.Quantile(0.5); p50 < 45*time.Millisecond || p50 > 60*time.Millisecond {
			t.Errorf("p50 = %v, want about 50 ms", p50)
		}
		if p99 := prev.Quantile(0.99); p99 != 500*time.Millisecond {
			t.Errorf("p99 = %v, want 500ms", p99)
		}
		hits := d.Points(Fragments, "hit")
		if hits[58].Count != 5 || hits[59].Count != 5 {
			t.Errorf("hits per minute %d, %d; want 5, 5 (two flushes of a, one of b)", hits[58].Count, hits[59].Count)
		}
		lag := d.Points(WebhookLag, "")[59]
		if lag.Max != 300 || lag.Count != 2 || lag.Sum != 400 {
			t.Errorf("lag = %+v, want max 300 of 2 values summing 400", lag)
		}

		// One store, one member.
		d, err = a.Read(t.Context(), LastHour(c.Now()), Filter{Store: "tea"})
		if err != nil {
			t.Fatal(err)
		}
		if got := Sum(d.Total(Requests)).Count; got != 1 {
			t.Errorf("tea's requests = %d, want 1", got)
		}
		d, err = a.Read(t.Context(), LastHour(c.Now()), Filter{Member: "b"})
		if err != nil {
			t.Fatal(err)
		}
		if got := Sum(d.Total(Requests)).Count; got != 1 {
			t.Errorf("b's requests = %d, want 1", got)
		}

		// The day's range puts both minutes into one 15-minute step.
		d, err = a.Read(t.Context(), LastDay(c.Now()), Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Points(Requests, "cart")[95].Count; got != 102 {
			t.Errorf("day's last step: %d cart requests, want 102", got)
		}
	})
}

// A failed flush keeps what it was to write; the next one writes it.
func TestFlushKeepsFiguresWhenTheDatabaseFails(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T) {
		db := openDB(t, testkit.DSN(t))
		c := testkit.NewClock(t0)
		r := openRecorder(t, db, "a", c)
		r.Request("wands", "cart", 200, time.Millisecond)
		r.Event(Event{Store: "wands", Kind: KindPublish, Written: 3})
		ctx := t.Context()
		if _, err := db.ExecContext(ctx, "ALTER TABLE ops_minutes RENAME TO ops_minutes_away"); err != nil {
			t.Fatal(err)
		}
		err := r.Flush(ctx)
		if err == nil || !strings.Contains(err.Error(), "ops: flush") {
			t.Fatalf("flush without its table: %v", err)
		}
		r.Request("wands", "cart", 200, time.Millisecond)
		if _, err := db.ExecContext(ctx, "ALTER TABLE ops_minutes_away RENAME TO ops_minutes"); err != nil {
			t.Fatal(err)
		}
		mustFlush(t, r)
		d, err := r.Read(ctx, LastHour(c.Now()), Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if got := Sum(d.Points(Requests, "cart")).Count; got != 2 {
			t.Errorf("requests after a failed flush = %d, want 2", got)
		}
		evs, err := r.Events(ctx, t0.Add(-time.Hour), Filter{}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 || evs[0].Written != 3 || evs[0].Member != "a" {
			t.Errorf("events = %+v, want the one publish", evs)
		}
	})
}

// A member that restarts within a minute adds to the minute its previous
// run wrote, not over it.
func TestRestartAddsToTheMinute(t *testing.T) { testkit.EachDB(t, testRestartAddsToTheMinute) }

func testRestartAddsToTheMinute(t *testing.T) {
	db := openDB(t, testkit.DSN(t))
	c := testkit.NewClock(t0)
	r1 := openRecorder(t, db, "a", c)
	r1.Add("wands", Carts, "created", 4)
	if err := r1.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	r2 := openRecorder(t, db, "a", c)
	r2.Add("wands", Carts, "created", 1)
	if err := r2.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	d, err := r2.Read(t.Context(), LastHour(c.Now()), Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Points(Carts, "created")[59].Count; got != 5 {
		t.Errorf("carts created = %d, want 5", got)
	}
}

func TestMembersAndLeader(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T) {
		db := openDB(t, testkit.DSN(t))
		c := testkit.NewClock(t0)
		a := openRecorder(t, db, "a:3320", c)
		b := openRecorder(t, db, "b:3320", c)
		a.Leads("shopify-webhooks", true)
		mustFlush(t, a)
		mustFlush(t, b)
		c.Advance(2 * time.Minute)
		// a dies; b takes the lead.
		b.Leads("shopify-webhooks", true)
		mustFlush(t, b)
		ms, err := a.Members(t.Context(), c.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 2 || ms[0].Name != "b:3320" || ms[1].Name != "a:3320" {
			t.Fatalf("members = %+v, want b then a", ms)
		}
		// To the second of the last flush, not the minute's start.
		if got := ms[0].LastSeen; !got.Equal(c.Now().Truncate(time.Second)) {
			t.Errorf("b last seen %v, want %v", got, c.Now().Truncate(time.Second))
		}
		if got := ms[1].LastSeen; !got.Equal(t0.Truncate(time.Second)) {
			t.Errorf("a last seen %v, want %v", got, t0.Truncate(time.Second))
		}
		if len(ms[0].Leads) != 1 || ms[0].Leads[0] != "shopify-webhooks" {
			t.Errorf("b leads %v", ms[0].Leads)
		}
		if len(ms[1].Leads) != 1 {
			t.Errorf("a's last minute says it led: %v", ms[1].Leads)
		}
		b.Leads("shopify-webhooks", false)
		c.Advance(time.Minute)
		mustFlush(t, b)
		ms, err = a.Members(t.Context(), c.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(ms[0].Leads) != 0 {
			t.Errorf("b no longer leads, but: %v", ms[0].Leads)
		}
	})
}

func TestEventsNewestFirstAndPrune(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T) {
		db := openDB(t, testkit.DSN(t))
		c := testkit.NewClock(t0)
		r := openRecorder(t, db, "a", c)
		r.Event(Event{Store: "wands", Kind: KindBuild, Rendered: 10, Written: 7, Duration: 1500 * time.Millisecond})
		c.Advance(time.Minute)
		r.Event(Event{Store: "tea", Kind: KindReconcile, Written: 2, Detail: "repaired 2 files"})
		r.Request("wands", "cart", 200, time.Millisecond)
		mustFlush(t, r)
		evs, err := r.Events(t.Context(), t0.Add(-time.Hour), Filter{}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 2 || evs[0].Kind != KindReconcile || evs[1].Duration != 1500*time.Millisecond {
			t.Fatalf("events = %+v", evs)
		}
		evs, err = r.Events(t.Context(), t0.Add(-time.Hour), Filter{Store: "wands"}, 10)
		if err != nil || len(evs) != 1 || evs[0].Kind != KindBuild {
			t.Fatalf("wands' events = %+v, %v", evs, err)
		}
		// Three days on: the minutes go (48 h); the quarters (two weeks)
		// and the events (a week) stay.
		c.Advance(72 * time.Hour)
		mustFlush(t, r)
		minutes := Range{From: t0.Truncate(time.Minute), Step: time.Minute, N: 3}
		quarters := Range{From: t0.Truncate(time.Hour), Step: time.Hour, N: 1}
		requests := func(rg Range) int64 {
			t.Helper()
			d, err := r.Read(t.Context(), rg, Filter{})
			if err != nil {
				t.Fatal(err)
			}
			return Sum(d.Total(Requests)).Count
		}
		if got := requests(minutes); got != 0 {
			t.Errorf("%d requests left by the minute from 3 days ago, want pruned", got)
		}
		if got := requests(quarters); got != 1 {
			t.Errorf("%d requests by the quarter from 3 days ago, want 1 kept", got)
		}
		evs, err = r.Events(t.Context(), t0.Add(-time.Hour), Filter{}, 10)
		if err != nil || len(evs) != 2 {
			t.Errorf("events after 3 days = %d, %v; want 2", len(evs), err)
		}
		// Past two weeks, the quarters go too.
		c.Advance(12 * 24 * time.Hour)
		mustFlush(t, r)
		if got := requests(quarters); got != 0 {
			t.Errorf("%d requests by the quarter after 15 days, want pruned", got)
		}
	})
}

func TestHist(t *testing.T) {
	var h Hist
	if h.Quantile(0.5) != 0 {
		t.Error("empty quantile not 0")
	}
	for i := 1; i <= 1000; i++ {
		h.Add(int64(i * 100)) // 0.1 .. 100 ms
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {0.01, time.Millisecond}} {
		got := h.Quantile(c.q)
		if got < c.want || float64(got) > 1.19*float64(c.want)+float64(time.Microsecond) {
			t.Errorf("q%v = %v, want within [%v, +19%%]", c.q, got, c.want)
		}
	}
	back := decodeHist(h.encode())
	if *back != h {
		t.Error("encode/decode changed the histogram")
	}
	if got := decodeHist("3:2,x:1,99:5,4:abc,5"); got[3] != 2 || got.Quantile(1) != bound(3) {
		t.Errorf("malformed entries not skipped: %v", got)
	}
	if bucket(0) != 0 || bucket(int64(time.Hour/time.Microsecond)) != nBuckets-1 {
		t.Error("bucket bounds")
	}
}

// A nil Recorder records nothing and does not panic.
func TestNilRecorder(t *testing.T) {
	var r *Recorder
	r.Request("s", "cart", 200, time.Millisecond)
	r.Add("s", Carts, "created", 1)
	r.Gauge("s", WebhookLag, 1)
	r.Leads("x", true)
	r.Event(Event{})
	if err := r.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkRequest is what recording one request costs a server.
func BenchmarkRequest(b *testing.B) {
	db := openDB(b, testkit.DSN(b))
	r, err := Open(b.Context(), db, Options{Member: "a"})
	if err != nil {
		b.Fatal(err)
	}
	routes := []string{"cart", "cart-badge", "recommendations", "page"}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			r.Request("wands", routes[i%len(routes)], 200, time.Duration(i%5000)*time.Microsecond)
			i++
		}
	})
}

// While the database fails, what is kept is bounded: past maxPending
// rows the oldest minutes go first, and recording goes on.
func TestPendingIsBoundedWhileTheDatabaseFails(t *testing.T) {
	db := openDB(t, testkit.DSN(t))
	c := testkit.NewClock(t0)
	r := openRecorder(t, db, "a", c)
	if _, err := db.ExecContext(t.Context(), "ALTER TABLE ops_minutes RENAME TO ops_minutes_away"); err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		r.Add("old", Carts, strconv.Itoa(i), 1)
	}
	c.Advance(time.Minute)
	for i := range maxPending {
		r.Add("new", Carts, strconv.Itoa(i), 1)
	}
	if err := r.Flush(t.Context()); err == nil {
		t.Fatal("a flush without its table succeeded")
	}
	r.mu.Lock()
	n, old := len(r.pending), 0
	for k := range r.pending {
		if k.store == "old" {
			old++
		}
	}
	r.mu.Unlock()
	if n != maxPending || old != 0 {
		t.Errorf("kept %d rows, %d of the oldest minute; want %d and 0", n, old, maxPending)
	}
	r.Add("new", Carts, "after", 1) // still recording
}
