package shopify_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/wandstore/wandstore/shopify"
	"github.com/wandstore/wandstore/shopify/shopifytest"
)

func TestCart(t *testing.T) {
	srv := shopifytest.New(t, shopifytest.WithToken(secret))
	usd := shopifytest.Money{Amount: "10.00", CurrencyCode: "USD"}
	srv.SetProducts([]shopifytest.Product{
		{Handle: "a", Title: "A", Variants: []shopifytest.Variant{{ID: "gid://shopify/ProductVariant/11", AvailableForSale: true, Price: usd}}},
		{Handle: "b", Title: "B", Variants: []shopifytest.Variant{{ID: "gid://shopify/ProductVariant/22", AvailableForSale: true, Price: usd}}},
	})
	c := newClient(t, srv, func(c *shopify.Config) { c.PrivateToken = secret })
	ctx := shopify.WithBuyerIP(context.Background(), "198.51.100.4")

	// A catalog variant id and a GID are both accepted.
	cart, err := c.CartCreate(ctx, []shopify.CartLine{{MerchandiseID: "11", Quantity: 2}, {MerchandiseID: "gid://shopify/ProductVariant/22", Quantity: 1}},
		&shopify.BuyerIdentity{Email: "harry@example.com", CountryCode: "GB"})
	if err != nil {
		t.Fatal(err)
	}
	if cart.ID == "" || !strings.HasPrefix(cart.CheckoutURL, srv.URL()+"/cart/c/") || cart.TotalQuantity != 3 {
		t.Errorf("cart = %+v", cart)
	}
	if srv.LastHeader().Get("Shopify-Storefront-Buyer-IP") != "198.51.100.4" {
		t.Error("buyer IP not sent")
	}
	held, ok := srv.Cart(cart.ID)
	if !ok || held.Buyer["email"] != "harry@example.com" || held.Buyer["countryCode"] != "GB" || len(held.Buyer) != 2 {
		t.Errorf("held = %+v", held)
	}

	cart, err = c.CartLinesAdd(ctx, cart.ID, []shopify.CartLine{{MerchandiseID: "22", Quantity: 4}})
	if err != nil {
		t.Fatal(err)
	}
	want := []shopify.CartLine{{MerchandiseID: "gid://shopify/ProductVariant/11", Quantity: 2}, {MerchandiseID: "gid://shopify/ProductVariant/22", Quantity: 5}}
	if cart.TotalQuantity != 7 || !slices.Equal(cart.Lines, want) {
		t.Errorf("after add: %+v", cart)
	}
	got, err := c.Cart(ctx, cart.ID)
	if err != nil || got.ID != cart.ID || got.CheckoutURL != cart.CheckoutURL || !slices.Equal(got.Lines, want) {
		t.Errorf("Cart = %+v, %v", got, err)
	}

	// userErrors.
	_, err = c.CartLinesAdd(ctx, cart.ID, []shopify.CartLine{{MerchandiseID: "999", Quantity: 1}})
	var ue shopify.UserErrors
	if !errors.As(err, &ue) || len(ue) != 1 || ue[0].Code != "INVALID" ||
		!strings.Contains(err.Error(), "lines.0.merchandiseId: The merchandise with id gid://shopify/ProductVariant/999 does not exist. (INVALID)") {
		t.Errorf("unknown variant: %v", err)
	}
	if _, err := c.CartCreate(ctx, []shopify.CartLine{{MerchandiseID: "11", Quantity: 0}}, nil); err == nil {
		t.Error("quantity 0 accepted")
	}
	if _, err := c.CartCreate(ctx, nil, nil); err == nil {
		t.Error("no lines accepted")
	}

	// An evicted cart is not found, read or added to.
	srv.EvictCart(cart.ID)
	if got, err := c.Cart(ctx, cart.ID); !errors.Is(err, shopify.ErrCartNotFound) || got != nil {
		t.Errorf("evicted Cart = %v, %v", got, err)
	}
	if _, err := c.CartLinesAdd(ctx, cart.ID, []shopify.CartLine{{MerchandiseID: "11", Quantity: 1}}); !errors.Is(err, shopify.ErrCartNotFound) || !errors.As(err, &ue) {
		t.Errorf("evicted CartLinesAdd: %v", err)
	}
}

func TestCartRetriesAndErrors(t *testing.T) {
	srv := shopifytest.New(t)
	srv.SetProducts([]shopifytest.Product{{Handle: "a", Title: "A", Variants: []shopifytest.Variant{{ID: "gid://shopify/ProductVariant/11",
		AvailableForSale: true, Price: shopifytest.Money{Amount: "1.00", CurrencyCode: "USD"}}}}})
	c := newClient(t, srv, nil)
	srv.Fail(430, 1, "")
	if _, err := c.CartCreate(context.Background(), []shopify.CartLine{{MerchandiseID: "11", Quantity: 1}}, nil); err != nil {
		t.Fatal(err)
	}
	if got := srv.RequestsFor("CartCreate"); got != 2 {
		t.Errorf("CartCreate sent %d times", got)
	}
}

func TestCartLinesAddNotRepeatedAfterServerError(t *testing.T) {
	srv := shopifytest.New(t)
	srv.SetProducts([]shopifytest.Product{{Handle: "a", Title: "A", Variants: []shopifytest.Variant{{ID: "gid://shopify/ProductVariant/11",
		AvailableForSale: true, Price: shopifytest.Money{Amount: "1.00", CurrencyCode: "USD"}}}}})
	c := newClient(t, srv, nil)
	cart, err := c.CartCreate(context.Background(), []shopify.CartLine{{MerchandiseID: "11", Quantity: 1}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.Fail(502, 1, "")
	if _, err := c.CartLinesAdd(context.Background(), cart.ID, []shopify.CartLine{{MerchandiseID: "11", Quantity: 1}}); err == nil {
		t.Error("a 502 on cartLinesAdd was retried")
	}
	srv.Throttle(1)
	if cart, err = c.CartLinesAdd(context.Background(), cart.ID, []shopify.CartLine{{MerchandiseID: "11", Quantity: 1}}); err != nil || cart.TotalQuantity != 2 {
		t.Errorf("throttled cartLinesAdd: %+v, %v", cart, err)
	}
	if got := srv.RequestsFor("CartLinesAdd"); got != 3 {
		t.Errorf("CartLinesAdd sent %d times, want 3", got)
	}
}
