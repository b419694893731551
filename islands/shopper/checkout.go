package shopper

import (
	"errors"
	"net/netip"
)

// CheckoutLine is a cart line as handed to a store's own checkout.
type CheckoutLine struct {
	Variant  string // the catalog variant id
	Quantity int    // 1..MaxQuantity
}

// Buyer is what a store's own checkout may be told of the shopper: only
// what the shopper told us, never a guess. Empty fields are not sent.
type Buyer struct {
	Email       string
	CountryCode string // ISO 3166-1 alpha-2
	// IP is the shopper's address (the zero Addr when unknown). It is not
	// identity: checkouts use it to throttle per shopper rather than per
	// server.
	IP netip.Addr
}

// ErrCheckoutRefused is wrapped by a checkout's error when the shop
// refused the cart itself (an item it does not know or will not sell), as
// opposed to not answering: trying again will not help, changing the cart
// may.
var ErrCheckoutRefused = errors.New("shopper: the shop refused the cart")
