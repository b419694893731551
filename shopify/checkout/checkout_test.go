package checkout_test

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/islands/shopper"
	"github.com/wandstore/wandstore/shopify"
	"github.com/wandstore/wandstore/shopify/checkout"
	"github.com/wandstore/wandstore/shopify/shopifytest"
)

const (
	hat  = "gid://shopify/ProductVariant/10001"
	sock = "gid://shopify/ProductVariant/20001"
)

// setup serves two products (variants 10001 and 20001) and returns a
// Checkout over them, retrying quickly.
func setup(t *testing.T) (*shopifytest.Server, *checkout.Checkout) {
	t.Helper()
	srv := shopifytest.New(t, shopifytest.WithToken("secret"))
	srv.SetProducts([]shopifytest.Product{
		{Handle: "hat", Title: "Hat", Variants: []shopifytest.Variant{{AvailableForSale: true, Price: shopifytest.Money{Amount: "10.00", CurrencyCode: "USD"}}}},
		{Handle: "sock", Title: "Sock", Variants: []shopifytest.Variant{{AvailableForSale: true, Price: shopifytest.Money{Amount: "2.00", CurrencyCode: "USD"}}}},
	})
	c, err := shopify.New(shopify.Config{Endpoint: srv.URL(), PrivateToken: "secret", MaxRetries: 2,
		Backoff: func(int) time.Duration { return time.Millisecond }})
	if err != nil {
		t.Fatal(err)
	}
	return srv, checkout.New(c)
}

func lines(kv ...any) []shopper.CheckoutLine {
	var out []shopper.CheckoutLine
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, shopper.CheckoutLine{Variant: kv[i].(string), Quantity: kv[i+1].(int)})
	}
	return out
}

func held(t *testing.T, srv *shopifytest.Server, id string) []shopifytest.Line {
	t.Helper()
	c, ok := srv.Cart(id)
	if !ok {
		t.Fatalf("Shopify has no cart %q", id)
	}
	return c.Lines
}

func TestHandoffCreatesReusesAndRecreates(t *testing.T) {
	srv, co := setup(t)
	ctx := t.Context()
	buyer := shopper.Buyer{IP: netip.MustParseAddr("203.0.113.7")}

	// Catalog ids (the number) and GIDs both name a variant; lines of one
	// variant are merged, as Shopify keeps them.
	id, url, err := co.Handoff(ctx, "", lines("10001", 2, sock, 1, hat, 1), buyer)
	if err != nil {
		t.Fatal(err)
	}
	want := []shopifytest.Line{{MerchandiseID: hat, Quantity: 3}, {MerchandiseID: sock, Quantity: 1}}
	if got := held(t, srv, id); !reflect.DeepEqual(got, want) {
		t.Fatalf("cart lines %+v, want %+v", got, want)
	}
	if !strings.HasPrefix(url, srv.URL()+"/cart/c/") {
		t.Fatalf("checkout URL %q", url)
	}
	if got := srv.LastHeader().Get("Shopify-Storefront-Buyer-IP"); got != "203.0.113.7" {
		t.Errorf("buyer IP header %q", got)
	}
	if c, _ := srv.Cart(id); c.Buyer != nil {
		t.Errorf("buyer identity sent though nothing is known: %v", c.Buyer)
	}

	// Same lines (in another order): the kept cart, no new one.
	creates := srv.RequestsFor("CartCreate")
	id2, url2, err := co.Handoff(ctx, id, lines(sock, 1, hat, 3), buyer)
	if err != nil || id2 != id || url2 != url {
		t.Fatalf("same lines: %q %q %v; want the kept cart %q", id2, url2, err, id)
	}
	if n := srv.RequestsFor("CartCreate"); n != creates {
		t.Fatalf("a cart was made for unchanged lines (%d creates)", n-creates)
	}

	// Changed lines: a new cart with exactly the new lines.
	id3, _, err := co.Handoff(ctx, id, lines(hat, 1), buyer)
	if err != nil || id3 == id {
		t.Fatalf("changed lines: %q %v", id3, err)
	}
	if got := held(t, srv, id3); !reflect.DeepEqual(got, []shopifytest.Line{{MerchandiseID: hat, Quantity: 1}}) {
		t.Fatalf("new cart lines %+v", got)
	}

	// Evicted: made again, not an error.
	srv.EvictCart(id3)
	id4, url4, err := co.Handoff(ctx, id3, lines(hat, 1), buyer)
	if err != nil || id4 == id3 || url4 == "" {
		t.Fatalf("evicted: %q %q %v", id4, url4, err)
	}
	if got := held(t, srv, id4); !reflect.DeepEqual(got, []shopifytest.Line{{MerchandiseID: hat, Quantity: 1}}) {
		t.Fatalf("recreated cart lines %+v", got)
	}
}

func TestHandoffSendsKnownBuyerOnly(t *testing.T) {
	srv, co := setup(t)
	id, _, err := co.Handoff(t.Context(), "", lines(hat, 1), shopper.Buyer{CountryCode: "NL"})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := srv.Cart(id)
	if !reflect.DeepEqual(c.Buyer, map[string]any{"countryCode": "NL"}) {
		t.Fatalf("buyer identity %v", c.Buyer)
	}
	if got := srv.LastHeader().Get("Shopify-Storefront-Buyer-IP"); got != "" {
		t.Errorf("buyer IP header %q for an unknown IP", got)
	}
}

func TestHandoffErrors(t *testing.T) {
	srv, co := setup(t)
	ctx := t.Context()

	// A variant Shopify does not sell: refused, nothing kept.
	if _, _, err := co.Handoff(ctx, "", lines("999", 1), shopper.Buyer{}); !errors.Is(err, shopper.ErrCheckoutRefused) {
		t.Fatalf("unknown variant: %v", err)
	}
	if _, _, err := co.Handoff(ctx, "", nil, shopper.Buyer{}); !errors.Is(err, shopper.ErrCheckoutRefused) {
		t.Fatalf("no lines: %v", err)
	}

	// Shopify down past the retries: an error that is not a refusal.
	srv.Fail(503, 10, "")
	_, _, err := co.Handoff(ctx, "", lines(hat, 1), shopper.Buyer{})
	if err == nil || errors.Is(err, shopper.ErrCheckoutRefused) {
		t.Fatalf("Shopify down: %v", err)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Fatalf("token in error: %v", err)
	}

	// Reading the kept cart fails: an error, not a silent new cart.
	srv.Fail(0, 0, "")
	id, _, err := co.Handoff(ctx, "", lines(hat, 1), shopper.Buyer{})
	if err != nil {
		t.Fatal(err)
	}
	srv.Fail(500, 10, "")
	creates := srv.RequestsFor("CartCreate")
	if _, _, err := co.Handoff(ctx, id, lines(hat, 1), shopper.Buyer{}); err == nil {
		t.Fatal("no error while Shopify is down")
	}
	if srv.RequestsFor("CartCreate") != creates {
		t.Fatal("a cart was made after the kept one could not be read")
	}
}
