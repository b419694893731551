package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/islands/shopper"
)

func TestAddToCart(t *testing.T) { testkit.EachDB(t, testAddToCart) }

func testAddToCart(t *testing.T) {
	d, clk, _ := openTest(t)
	ctx := t.Context()
	id := shopper.NewID()
	add := func(p, v string, q int) *shopper.State {
		t.Helper()
		clk.Advance(time.Second)
		return must[*shopper.State](t)(d.AddToCart(ctx, testStore, id, p, v, q, 1500))
	}
	add("hat", "hat-s", 1)
	add("sock", "sock-m", 2)
	add("hat", "hat-l", 1)
	st := add("hat", "hat-s", 4) // merges, keeps its place and its added_at
	if got, want := cartString(st), "hat/hat-sx5 sock/sock-mx2 hat/hat-lx1"; got != want {
		t.Fatalf("cart %q, want %q", got, want)
	}
	if !st.Cart[0].AddedAt.Equal(t0.Add(time.Second)) {
		t.Fatalf("merged line's added_at moved: %v", st.Cart[0].AddedAt)
	}
	if st.Version != 4 || st.CartQuantity() != 8 || !st.InCart("sock") || st.InCart("scarf") {
		t.Fatalf("state %+v", st)
	}
	// Capped at MaxQuantity.
	st = add("hat", "hat-s", shopper.MaxQuantity)
	if st.Cart[0].Quantity != shopper.MaxQuantity {
		t.Fatalf("capped quantity %d", st.Cart[0].Quantity)
	}
	st = add("hat", "hat-s", 1)
	if st.Cart[0].Quantity != shopper.MaxQuantity || st.Version != 6 {
		t.Fatalf("quantity %d version %d", st.Cart[0].Quantity, st.Version)
	}
}

func TestAddToCartErrors(t *testing.T) { testkit.EachDB(t, testAddToCartErrors) }

func testAddToCartErrors(t *testing.T) {
	d, _, _ := openTest(t)
	ctx := t.Context()
	id := shopper.NewID()
	for _, q := range []int{0, -1, shopper.MaxQuantity + 1} {
		if _, err := d.AddToCart(ctx, testStore, id, "hat", "hat-s", q, 1500); !errors.Is(err, shopper.ErrQuantity) {
			t.Errorf("qty %d: %v", q, err)
		}
	}
	for i := range shopper.MaxCartLines {
		must[*shopper.State](t)(d.AddToCart(ctx, testStore, id, "p", fmt.Sprintf("v%02d", i), 1, 1500))
	}
	if _, err := d.AddToCart(ctx, testStore, id, "p", "one-more", 1, 1500); !errors.Is(err, shopper.ErrCartFull) {
		t.Fatalf("51st line: %v", err)
	}
	// A line already there still merges in a full cart.
	st := must[*shopper.State](t)(d.AddToCart(ctx, testStore, id, "p", "v00", 2, 1500))
	if len(st.Cart) != shopper.MaxCartLines || st.Cart[0].Quantity != 3 {
		t.Fatalf("merge into full cart: %d lines, first %+v", len(st.Cart), st.Cart[0])
	}
	// Failed writes changed nothing, not even the version.
	if st.Version != int64(shopper.MaxCartLines+1) {
		t.Fatalf("version %d", st.Version)
	}
}

func TestSetQuantity(t *testing.T) { testkit.EachDB(t, testSetQuantity) }

func testSetQuantity(t *testing.T) {
	d, _, _ := openTest(t)
	ctx := t.Context()
	id := shopper.NewID()
	must[*shopper.State](t)(d.AddToCart(ctx, testStore, id, "hat", "hat-s", 1, 1500))
	must[*shopper.State](t)(d.AddToCart(ctx, testStore, id, "sock", "sock-m", 1, 1500))
	st := must[*shopper.State](t)(d.SetQuantity(ctx, testStore, id, "hat", "hat-s", 7))
	if got := cartString(st); got != "hat/hat-sx7 sock/sock-mx1" {
		t.Fatalf("cart %q", got)
	}
	st = must[*shopper.State](t)(d.SetQuantity(ctx, testStore, id, "hat", "hat-s", 0))
	if got := cartString(st); got != "sock/sock-mx1" || st.Version != 4 {
		t.Fatalf("cart %q version %d", got, st.Version)
	}
	for _, c := range []struct {
		p, v string
		q    int
		want error
	}{
		{"hat", "hat-s", 0, shopper.ErrNotInCart}, // removed already
		{"hat", "hat-s", 3, shopper.ErrNotInCart},
		{"sock", "sock-l", 1, shopper.ErrNotInCart}, // other variant
		{"sock", "sock-m", -1, shopper.ErrQuantity},
		{"sock", "sock-m", shopper.MaxQuantity + 1, shopper.ErrQuantity},
	} {
		if _, err := d.SetQuantity(ctx, testStore, id, c.p, c.v, c.q); !errors.Is(err, c.want) {
			t.Errorf("SetQuantity(%s, %s, %d) = %v, want %v", c.p, c.v, c.q, err, c.want)
		}
	}
	// Unknown shopper: not in cart, and no shopper row left behind.
	other := shopper.NewID()
	if _, err := d.SetQuantity(ctx, testStore, other, "hat", "hat-s", 1); !errors.Is(err, shopper.ErrNotInCart) {
		t.Fatal(err)
	}
	if st := must[*shopper.State](t)(d.Load(ctx, testStore, other)); st.Version != 0 {
		t.Fatalf("failed write left version %d", st.Version)
	}
	if st := must[*shopper.State](t)(d.Load(ctx, testStore, id)); st.Version != 4 {
		t.Fatalf("version after failed writes %d", st.Version)
	}
}

// The schema refuses what the code refuses, should a bug slip past it.
func TestSchemaConstraints(t *testing.T) { testkit.EachDB(t, testSchemaConstraints) }

func testSchemaConstraints(t *testing.T) {
	d, _, _ := openTest(t)
	ctx := t.Context()
	id := shopper.NewID()
	must[*shopper.State](t)(d.AddToCart(ctx, testStore, id, "hat", "hat-s", 1, 1500))
	for _, q := range []string{
		"UPDATE cart_lines SET quantity = 100",
		"UPDATE cart_lines SET quantity = 0",
		// foreign_keys is ON on the writer connection: no line without a shopper.
		"INSERT INTO cart_lines (store, shopper, product, variant, quantity, seq, added_at) VALUES ('demo', 'nobody', 'p', 'v', 1, 1, '2026-01-01')",
	} {
		if _, err := d.w.ExecContext(ctx, q); err == nil {
			t.Errorf("%s: accepted", q)
		}
	}
	// Deleting a shopper cascades to their lists.
	if _, err := d.w.ExecContext(ctx, "DELETE FROM shoppers"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := d.w.QueryRowContext(ctx, "SELECT COUNT(*) FROM cart_lines").Scan(&n); err != nil || n != 0 {
		t.Fatalf("cart lines after shopper delete: %d, %v", n, err)
	}
}

// A line keeps the unit price it was last added at: a second add at a
// new price replaces it, a quantity change keeps it, and it comes back
// from the database as it went in. The migration that added the column
// can run again (a crash between its commit and its bookkeeping row).
func TestCartLinePrice(t *testing.T) { testkit.EachDB(t, testCartLinePrice) }

func testCartLinePrice(t *testing.T) {
	d, _, _ := openTest(t)
	ctx := t.Context()
	id := shopper.NewID()
	price := func(st *shopper.State) int64 {
		t.Helper()
		if len(st.Cart) != 1 {
			t.Fatalf("cart %q", cartString(st))
		}
		return st.Cart[0].Price
	}
	if got := price(must[*shopper.State](t)(d.AddToCart(ctx, testStore, id, "hat", "hat-s", 1, 9100))); got != 9100 {
		t.Errorf("added at 9100, line price %d", got)
	}
	if got := price(must[*shopper.State](t)(d.SetQuantity(ctx, testStore, id, "hat", "hat-s", 3))); got != 9100 {
		t.Errorf("quantity changed: line price %d, want 9100 kept", got)
	}
	if got := price(must[*shopper.State](t)(d.AddToCart(ctx, testStore, id, "hat", "hat-s", 1, 5500))); got != 5500 {
		t.Errorf("added again at 5500: line price %d", got)
	}
	if got := price(must[*shopper.State](t)(d.Load(ctx, testStore, id))); got != 5500 {
		t.Errorf("read back: line price %d, want 5500", got)
	}
	if err := d.w.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error { return up5(ctx, tx) }); err != nil {
		t.Errorf("the price column's migration again: %v", err)
	}
}
