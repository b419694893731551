package islands

import (
	"bytes"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/wandstore/wandstore/islands/store"
	"github.com/wandstore/wandstore/ops"
)

// Options.Ops hears each answer by store and route, the new carts (not
// a second add to the same cart), and the rate limit's refusals.
func TestOpsRecordsRequestsCartsAndRefusals(t *testing.T) {
	var rec *ops.Recorder
	e := newEnv(t, func(o *Options) {
		o.Limits = Limits{PerIP: 6, PerShopper: 1000, Window: time.Minute}
		r, err := ops.Open(t.Context(), o.Store.(*store.DB).Writer(), ops.Options{Member: "m"})
		if err != nil {
			t.Fatal(err)
		}
		rec, o.Ops = r, r
	})
	p, v := e.variant(untracked)
	c := e.shopper()
	c.get("cart/badge")
	c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1")
	c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1")
	other := e.shopper()
	other.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "2")
	refused := 0
	for range 4 {
		if e.shopper().get("cart/badge").status == 429 {
			refused++
		}
	}
	if err := rec.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	d, err := rec.Read(t.Context(), ops.LastHour(time.Now()), ops.Filter{Store: e.cat.Store.Handle})
	if err != nil {
		t.Fatal(err)
	}
	if got := ops.Sum(d.Points(ops.Requests, "cart/add")).Count; got != 3 {
		t.Errorf("cart/add requests = %d, want 3", got)
	}
	if got := ops.Sum(d.Points(ops.Requests, "cart/badge")).Count; got != 5 {
		t.Errorf("cart/badge requests = %d, want 5 (refused ones too)", got)
	}
	if got := ops.Sum(d.Points(ops.Carts, "created")).Count; got != 2 {
		t.Errorf("carts created = %d, want 2", got)
	}
	if got := ops.Sum(d.Points(ops.Limited, "ip")).Count; got != int64(refused) || refused == 0 {
		t.Errorf("refusals recorded %d, answered %d (want some)", got, refused)
	}
}

// BenchmarkRecordingCost is one island answer (the cart badge of a new
// shopper, no cache) without and with the dashboard's recording, in the
// same run: the difference is what recording costs a request.
//
//	go test -run '^$' -bench RecordingCost -count 6 ./islands/
func BenchmarkRecordingCost(b *testing.B) {
	db := migratedDB(b)
	rec, err := ops.Open(b.Context(), db.Writer(), ops.Options{Member: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	cat := demoCatalog(b)
	for _, name := range []string{"off", "on"} {
		b.Run(name, func(b *testing.B) {
			opts := Options{Store: db, Catalogs: NewCatalogs(cat), SessionKeys: [][]byte{bytes.Repeat([]byte("k"), 32)},
				Limits: Limits{PerIP: 1 << 30, PerShopper: 1 << 30, Window: time.Minute}}
			if name == "on" {
				opts.Ops = rec
			}
			srv, err := New(opts)
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			h := srv.Handler()
			req := httptest.NewRequest("GET", cat.Site.IslandPath("cart/badge"), nil)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}
