package admin

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/islands/store"
	"github.com/wandstore/wandstore/ops"
)

// BenchmarkDashboard renders the dashboard over a full day of figures:
// two members, two stores, twelve routes each, every minute of 24 hours
// (about 120,000 rows), for the last hour and the last day; it reports
// the page's bytes.
//
//	go test -run '^$' -bench Dashboard -benchtime 20x ./islands/admin/
func BenchmarkDashboard(b *testing.B) {
	db, err := store.Open(b.Context(), testkit.DSN(b), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	c := testkit.NewClock(time.Now().UTC().Add(-24 * time.Hour))
	routes := []string{"cart", "cart/badge", "cart/add", "cart/set", "page", "recommendations", "recently-viewed",
		"wishlist", "wishlist/toggle", "preferences", "checkout", "views"}
	var recs []*ops.Recorder
	for _, m := range []string{"a:3320", "b:3320"} {
		r, err := ops.Open(b.Context(), db.Writer(), ops.Options{Member: m, Now: c.Now})
		if err != nil {
			b.Fatal(err)
		}
		recs = append(recs, r)
	}
	for range 24 * 60 {
		for _, r := range recs {
			for _, st := range []string{"wands", "tea"} {
				for i, route := range routes {
					for j := range 3 {
						r.Request(st, route, 200, time.Duration(1+i+j)*time.Millisecond)
					}
				}
				r.Add(st, ops.Fragments, "hit", 20)
				r.Add(st, ops.Fragments, "miss", 5)
			}
			if err := r.Flush(b.Context()); err != nil {
				b.Fatal(err)
			}
		}
		c.Advance(time.Minute)
	}
	h, err := New(Options{Token: token, Ops: recs[0], Reports: db, Now: c.Now})
	if err != nil {
		b.Fatal(err)
	}
	for _, rg := range []string{"hour", "day"} {
		b.Run(rg, func(b *testing.B) {
			var size int
			for b.Loop() {
				req := httptest.NewRequest("GET", Path+"?range="+rg, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
				size = w.Body.Len()
			}
			b.ReportMetric(float64(size), "page-bytes")
		})
	}
}
