// Package checkout hands a shopper's cart to a Shopify shop's own
// checkout: it makes a Shopify cart with the cart's lines (Storefront Cart
// API, through package shopify) and answers its checkoutUrl. It implements
// the islands server's Checkout interface.
package checkout

import (
	"context"
	"errors"
	"fmt"

	"github.com/wandstore/wandstore/islands/shopper"
	"github.com/wandstore/wandstore/shopify"
)

// Checkout hands carts to one shop's checkout. It is safe for concurrent
// use.
type Checkout struct {
	client *shopify.Client
}

// New returns a Checkout over client (one shop's Storefront API, with a
// private token for server-side use).
func New(client *shopify.Client) *Checkout { return &Checkout{client: client} }

// Handoff makes sure a Shopify cart holds exactly lines and returns its id
// (to keep for next time) and its checkout URL.
//
// The kept cart (cartID, "" for none) is reused when Shopify still has it
// with exactly these lines (same variants, same quantities), so a shopper
// who comes back without paying returns to the same checkout. When its
// lines differ, a new cart is made rather than the old one edited: the
// Cart API's cartLinesAdd only adds, and a fresh cart is correct in one
// call; Shopify expires the abandoned one. A cart Shopify no longer has
// (expired, evicted) is made again; that is not an error.
//
// The buyer's email and country are sent, when known, only when a cart is
// made; a reused cart keeps the identity it was made with. The buyer's IP
// goes as Shopify-Storefront-Buyer-IP on every call.
//
// Errors: one wrapping shopper.ErrCheckoutRefused when Shopify refused the
// lines (userErrors: an unknown or unavailable variant), or when there are
// none; otherwise the client's errors (network, throttling, authorization
// after its retries), wrapped.
func (c *Checkout) Handoff(ctx context.Context, cartID string, lines []shopper.CheckoutLine, buyer shopper.Buyer) (newCartID, checkoutURL string, err error) {
	want, err := merge(lines)
	if err != nil {
		return "", "", err
	}
	if buyer.IP.IsValid() {
		ctx = shopify.WithBuyerIP(ctx, buyer.IP.String())
	}
	if cartID != "" {
		cart, err := c.client.Cart(ctx, cartID)
		switch {
		case errors.Is(err, shopify.ErrCartNotFound):
			// Expired or evicted: made again below.
		case err != nil:
			return "", "", fmt.Errorf("shopify checkout: read cart: %w", err)
		case cart.CheckoutURL != "" && sameLines(cart.Lines, want):
			return cart.ID, cart.CheckoutURL, nil
		}
	}
	in := make([]shopify.CartLine, len(want))
	for i, l := range want {
		in[i] = shopify.CartLine{MerchandiseID: l.MerchandiseID, Quantity: l.Quantity}
	}
	var bi *shopify.BuyerIdentity
	if buyer.Email != "" || buyer.CountryCode != "" {
		bi = &shopify.BuyerIdentity{Email: buyer.Email, CountryCode: buyer.CountryCode}
	}
	cart, err := c.client.CartCreate(ctx, in, bi)
	var ue shopify.UserErrors
	if errors.As(err, &ue) {
		return "", "", fmt.Errorf("shopify checkout: %w: %w", shopper.ErrCheckoutRefused, err)
	}
	if err != nil {
		return "", "", fmt.Errorf("shopify checkout: create cart: %w", err)
	}
	if cart.ID == "" || cart.CheckoutURL == "" {
		return "", "", errors.New("shopify checkout: create cart: answer without an id or a checkout URL")
	}
	return cart.ID, cart.CheckoutURL, nil
}

// merge turns lines into Shopify cart lines, one per variant (as Shopify
// keeps them), in first-seen order, merchandise ids as GIDs.
func merge(lines []shopper.CheckoutLine) ([]shopify.CartLine, error) {
	if len(lines) == 0 {
		return nil, fmt.Errorf("shopify checkout: %w: no lines", shopper.ErrCheckoutRefused)
	}
	var out []shopify.CartLine
	at := map[string]int{}
	for _, l := range lines {
		if l.Variant == "" || l.Quantity < 1 {
			return nil, fmt.Errorf("shopify checkout: %w: a line without a variant or quantity", shopper.ErrCheckoutRefused)
		}
		gid := shopify.VariantGID(l.Variant)
		if i, ok := at[gid]; ok {
			out[i].Quantity += l.Quantity
			continue
		}
		at[gid] = len(out)
		out = append(out, shopify.CartLine{MerchandiseID: gid, Quantity: l.Quantity})
	}
	return out, nil
}

// sameLines reports whether a cart's lines are want, in any order.
func sameLines(have, want []shopify.CartLine) bool {
	if len(have) != len(want) {
		return false
	}
	qty := make(map[string]int, len(want))
	for _, l := range want {
		qty[l.MerchandiseID] = l.Quantity
	}
	for _, l := range have {
		gid := shopify.VariantGID(l.MerchandiseID)
		if q, ok := qty[gid]; !ok || q != l.Quantity {
			return false
		}
		delete(qty, gid)
	}
	return len(qty) == 0
}
