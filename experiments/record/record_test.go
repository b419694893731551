package record

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/experiments"
	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/islands/store"
)

var t0 = time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC)

func openDB(t testing.TB, dsn string) *bun.DB {
	t.Helper()
	sdb, err := store.Open(t.Context(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sdb.Close() })
	return sdb.Writer()
}

func mustFlush(t testing.TB, r *Recorder) {
	t.Helper()
	if err := r.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func testStore() *catalog.Store {
	arms := []catalog.ExperimentVariant{{Name: "control", Weight: 1}, {Name: "warm", Weight: 1, Greeting: "Hi"}}
	return &catalog.Store{Handle: "wands", Currency: "USD", Experiments: []catalog.Experiment{
		{ID: "greet", Goal: catalog.GoalAddToCart, Variants: arms},
		{ID: "buy", Goal: catalog.GoalCheckout, Stop: t0.Add(time.Hour), Variants: arms},
		{ID: "money", Goal: catalog.GoalRevenue, Variants: arms},
	}}
}

func variant(rs []experiments.Result, exp, name string) experiments.VariantResult {
	for _, r := range rs {
		if r.Experiment == exp {
			for _, v := range r.Variants {
				if v.Name == name {
					return v
				}
			}
		}
	}
	return experiments.VariantResult{}
}

// Exposures count each shopper once per experiment, under the variant
// first seen; conversions count for shoppers exposed before them, before
// the experiment's stop; revenue sums each visitor's orders.
func TestRecordAndResults(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T) {
		db := openDB(t, testkit.DSN(t))
		c := testkit.NewClock(t0)
		r, err := Open(t.Context(), db, Options{Now: c.Now})
		if err != nil {
			t.Fatal(err)
		}
		st := testStore()
		// Converted before any exposure: not counted.
		r.Convert("wands", "early", catalog.GoalAddToCart, 0)
		c.Advance(time.Second)
		for _, exp := range []string{"greet", "buy", "money"} {
			r.Expose("wands", exp, "control", "early")
			r.Expose("wands", exp, "control", "ann")
			r.Expose("wands", exp, "control", "ann") // again: once
			r.Expose("wands", exp, "warm", "bob")
			r.Expose("wands", exp, "warm", "cy")
		}
		r.Expose("other-store", "greet", "warm", "ann") // another store's
		mustFlush(t, r)
		c.Advance(time.Second)
		// Seen again after a flush, even under another variant: the first stays.
		r.Expose("wands", "greet", "warm", "ann")
		r.Convert("wands", "ann", catalog.GoalAddToCart, 0)
		r.Convert("wands", "ann", catalog.GoalAddToCart, 0) // twice: one converting visitor
		r.Convert("wands", "bob", catalog.GoalAddToCart, 0)
		r.Convert("wands", "bob", catalog.GoalCheckout, 1500)
		r.Convert("wands", "bob", catalog.GoalCheckout, 500)
		r.Convert("wands", "cy", catalog.GoalCheckout, 3000)
		r.Convert("wands", "ann", catalog.GoalRevenue, 1000) // the revenue goal reads checkouts
		mustFlush(t, r)
		c.Advance(2 * time.Hour) // past buy's stop
		r.Convert("wands", "ann", catalog.GoalCheckout, 700)
		mustFlush(t, r)

		rs, err := r.Results(t.Context(), st)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 3 || rs[1].Running || !rs[0].Running {
			t.Fatalf("results %+v", rs)
		}
		for _, c := range []struct {
			exp, variant        string
			visitors, converted int64
			mean                float64
		}{
			{"greet", "control", 2, 1, 0.5},
			{"greet", "warm", 2, 1, 0.5},
			{"buy", "control", 2, 1, 0.5}, // ann's 1000; not her 700 after the stop
			{"buy", "warm", 2, 2, 1},
			{"money", "control", 2, 1, (10 + 7) / 2.0},
			{"money", "warm", 2, 2, (20 + 30) / 2.0},
		} {
			v := variant(rs, c.exp, c.variant)
			if v.Visitors != c.visitors || v.Converted != c.converted || v.Mean != c.mean {
				t.Errorf("%s/%s: %d visitors, %d converted, mean %g; want %d, %d, %g",
					c.exp, c.variant, v.Visitors, v.Converted, v.Mean, c.visitors, c.converted, c.mean)
			}
		}
		other, err := Results(t.Context(), db, &catalog.Store{Handle: "other-store", Experiments: st.Experiments[:1]}, c.Now())
		if err != nil {
			t.Fatal(err)
		}
		if v := variant(other, "greet", "warm"); v.Visitors != 1 {
			t.Errorf("other store: %+v", other)
		}
	})
}

// Many shoppers in one flush: written in batches, one transaction.
func TestFlushManyAndTwoMembers(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T) {
		db := openDB(t, testkit.DSN(t))
		c := testkit.NewClock(t0)
		a, err := Open(t.Context(), db, Options{Now: c.Now})
		if err != nil {
			t.Fatal(err)
		}
		b, err := Open(t.Context(), db, Options{Now: c.Now}) // another member
		if err != nil {
			t.Fatal(err)
		}
		st := testStore()
		e := &st.Experiments[0]
		const n = 2500
		want := map[string]int64{}
		for i := range n {
			id := fmt.Sprintf("s%d", i)
			v := experiments.Assign(e, id).Name
			want[v]++
			a.Expose("wands", e.ID, v, id)
			b.Expose("wands", e.ID, v, id) // the same shopper on another member
			if i%10 == 0 {
				b.Convert("wands", id, catalog.GoalAddToCart, 0)
			}
		}
		mustFlush(t, a)
		mustFlush(t, b)
		rs, err := Results(t.Context(), db, st, c.Now())
		if err != nil {
			t.Fatal(err)
		}
		var conv int64
		for _, v := range rs[0].Variants {
			if v.Visitors != want[v.Name] {
				t.Errorf("%s: %d visitors, want %d", v.Name, v.Visitors, want[v.Name])
			}
			conv += v.Converted
		}
		if conv != n/10 {
			t.Errorf("%d converted, want %d", conv, n/10)
		}
	})
}

// A failed flush keeps what it was to write; the next one writes it.
func TestFlushKeepsWhenTheDatabaseFails(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T) {
		db := openDB(t, testkit.DSN(t))
		c := testkit.NewClock(t0)
		r, err := Open(t.Context(), db, Options{Now: c.Now})
		if err != nil {
			t.Fatal(err)
		}
		r.Expose("wands", "greet", "warm", "ann")
		c.Advance(time.Second)
		r.Convert("wands", "ann", catalog.GoalAddToCart, 0)
		ctx := t.Context()
		if _, err := db.ExecContext(ctx, "ALTER TABLE experiment_conversions RENAME TO experiment_conversions_away"); err != nil {
			t.Fatal(err)
		}
		if err := r.Flush(ctx); err == nil || !strings.Contains(err.Error(), "experiments: flush") {
			t.Fatalf("flush without its table: %v", err)
		}
		r.Expose("wands", "greet", "warm", "bob")
		if _, err := db.ExecContext(ctx, "ALTER TABLE experiment_conversions_away RENAME TO experiment_conversions"); err != nil {
			t.Fatal(err)
		}
		if err := r.Close(ctx); err != nil {
			t.Fatal(err)
		}
		rs, err := Results(ctx, db, testStore(), c.Now())
		if err != nil {
			t.Fatal(err)
		}
		if v := variant(rs, "greet", "warm"); v.Visitors != 2 || v.Converted != 1 {
			t.Errorf("after a failed flush: %+v, want 2 visitors, 1 converted", v)
		}
	})
}

// A nil Recorder records nothing and does not fail.
func TestNilRecorder(t *testing.T) {
	var r *Recorder
	r.Expose("s", "e", "v", "x")
	r.Convert("s", "x", catalog.GoalCheckout, 1)
	if err := r.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if rs, err := r.Results(t.Context(), testStore()); rs != nil || err != nil {
		t.Fatal(rs, err)
	}
	if err := r.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// Run writes in the background; Close writes what is left.
func TestRun(t *testing.T) {
	db := openDB(t, testkit.DSN(t))
	r, err := Open(t.Context(), db, Options{FlushEvery: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	go r.Run(t.Context())
	r.Expose("wands", "greet", "control", "ann")
	deadline := time.Now().Add(5 * time.Second)
	for {
		rs, err := Results(t.Context(), db, testStore(), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if variant(rs, "greet", "control").Visitors == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Run did not write the exposure within 5 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.Expose("wands", "greet", "control", "bob")
	if err := r.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	rs, _ := Results(t.Context(), db, testStore(), time.Now())
	if v := variant(rs, "greet", "control"); v.Visitors != 2 {
		t.Errorf("after Close: %+v", v)
	}
}
