package store

import (
	"testing"
	"time"

	"github.com/wandstore/wandstore/internal/testkit"
)

// One holder at a time; the role passes on when its holder releases it or
// its session dies.
func TestTryLead(t *testing.T) {
	testkit.SkipWithoutPostgres(t)
	dsn := testkit.PostgresDSN(t)
	a := openPathOpts(t, dsn, Options{})
	b := openPathOpts(t, dsn, Options{})
	ctx := t.Context()
	la, ok, err := a.TryLead(ctx, "webhooks")
	if err != nil || !ok {
		t.Fatalf("first: %v %v", ok, err)
	}
	if _, ok, err := b.TryLead(ctx, "webhooks"); ok || err != nil {
		t.Fatalf("second holder: %v %v", ok, err)
	}
	if lo, ok, err := b.TryLead(ctx, "reconcile"); !ok || err != nil {
		t.Fatalf("another role: %v %v", ok, err)
	} else {
		lo.Release()
	}
	la.Release()
	la.Release() // twice is fine
	lb, ok, err := b.TryLead(ctx, "webhooks")
	if err != nil || !ok {
		t.Fatalf("after release: %v %v", ok, err)
	}
	// The holder's session dies (its process killed): it learns it lost
	// the role, and another takes it.
	// (A bigint advisory key shows in pg_locks as classid, its high half,
	// and objid, its low half.)
	if _, err := a.w.DB.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_locks
WHERE locktype = 'advisory' AND classid::bigint = ($1::bigint >> 32) & 4294967295 AND objid::bigint = $1::bigint & 4294967295`, leadKey("webhooks")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-lb.Lost:
	case <-time.After(5 * time.Second):
		t.Fatal("the holder did not notice its session died")
	}
	lb.Release()
	if la, ok, err := a.TryLead(ctx, "webhooks"); !ok || err != nil {
		t.Fatalf("after the holder died: %v %v", ok, err)
	} else {
		la.Release()
	}
}

// SQLite serves one server: the role is always granted.
func TestTryLeadSQLite(t *testing.T) {
	d, _, _ := openTest(t)
	for range 2 {
		l, ok, err := d.TryLead(t.Context(), "webhooks")
		if !ok || err != nil {
			t.Fatalf("%v %v", ok, err)
		}
		l.Release()
	}
}
