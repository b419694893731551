package islands

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/wandstore/wandstore/components"
	"github.com/wandstore/wandstore/islands/shopper"
)

// Checkout hands a cart to a shop's own checkout (Shopify's; see
// shopify/checkout). A store with one in Options.Checkouts sends its
// shoppers there; the others check out locally.
type Checkout interface {
	// Handoff makes (or refreshes) the shop's cart with exactly these
	// lines; cartID is the one kept from last time ("" if none). It
	// returns the cart id to keep and the URL to send the shopper to. An
	// evicted or expired cartID is made again, not an error. An error
	// wrapping shopper.ErrCheckoutRefused means the shop refused the lines
	// (changing the cart may help); any other error means it could not be
	// reached or failed (trying again later may help).
	Handoff(ctx context.Context, cartID string, lines []shopper.CheckoutLine, buyer shopper.Buyer) (newCartID, checkoutURL string, err error)
}

// handoffTimeout bounds a handoff, retries included: a shopper waiting on
// the checkout button longer than this is better told to try again.
const handoffTimeout = 15 * time.Second

// handoff sends the shopper's (already validated, non-empty) cart to the
// store's own checkout: the shop's cart is made or refreshed with exactly
// these lines, its id is kept for next time, and the browser is sent to
// its checkout URL (HX-Redirect for htmx, 303 otherwise).
//
// The local cart is not emptied: the shopper has not paid yet, and may come
// back from the shop's checkout (the back button, a closed tab) expecting
// their cart. The kept cart id makes that return cheap: the same shop cart
// is reused while the lines match. Clearing the cart once the shop reports
// the order paid is the job of an orders/paid webhook, not of the handoff.
//
// If the shop refuses or cannot be reached, the cart (drawer for htmx, the
// cart page without JavaScript) shows why and nothing is changed; the
// status is 200 for htmx (so it swaps the message in), else 422 for a
// refusal and 502 for a shop that failed.
func (s *Server) handoff(q *request, co Checkout, st *shopper.State, v components.CartView) {
	ctx := q.r.Context()
	store := q.cat.Store.Handle
	kept, err := s.store.ExternalCart(ctx, store, q.id)
	if err != nil {
		// Without it a new shop cart is made: the shopper can still pay.
		s.log.Warn("external cart unreadable, making a new one", "store", store, "err", err)
		kept = ""
	}
	lines := make([]shopper.CheckoutLine, len(st.Cart))
	for i, l := range st.Cart {
		lines[i] = shopper.CheckoutLine{Variant: l.Variant, Quantity: l.Quantity}
	}
	// Only what the shopper told us goes to the shop; today that is no
	// email nor country (the greeting name is not an identity).
	buyer := shopper.Buyer{IP: s.clientIP(q.r)}
	hctx, cancel := context.WithTimeout(ctx, handoffTimeout)
	cartID, checkoutURL, err := co.Handoff(hctx, kept, lines, buyer)
	cancel()
	if err != nil {
		if errors.Is(err, shopper.ErrCheckoutRefused) {
			s.log.Info("checkout refused by the shop", "store", store, "err", err)
			s.handoffError(q, v, http.StatusUnprocessableEntity, q.cat.Site.T("cart.checkout_refused"))
			return
		}
		s.log.Error("checkout handoff failed", "store", store, "err", err)
		s.handoffError(q, v, http.StatusBadGateway, q.cat.Site.T("cart.checkout_unavailable"))
		return
	}
	if !safeCheckoutURL(checkoutURL) {
		s.log.Error("checkout handoff: refusing to redirect to an unsafe URL", "store", store, "url", checkoutURL)
		s.handoffError(q, v, http.StatusBadGateway, q.cat.Site.T("cart.checkout_unavailable"))
		return
	}
	if cartID != kept {
		if err := s.store.SetExternalCart(ctx, store, q.id, cartID); err != nil {
			// The shopper can still pay; next time a new shop cart is made
			// from the (kept) local cart, so nothing is lost.
			s.log.Error("external cart not kept", "store", store, "err", err)
		}
	}
	s.log.Info("checkout handed off", "store", store, "lines", len(lines), "reused", kept != "" && cartID == kept)
	if q.htmx {
		q.w.Header().Set(hxRedirect, checkoutURL)
		q.w.WriteHeader(http.StatusOK)
		return
	}
	http.Redirect(q.w, q.r, checkoutURL, http.StatusSeeOther)
}

// handoffError shows msg in the cart: the drawer for htmx (200, so htmx
// swaps it), the cart page otherwise (with status). Both messages
// (cart.checkout_refused, cart.checkout_unavailable) say the cart is kept:
// nothing was changed.
func (s *Server) handoffError(q *request, v components.CartView, status int, msg string) {
	v.Error = msg
	drawer := components.CartDrawer(q.cat.Site, v)
	if q.htmx {
		s.render(q, http.StatusOK, drawer)
		return
	}
	s.render(q, status, s.fullPage(q, q.cat.Site.T("cart.title"), drawer))

}

// safeCheckoutURL reports whether raw may be followed: an absolute https
// URL with a host and no credentials, or http to a loopback address (a
// stand-in shop in tests). Anything else (javascript:, data:, relative,
// scheme-relative) would make the checkout an open redirect.
func safeCheckoutURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.User != nil || u.Host == "" {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		a, err := netip.ParseAddr(u.Hostname())
		return err == nil && a.IsLoopback()
	}
	return false
}
