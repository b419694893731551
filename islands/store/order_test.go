package store

import (
	"errors"
	"github.com/wandstore/wandstore/internal/testkit"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/islands/shopper"
)

func eur(n int64) catalog.Money { return catalog.Money{Amount: n, Currency: "EUR"} }

func TestPlaceOrder(t *testing.T) { testkit.EachDB(t, testPlaceOrder) }

func testPlaceOrder(t *testing.T) {
	d, clk, _ := openTest(t)
	ctx := t.Context()
	id := shopper.NewID()
	must[*shopper.State](t)(d.AddToCart(ctx, testStore, id, "hat", "hat-s", 2, 1500))
	must[*shopper.State](t)(d.AddToCart(ctx, testStore, id, "sock", "sock-m", 1, 1500))
	must[*shopper.State](t)(d.RecordView(ctx, testStore, id, "hat", time.Time{}))
	clk.Advance(time.Hour)
	lines := []shopper.OrderLine{
		{Product: "hat", Variant: "hat-s", Title: "Wool hat", VariantTitle: "Small", SKU: "HAT-S", Quantity: 2, UnitPrice: eur(1500)},
		{Product: "sock", Variant: "sock-m", Title: "Sock", VariantTitle: "M", SKU: "SOCK-M", Quantity: 1, UnitPrice: eur(500)},
	}
	ord, st, err := d.PlaceOrder(ctx, testStore, id, draft(lines, eur(3500)), false)
	if err != nil {
		t.Fatal(err)
	}
	if !orderNumberRE.MatchString(ord.Number) || ord.ID != 1 || ord.Store != testStore || ord.Shopper != id ||
		ord.Subtotal != eur(3500) || !ord.CreatedAt.Equal(t0.Add(time.Hour)) || !reflect.DeepEqual(ord.Lines, lines) ||
		!orderTokenRE.MatchString(ord.Token) || ord.Email != "ada@example.com" || ord.Address.Country != "DE" ||
		ord.Total != eur(3500+490) || ord.Shipping.Amount != eur(490) || ord.Tax != eur(637) || !ord.TaxInclusive {
		t.Fatalf("order %+v", ord)
	}
	// Cart emptied, the rest kept, version bumped, all in the same commit.
	if len(st.Cart) != 0 || len(st.Viewed) != 1 || st.Version != 4 {
		t.Fatalf("state after order %+v", st)
	}
	got := must[*shopper.Order](t)(d.Order(ctx, testStore, id, ord.Token))
	if !reflect.DeepEqual(got, ord) {
		t.Fatalf("Order = %+v\nwant    %+v", got, ord)
	}

	// Numbers are random: the next order's tells nothing of the first's.
	other := shopper.NewID()
	must[*shopper.State](t)(d.AddToCart(ctx, testStore, other, "hat", "hat-s", 2, 1500))
	ord2, _, err := d.PlaceOrder(ctx, testStore, other, draft(lines[:1], eur(3000)), false)
	if err != nil {
		t.Fatal(err)
	}
	if !orderNumberRE.MatchString(ord2.Number) || ord2.Number == ord.Number {
		t.Fatalf("second number %q (first %q)", ord2.Number, ord.Number)
	}
	// Only the shopper's own order, in its own store.
	for _, c := range []struct {
		store  string
		id     shopper.ID
		number string
	}{
		{testStore, other, ord.Token},
		{testStore, id, ord2.Token},
		{"other", id, ord.Token},
		{testStore, id, ord.Number}, // the number is not the token
		{testStore, id, "00000000000000000000000000000000"},
		{testStore, id, ""},
	} {
		if o, err := d.Order(ctx, c.store, c.id, c.number); o != nil || err != nil {
			t.Errorf("Order(%s, %s, %q) = %+v, %v; want nil, nil", c.store, c.id, c.number, o, err)
		}
	}
}

// orderNumberRE is an order number's form: WS- and two groups of five
// Crockford base32 characters.
var orderNumberRE = regexp.MustCompile(`^WS-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$`)

// orderTokenRE is a confirmation token's form: 128 bits in hex.
var orderTokenRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// draft is an order as the checkout makes it: lines, totals, address.
func draft(lines []shopper.OrderLine, sub catalog.Money) *shopper.Order {
	ship := catalog.Money{Amount: 490, Currency: sub.Currency}
	return &shopper.Order{Lines: lines, Subtotal: sub, Email: "ada@example.com",
		Address:  shopper.Address{Name: "Ada", Line1: "Hauptstr. 1", City: "Berlin", PostalCode: "10115", Country: "DE"},
		Shipping: shopper.Shipping{Method: "dhl", Name: "DHL", Amount: ship},
		Tax:      catalog.Money{Amount: (sub.Amount + ship.Amount) * 19 / 119, Currency: sub.Currency}, TaxRate: 190000, TaxInclusive: true,
		Total: catalog.Money{Amount: sub.Amount + ship.Amount, Currency: sub.Currency}, Payment: "invoice"}
}

// Order numbers do not count: a thousand are all different, and spread
// over the alphabet rather than rising.
func TestOrderNumbersAreRandom(t *testing.T) {
	seen := map[string]bool{}
	first := map[byte]int{}
	for i := 0; i < 1000; i++ {
		n := orderNumber()
		if !orderNumberRE.MatchString(n) || seen[n] {
			t.Fatalf("number %d: %q (seen %v)", i, n, seen[n])
		}
		seen[n] = true
		first[n[3]]++
	}
	if len(first) < 24 { // 32 possible first characters, ~31 seen in 1,000 draws
		t.Errorf("first characters of 1,000 numbers: %d distinct", len(first))
	}
}

func TestPlaceOrderErrors(t *testing.T) { testkit.EachDB(t, testPlaceOrderErrors) }

func testPlaceOrderErrors(t *testing.T) {
	d, _, _ := openTest(t)
	ctx := t.Context()
	id := shopper.NewID()
	must[*shopper.State](t)(d.AddToCart(ctx, testStore, id, "hat", "hat-s", 2, 1500))
	if _, _, err := d.PlaceOrder(ctx, testStore, id, draft(nil, eur(0)), false); !errors.Is(err, shopper.ErrEmptyCart) {
		t.Fatalf("no lines: %v", err)
	}
	bad := []shopper.OrderLine{{Product: "hat", Variant: "hat-s", Quantity: 0, UnitPrice: eur(1)}}
	if _, _, err := d.PlaceOrder(ctx, testStore, id, draft(bad, eur(0)), false); !errors.Is(err, shopper.ErrQuantity) {
		t.Fatalf("zero quantity: %v", err)
	}
	// Lines that are not the cart (a quantity changed in another tab, a
	// line added or removed, another order) order nothing.
	for name, lines := range map[string][]shopper.OrderLine{
		"quantity": {{Product: "hat", Variant: "hat-s", Quantity: 1, UnitPrice: eur(1)}},
		"variant":  {{Product: "hat", Variant: "hat-m", Quantity: 2, UnitPrice: eur(1)}},
		"more":     {{Product: "hat", Variant: "hat-s", Quantity: 2, UnitPrice: eur(1)}, {Product: "sock", Variant: "sock-m", Quantity: 1, UnitPrice: eur(1)}},
	} {
		if _, _, err := d.PlaceOrder(ctx, testStore, id, draft(lines, eur(0)), false); !errors.Is(err, shopper.ErrCartChanged) {
			t.Fatalf("%s: %v, want ErrCartChanged", name, err)
		}
	}
	if _, _, err := d.PlaceOrder(ctx, testStore, shopper.NewID(), draft([]shopper.OrderLine{{Product: "hat", Variant: "hat-s", Quantity: 2, UnitPrice: eur(1)}}, eur(0)), false); !errors.Is(err, shopper.ErrCartChanged) {
		t.Fatalf("empty cart: %v, want ErrCartChanged", err)
	}
	st := must[*shopper.State](t)(d.Load(ctx, testStore, id))
	if len(st.Cart) != 1 || st.Version != 1 {
		t.Fatalf("failed orders changed state: %+v", st)
	}
	var n int
	if err := d.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM orders").Scan(&n); err != nil || n != 0 {
		t.Fatalf("orders %d, %v", n, err)
	}
}

func TestPopularity(t *testing.T) { testkit.EachDB(t, testPopularity) }

func testPopularity(t *testing.T) {
	d, _, _ := openTest(t)
	ctx := t.Context()
	if pop := must[map[string]int](t)(d.Popularity(ctx, testStore)); len(pop) != 0 {
		t.Fatalf("empty store: %v", pop)
	}
	a, b, c := shopper.NewID(), shopper.NewID(), shopper.NewID()
	// a views and carts hat (two variants): one shopper.
	must[*shopper.State](t)(d.RecordView(ctx, testStore, a, "hat", time.Time{}))
	must[*shopper.State](t)(d.AddToCart(ctx, testStore, a, "hat", "hat-s", 1, 1500))
	must[*shopper.State](t)(d.AddToCart(ctx, testStore, a, "hat", "hat-l", 1, 1500))
	must[*shopper.State](t)(d.RecordView(ctx, testStore, b, "hat", time.Time{}))
	must[*shopper.State](t)(d.RecordView(ctx, testStore, b, "hat", time.Time{}))
	must[*shopper.State](t)(d.AddToCart(ctx, testStore, c, "sock", "sock-m", 3, 1500))
	must[*shopper.State](t)(d.RecordView(ctx, testStore, c, "scarf", time.Time{}))
	// Another store does not count; a wish is not a view.
	must[*shopper.State](t)(d.RecordView(ctx, "other", c, "hat", time.Time{}))
	if _, _, err := d.ToggleWishlist(ctx, testStore, c, "belt"); err != nil {
		t.Fatal(err)
	}
	pop := must[map[string]int](t)(d.Popularity(ctx, testStore))
	want := map[string]int{"hat": 2, "sock": 1, "scarf": 1}
	if !reflect.DeepEqual(pop, want) {
		t.Fatalf("popularity %v, want %v", pop, want)
	}
}
