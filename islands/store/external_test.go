package store

import (
	"github.com/wandstore/wandstore/internal/testkit"
	"testing"
	"time"

	"github.com/wandstore/wandstore/islands/shopper"
)

func TestExternalCart(t *testing.T) { testkit.EachDB(t, testExternalCart) }

func testExternalCart(t *testing.T) {
	d, clk, path := openTest(t)
	ctx := t.Context()
	id, other := shopper.NewID(), shopper.NewID()
	if got := must[string](t)(d.ExternalCart(ctx, testStore, id)); got != "" {
		t.Fatalf("never set: %q", got)
	}
	// The shopper must exist: nobody checks out without a cart.
	if err := d.SetExternalCart(ctx, testStore, id, "gid://shopify/Cart/a"); err == nil {
		t.Fatal("external cart kept for a shopper who does not exist")
	}
	before := must[*shopper.State](t)(d.AddToCart(ctx, testStore, id, "hat", "hat-s", 1, 1500))
	must[*shopper.State](t)(d.AddToCart(ctx, testStore, other, "hat", "hat-s", 1, 1500))
	must[*shopper.State](t)(d.AddToCart(ctx, "other", id, "hat", "hat-s", 1, 1500))
	for _, cart := range []string{"gid://shopify/Cart/a?key=1", "gid://shopify/Cart/b?key=2"} {
		clk.Advance(time.Minute)
		if err := d.SetExternalCart(ctx, testStore, id, cart); err != nil {
			t.Fatal(err)
		}
		if got := must[string](t)(d.ExternalCart(ctx, testStore, id)); got != cart {
			t.Fatalf("ExternalCart = %q, want %q", got, cart)
		}
	}
	// Per shopper and per store.
	for _, c := range []struct {
		store string
		id    shopper.ID
	}{{testStore, other}, {"other", id}} {
		if got := must[string](t)(d.ExternalCart(ctx, c.store, c.id)); got != "" {
			t.Errorf("ExternalCart(%s, %s) = %q, want none", c.store, c.id, got)
		}
	}
	// Keeping it is not a change of the shopper's state: no version bump.
	after := must[*shopper.State](t)(d.Load(ctx, testStore, id))
	if !statesEqual(before, after) {
		t.Fatalf("state changed: %+v\n%+v", before, after)
	}
	// Durable: a reopened file still has it.
	d.Close()
	d2 := openPath(t, path, clk)
	if got := must[string](t)(d2.ExternalCart(ctx, testStore, id)); got != "gid://shopify/Cart/b?key=2" {
		t.Fatalf("after reopen: %q", got)
	}
	if err := d2.SetExternalCart(ctx, testStore, id, ""); err != nil {
		t.Fatal(err)
	}
	if got := must[string](t)(d2.ExternalCart(ctx, testStore, id)); got != "" {
		t.Fatalf("forgotten: %q", got)
	}
}
