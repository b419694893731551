package store

import (
	"testing"
	"time"

	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/islands/shopper"
)

func TestOrderHistory(t *testing.T) { testkit.EachDB(t, testOrderHistory) }

func testOrderHistory(t *testing.T) {
	d, clk, _ := openTest(t)
	ctx := t.Context()
	id, other := shopper.NewID(), shopper.NewID()
	var tokens []string
	for i := 1; i <= 3; i++ {
		must[*shopper.State](t)(d.AddToCart(ctx, testStore, id, "hat", "hat-s", i, 1500))
		clk.Advance(time.Hour)
		o, _, err := d.PlaceOrder(ctx, testStore, id, draft([]shopper.OrderLine{{Product: "hat", Variant: "hat-s", Quantity: i, UnitPrice: eur(100)}}, eur(int64(100*i))), false)
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, o.Token)
	}
	must[*shopper.State](t)(d.AddToCart(ctx, testStore, other, "hat", "hat-s", 1, 1500))
	if _, _, err := d.PlaceOrder(ctx, testStore, other, draft([]shopper.OrderLine{{Product: "hat", Variant: "hat-s", Quantity: 1, UnitPrice: eur(100)}}, eur(100)), false); err != nil {
		t.Fatal(err)
	}
	got := must[[]shopper.OrderSummary](t)(d.Orders(ctx, testStore, id, 2))
	if len(got) != 2 || got[0].Token != tokens[2] || got[1].Token != tokens[1] || got[0].Items != 3 ||
		got[0].Total != eur(300+490) || !got[0].CreatedAt.Equal(t0.Add(3*time.Hour)) {
		t.Fatalf("Orders = %+v", got)
	}
	if got := must[[]shopper.OrderSummary](t)(d.Orders(ctx, "other", id, 10)); len(got) != 0 {
		t.Fatalf("another store's history: %+v", got)
	}
	if got := must[[]shopper.OrderSummary](t)(d.Orders(ctx, testStore, shopper.NewID(), 10)); len(got) != 0 {
		t.Fatalf("a new shopper's history: %+v", got)
	}
}

func TestOutbox(t *testing.T) { testkit.EachDB(t, testOutbox) }

func testOutbox(t *testing.T) {
	d, clk, _ := openTest(t)
	ctx := t.Context()
	id := shopper.NewID()
	must[*shopper.State](t)(d.AddToCart(ctx, testStore, id, "hat", "hat-s", 1, 1500))
	o, _, err := d.PlaceOrder(ctx, testStore, id, draft([]shopper.OrderLine{{Product: "hat", Variant: "hat-s", Title: "Hat", Quantity: 1, UnitPrice: eur(100)}}, eur(100)), true)
	if err != nil {
		t.Fatal(err)
	}
	// An order placed without notify queues nothing.
	must[*shopper.State](t)(d.AddToCart(ctx, testStore, id, "hat", "hat-s", 1, 1500))
	if _, _, err := d.PlaceOrder(ctx, testStore, id, draft([]shopper.OrderLine{{Product: "hat", Variant: "hat-s", Quantity: 1, UnitPrice: eur(100)}}, eur(100)), false); err != nil {
		t.Fatal(err)
	}
	now := clk.Now()
	got := must[[]shopper.OutboxEmail](t)(d.ClaimEmails(ctx, now, time.Minute, 10))
	if len(got) != 1 || got[0].Order.Token != o.Token || got[0].Attempts != 1 || got[0].Order.Email != "ada@example.com" ||
		len(got[0].Order.Lines) != 1 || got[0].Order.Total != o.Total {
		t.Fatalf("claim = %+v", got)
	}
	// Leased: a second claim (another member) gets nothing until it ends.
	if again := must[[]shopper.OutboxEmail](t)(d.ClaimEmails(ctx, now, time.Minute, 10)); len(again) != 0 {
		t.Fatalf("claimed twice: %+v", again)
	}
	// A failure schedules the next attempt.
	if err := d.EmailFailed(ctx, o.ID, now.Add(5*time.Minute), "421 try later"); err != nil {
		t.Fatal(err)
	}
	if early := must[[]shopper.OutboxEmail](t)(d.ClaimEmails(ctx, now.Add(4*time.Minute), time.Minute, 10)); len(early) != 0 {
		t.Fatalf("claimed before its next attempt: %+v", early)
	}
	second := must[[]shopper.OutboxEmail](t)(d.ClaimEmails(ctx, now.Add(5*time.Minute), time.Minute, 10))
	if len(second) != 1 || second[0].Attempts != 2 {
		t.Fatalf("second attempt = %+v", second)
	}
	if err := d.EmailSent(ctx, o.ID, now.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if after := must[[]shopper.OutboxEmail](t)(d.ClaimEmails(ctx, now.Add(time.Hour), time.Minute, 10)); len(after) != 0 {
		t.Fatalf("a sent email claimed again: %+v", after)
	}
	// Given up (zero next): never claimed again.
	must[*shopper.State](t)(d.AddToCart(ctx, testStore, id, "hat", "hat-s", 1, 1500))
	o3, _, err := d.PlaceOrder(ctx, testStore, id, draft([]shopper.OrderLine{{Product: "hat", Variant: "hat-s", Quantity: 1, UnitPrice: eur(100)}}, eur(100)), true)
	if err != nil {
		t.Fatal(err)
	}
	if c := must[[]shopper.OutboxEmail](t)(d.ClaimEmails(ctx, clk.Now(), time.Minute, 10)); len(c) != 1 || c[0].Order.ID != o3.ID {
		t.Fatalf("third = %+v", c)
	}
	if err := d.EmailFailed(ctx, o3.ID, time.Time{}, "550 no such user"); err != nil {
		t.Fatal(err)
	}
	if c := must[[]shopper.OutboxEmail](t)(d.ClaimEmails(ctx, clk.Now().AddDate(50, 0, 0), time.Minute, 10)); len(c) != 0 {
		t.Fatalf("a given-up email claimed: %+v", c)
	}
}
