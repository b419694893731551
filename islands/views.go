package islands

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/components"
	"github.com/wandstore/wandstore/islands/shopper"
)

// listSize is how many products a recently-viewed or recommendations island
// shows.
const listSize = 8

// priceWas is the unit price a cart line was added at (minor units; 0
// when not known), formatted, when it differs from the price now; else "".
func priceWas(s *components.Site, added int64, now catalog.Money) string {
	if added == 0 || added == now.Amount {
		return ""
	}
	return s.Money(catalog.Money{Amount: added, Currency: now.Currency})
}

// cartView prices the cart from the current catalog. A line whose product
// or variant is gone, sold out or short of stock is shown with its problem
// and left out of the subtotal; checkout refuses until it is fixed.
func cartView(c *Catalog, st *shopper.State) (components.CartView, bool) {
	s := c.Site
	v := components.CartView{Count: st.CartQuantity()}
	sub := catalog.Money{Currency: c.Store.Currency}
	ok := true
	h := sha256.New()
	for _, l := range st.Cart {
		lv := components.CartLineView{Product: l.Product, Variant: l.Variant, Quantity: l.Quantity, Title: l.Product}
		p := c.Store.Product(l.Product)
		var vr *catalog.Variant
		if p != nil && p.Published() {
			vr = p.Variant(l.Variant)
		}
		// The token: each line as shown, with the price it is sold at (none
		// for a line that cannot be bought).
		var price catalog.Money
		if vr != nil && vr.Available {
			price = vr.Price
		}
		fmt.Fprintf(h, "%s\x00%s\x00%d\x00%d\x00%s\n", l.Product, l.Variant, l.Quantity, price.Amount, price.Currency)
		if vr == nil {
			lv.Problem = s.T("cart.problem_gone")
			ok = false
			v.Lines = append(v.Lines, lv)
			continue
		}
		lv.Title, lv.Path = p.Title, s.ProductPath(p.Handle)
		if catalog.ShowsVariant(vr.Title) {
			lv.VariantTitle = vr.Title
		}
		img := p.MainImage()
		if vr.Image >= 0 && vr.Image < len(p.Images) {
			img = p.Images[vr.Image]
		}
		if src := s.Image(img); src != "" {
			lv.Image, lv.ImageAlt, lv.ImageSrcset = src, img.Alt, s.Srcset(img)
			if lv.ImageAlt == "" {
				lv.ImageAlt = p.Title
			}
		}
		lv.UnitPrice = s.Money(vr.Price)
		lv.PriceWas = priceWas(s, l.Price, vr.Price)
		lineTotal := vr.Price.Times(l.Quantity)
		lv.LineTotal = s.Money(lineTotal)
		switch {
		case !vr.Available:
			lv.Problem = s.T("cart.problem_sold_out")
			ok = false
		case vr.Tracked && l.Quantity > vr.Inventory:
			lv.Problem = s.N("cart.problem_short", vr.Inventory)
			ok = false
		default:
			sub.Amount += lineTotal.Amount
		}
		v.Lines = append(v.Lines, lv)
	}
	v.Subtotal = s.Money(sub)
	v.Token = hex.EncodeToString(h.Sum(nil)[:16])
	return v, ok
}

// cards turns product handles into cards, skipping what is no longer
// published, and applies the shopper's sort preference.
func cards(c *Catalog, handles []string, prefs shopper.Preferences, exclude string) []components.ProductCardView {
	var ps []*catalog.Product
	for _, h := range handles {
		if h == exclude {
			continue
		}
		if p := c.Store.Product(h); p != nil && p.Published() {
			ps = append(ps, p)
		}
	}
	return cardsOf(c, ps, prefs)
}

func cardsOf(c *Catalog, ps []*catalog.Product, prefs shopper.Preferences) []components.ProductCardView {
	if prefs.Sort != "" && prefs.Sort != catalog.SortManual {
		ps = catalog.SortProducts(ps, prefs.Sort)
	}
	out := make([]components.ProductCardView, 0, len(ps))
	for _, p := range ps {
		out = append(out, components.NewCard(c.Site, p))
	}
	return out
}

func preferencesView(c *Catalog, st *shopper.State) components.PreferencesView {
	return components.PreferencesView{Name: st.Prefs.Name, Sort: string(st.Prefs.Sort), Sorts: components.PreferenceSorts(c.Site)}
}

// popularity is a store's view-and-cart counts. Recommendations need a
// rough order, not an exact one, and the query scans the store's history:
// so it never runs on a request's path. A request takes what is there
// (nothing, at first) and, when it is older than popularityTTL, starts one
// refresh in the background.
type popularity struct {
	counts     map[string]int
	at         time.Time
	refreshing bool
}

const popularityTTL = 30 * time.Second

func (s *Server) popularity(store string) map[string]int {
	s.popMu.Lock()
	defer s.popMu.Unlock()
	p := s.pop[store]
	if p == nil {
		p = &popularity{}
		s.pop[store] = p
	}
	if !p.refreshing && (p.at.IsZero() || s.now().Sub(p.at) >= popularityTTL) {
		p.refreshing = true
		s.bg.Add(1)
		go s.refreshPopularity(store, p)
	}
	return p.counts
}

func (s *Server) refreshPopularity(store string, p *popularity) {
	defer s.bg.Done()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	counts, err := s.store.Popularity(ctx, store)
	s.popMu.Lock()
	defer s.popMu.Unlock()
	p.refreshing, p.at = false, s.now() // on error too: retry after the TTL, not on every request
	if err != nil {
		s.log.Warn("popularity", "store", store, "err", err)
		return
	}
	p.counts = counts
}

// Close ends the live streams and waits for background work (popularity
// refreshes) to finish. Call it before closing the store.
func (s *Server) Close() { s.EndStreams(); s.bg.Wait() }
