package record

import (
	"strconv"
	"testing"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/internal/testkit"
)

// What an island pays per render to record an exposure (in memory; the
// flush is apart).
func BenchmarkExpose(b *testing.B) {
	r, err := Open(b.Context(), openDB(b, testkit.DSN(b)), Options{})
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, 4096)
	for i := range ids {
		ids[i] = "shopper-" + strconv.Itoa(i)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r.Expose("wands", "greet", "control", ids[i%len(ids)])
	}
}

// What the dashboard pays to read an experiment of 100,000 visitors, 5,000
// of whom converted (SQLite).
func BenchmarkResults(b *testing.B) {
	db := openDB(b, testkit.DSN(b))
	c := testkit.NewClock(t0)
	r, err := Open(b.Context(), db, Options{Now: c.Now})
	if err != nil {
		b.Fatal(err)
	}
	st := testStore()
	for i := range 100_000 {
		v := "control"
		if i%2 == 1 {
			v = "warm"
		}
		r.Expose("wands", "money", v, "s"+strconv.Itoa(i))
	}
	mustFlush(b, r)
	c.Advance(time.Second)
	for i := 0; i < 100_000; i += 20 {
		r.Convert("wands", "s"+strconv.Itoa(i), catalog.GoalCheckout, int64(1000+i%7000))
	}
	mustFlush(b, r)
	b.ResetTimer()
	for b.Loop() {
		rs, err := Results(b.Context(), db, &catalog.Store{Handle: "wands", Currency: "USD", Experiments: st.Experiments[2:]}, c.Now())
		if err != nil || rs[0].Variants[0].Visitors != 50_000 {
			b.Fatal(rs, err)
		}
	}
}
