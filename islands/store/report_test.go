package store

import (
	"testing"
	"time"

	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/islands/shopper"
)

func TestReports(t *testing.T) { testkit.EachDB(t, testReports) }

func testReports(t *testing.T) {
	d, clk, _ := openTest(t)
	ctx := t.Context()
	lines := []shopper.OrderLine{{Product: "hat", Variant: "hat-s", Title: "Hat", VariantTitle: "S", Quantity: 2, UnitPrice: eur(1500)}}
	buyer := shopper.NewID()
	must[*shopper.State](t)(d.AddToCart(ctx, testStore, buyer, "hat", "hat-s", 2, 1500))
	idle := shopper.NewID() // adds, then leaves
	must[*shopper.State](t)(d.AddToCart(ctx, testStore, idle, "hat", "hat-s", 1, 1500))
	other := shopper.NewID() // another store's cart
	must[*shopper.State](t)(d.AddToCart(ctx, "other", other, "hat", "hat-s", 1, 1500))
	browser := shopper.NewID() // views only: no cart
	must[*shopper.State](t)(d.RecordView(ctx, testStore, browser, "hat", time.Time{}))
	clk.Advance(time.Hour)
	ord, _, err := d.PlaceOrder(ctx, testStore, buyer, draft(lines, eur(3000)), false)
	if err != nil {
		t.Fatal(err)
	}

	got, err := d.OrderTotals(ctx, testStore, t0, t0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Total != ord.Total.Amount || got[0].Currency != "EUR" || !got[0].At.Equal(t0.Add(time.Hour)) || got[0].Store != testStore {
		t.Fatalf("order totals = %+v, want the one order of %d", got, ord.Total.Amount)
	}
	if got, err := d.OrderTotals(ctx, testStore, t0, t0.Add(time.Hour)); err != nil || len(got) != 0 {
		t.Fatalf("before the order: %+v, %v", got, err)
	}
	if got, err := d.OrderTotals(ctx, "other", t0, t0.Add(2*time.Hour)); err != nil || len(got) != 0 {
		t.Fatalf("another store's: %+v, %v", got, err)
	}

	// The buyer's cart is empty now; the idle shopper's cart, last
	// written at t0, is the store's one idle cart; "" counts every store.
	at, err := d.IdleCarts(ctx, testStore, t0.Add(-time.Hour), t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(at) != 1 || !at[0].Equal(t0) {
		t.Fatalf("idle carts = %v, want one at %v", at, t0)
	}
	if at, err := d.IdleCarts(ctx, "", t0.Add(-time.Hour), t0.Add(time.Minute)); err != nil || len(at) != 2 {
		t.Fatalf("idle carts of every store = %v, %v; want 2", at, err)
	}
	if at, err := d.IdleCarts(ctx, testStore, t0.Add(time.Minute), t0.Add(3*time.Hour)); err != nil || len(at) != 0 {
		t.Fatalf("idle carts after their last write = %v, %v", at, err)
	}
}
