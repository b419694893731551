package islands

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/a-h/templ"
	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/components"
	"github.com/wandstore/wandstore/islands/recommend"
	"github.com/wandstore/wandstore/islands/shopper"
	"github.com/wandstore/wandstore/ops"
)

// Reads: fragments (cached per shopper and state version) and full pages
// (for shoppers without JavaScript, after a plain form post).

func (s *Server) cartBadge(q *request) {
	s.serveFragment(q, "", func(st *shopper.State) (templ.Component, error) {
		name, banner := s.greeting(q, st, s.treatment(q))
		return components.CartBadgeLive(q.cat.Site, st.CartQuantity(), name, banner), nil
	})
}

func (s *Server) cartDrawer(q *request) {
	s.serveFragment(q, "", func(st *shopper.State) (templ.Component, error) {
		v, _ := cartView(q.cat, st)
		return components.CartDrawer(q.cat.Site, v), nil
	})
}

func (s *Server) recentlyViewed(q *request) {
	current := s.productParam(q, q.r.URL.Query().Get("product"))
	s.serveFragment(q, current, func(st *shopper.State) (templ.Component, error) {
		return s.recentList(q, st, current), nil
	})
}

func (s *Server) recentList(q *request, st *shopper.State, exclude string) templ.Component {
	handles := make([]string, 0, len(st.Viewed))
	for _, v := range st.Viewed {
		handles = append(handles, v.Product)
	}
	list := cards(q.cat, handles, s.listSort(q, st, s.treatment(q)), exclude)
	if len(list) > listSize {
		list = list[:listSize]
	}
	return components.ProductList(q.cat.Site, "recently-viewed", q.cat.Site.T("recently_viewed.title"), list)
}

func (s *Server) recommendations(q *request) {
	current := s.productParam(q, q.r.URL.Query().Get("product"))
	s.serveFragment(q, current, func(st *shopper.State) (templ.Component, error) {
		pop := s.popularity(q.cat.Store.Handle)
		t := s.treatment(q)
		if t.Recommendations.Experiment != "" {
			s.expose(q, t.Recommendations)
		}
		picks := s.recommend(q, st, current, pop, t.Recommendations.Value)
		copy := ""
		if t.Copy.Experiment != "" {
			s.expose(q, t.Copy)
		}
		if s.ai != nil && len(picks) > 0 && t.Copy.Value != "none" {
			// A line of copy for the shopper's segment (never waited on
			// past the Advisor's budget).
			copy = s.ai.Copy(q.r.Context(), recommend.SegmentOf(q.cat.Store, current, st))
		}
		handles := make([]string, len(picks))
		for i, p := range picks {
			handles[i] = p.Handle
		}
		title := q.cat.Site.T("recommendations.for_you")
		if current != "" {
			title = q.cat.Site.T("recommendations.related")
		}
		// By handle from the catalog: the index may be a change behind.
		list := cards(q.cat, handles, shopper.Preferences{}, current)
		if t.Badge.Experiment != "" {
			s.expose(q, t.Badge)
			for i := range list {
				list[i].Badge = t.Badge.Value
			}
		}
		return components.RecommendationsList(q.cat.Site, title, copy, list), nil
	})
}

func (s *Server) wishlistButton(q *request) {
	product := s.productParam(q, q.r.URL.Query().Get("product"))
	if product == "" {
		http.Error(q.w, q.cat.Site.T("error.unknown_product"), http.StatusBadRequest)
		return
	}
	s.serveFragment(q, product, func(st *shopper.State) (templ.Component, error) {
		return components.WishlistButton(q.cat.Site, product, st.Wished(product)), nil
	})
}

func (s *Server) wishlist(q *request) {
	s.serveFragment(q, "", func(st *shopper.State) (templ.Component, error) {
		return s.wishlistList(q, st), nil
	})
}

func (s *Server) wishlistList(q *request, st *shopper.State) templ.Component {
	handles := make([]string, len(st.Wishes))
	for i, w := range st.Wishes {
		handles[i] = w.Product
	}
	return components.WishlistList(q.cat.Site, cards(q.cat, handles, s.listSort(q, st, s.treatment(q)), ""))
}

func (s *Server) preferences(q *request) {
	s.serveFragment(q, "", func(st *shopper.State) (templ.Component, error) {
		return s.accountIsland(q, st)
	})
}

func (s *Server) cartPage(q *request) {
	s.page(q, q.cat.Site.T("cart.title"), func(st *shopper.State) templ.Component {
		v, _ := cartView(q.cat, st)
		return components.CartDrawer(q.cat.Site, v)
	})
}

func (s *Server) wishlistPage(q *request) {
	s.page(q, q.cat.Site.T("wishlist.title"), func(st *shopper.State) templ.Component { return s.wishlistList(q, st) })
}

func (s *Server) preferencesPage(q *request) {
	st, err := s.state(q)
	if err != nil {
		s.internalError(q, err)
		return
	}
	c, err := s.accountIsland(q, st)
	if err != nil {
		s.internalError(q, err)
		return
	}
	s.render(q, http.StatusOK, s.fullPage(q, q.cat.Site.T("preferences.title"), c))
}

// page renders a full page around a fragment, from fresh state.
func (s *Server) page(q *request, title string, body func(*shopper.State) templ.Component) {
	st, err := s.state(q)
	if err != nil {
		s.internalError(q, err)
		return
	}
	s.render(q, http.StatusOK, s.fullPage(q, title, body(st)))
}

func (s *Server) fullPage(q *request, title string, body templ.Component) templ.Component {
	m := components.SimpleMeta(q.cat.Site, title, "", true)
	return components.FragmentPage(q.cat.Site, m, title, body)
}

// productParam validates a product handle from a request: a published
// product of the store, or "".
func (s *Server) productParam(q *request, h string) string {
	if !catalog.ValidHandle(h) {
		return ""
	}
	if p := q.cat.Store.Product(h); p != nil && p.Published() {
		return h
	}
	return ""
}

// Writes: validated against the catalog, committed to the durable store,
// then the hot copy is refreshed; the answer is the changed fragment with an
// HX-Trigger event so dependent islands refresh. Without htmx the browser
// is sent (303) to the matching full page. Bad input answers with a clear
// message in the fragment and changes nothing.

// formError answers bad input: inside the fragment for htmx, as a full page
// otherwise.
func (s *Server) formError(q *request, fragment templ.Component, title, msg string) {
	if q.htmx {
		// htmx does not swap 4xx answers by default: the message is the
		// content, so it goes with 200.
		s.render(q, http.StatusOK, fragment)
		return
	}
	body := components.BuyStatus(msg, true)
	m := components.SimpleMeta(q.cat.Site, title, "", true)
	s.render(q, http.StatusUnprocessableEntity, components.ErrorPage(q.cat.Site, m, title, body, s.backLink(q)))
}

// backLink is where a shopper who met an error goes back to: the store
// page they came from (the Referer, when it is one of this store's pages
// on this host), else the store's home.
func (s *Server) backLink(q *request) components.NavLink {
	site := q.cat.Site
	if ref, err := url.Parse(q.r.Referer()); err == nil && ref.Host == q.r.Host &&
		strings.HasPrefix(ref.Path, site.BasePath) && !strings.HasPrefix(ref.Path, site.IslandPath("")) {
		return components.NavLink{Title: site.T("error.back"), Path: ref.RequestURI()}
	}
	return components.NavLink{Title: site.T("cart.continue"), Path: site.Path("")}
}

// done answers a successful write. header/event, when set, announce the
// change to other islands: HX-Trigger fires before the swap (for answers
// that replace something other than the listeners), HX-Trigger-After-Settle
// after it (so the island being replaced does not refetch itself).
func (s *Server) done(q *request, header, event string, fragment templ.Component, page string) {
	if !q.htmx {
		http.Redirect(q.w, q.r, q.cat.Site.IslandPath(page), http.StatusSeeOther)
		return
	}
	if header != "" {
		q.w.Header().Set(header, event)
	}
	s.render(q, http.StatusOK, fragment)
}

func (s *Server) form(q *request) bool {
	if err := q.r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			http.Error(q.w, q.cat.Site.T("error.too_large"), http.StatusRequestEntityTooLarge)
		} else {
			http.Error(q.w, q.cat.Site.T("error.bad_form"), http.StatusBadRequest)
		}
		return false
	}
	return true
}

// quantity parses a quantity field within lo..shopper.MaxQuantity.
func quantity(v string, lo int) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < lo || n > shopper.MaxQuantity {
		return 0, false
	}
	return n, true
}

// recordProductView records the shopper's view of product (a validated
// handle: "" is answered 400) and acknowledges it; false when it answered
// an error.
func (s *Server) recordProductView(q *request, product string) (*shopper.State, bool) {
	if product == "" {
		http.Error(q.w, q.cat.Site.T("error.unknown_product"), http.StatusBadRequest)
		return nil, false
	}
	st, err := s.store.RecordView(q.r.Context(), q.cat.Store.Handle, q.id, product, s.now())
	if err != nil {
		s.internalError(q, err)
		return nil, false
	}
	s.acknowledge(q, st)
	return st, true
}

func (s *Server) recordView(q *request) {
	if !s.form(q) {
		return
	}
	product := s.productParam(q, q.r.PostForm.Get("product"))
	st, ok := s.recordProductView(q, product)
	if !ok {
		return
	}
	if !q.htmx {
		http.Redirect(q.w, q.r, q.cat.Site.ProductPath(product), http.StatusSeeOther)
		return
	}
	s.render(q, http.StatusOK, s.recentList(q, st, product))
}

func (s *Server) cartAdd(q *request) {
	if !s.form(q) {
		return
	}
	f := q.r.PostForm
	t := q.cat.Site
	fail := func(msg string) { s.formError(q, components.BuyStatus(msg, true), t.T("add.failed"), msg) }
	p := q.cat.Store.Product(s.productParam(q, f.Get("product")))
	if p == nil {
		fail(t.T("add.gone"))
		return
	}
	vid := f.Get("variant")
	if vid == "" && len(p.Variants) == 1 {
		vid = p.Variants[0].ID
	}
	v := p.Variant(vid)
	if v == nil {
		fail(t.T("add.choose_option"))
		return
	}
	qty, ok := quantity(f.Get("quantity"), 1)
	if !ok {
		fail(t.T("quantity.range", t.Msg().Int(1), t.Msg().Int(shopper.MaxQuantity)))
		return
	}
	label := p.Title
	if v.Title != catalog.DefaultVariantTitle {
		label += " (" + v.Title + ")"
	}
	if !v.Available {
		fail(t.T("add.sold_out", label))
		return
	}
	if v.Tracked {
		st, err := s.state(q)
		if err != nil {
			s.internalError(q, err)
			return
		}
		have := 0
		for _, l := range st.Cart {
			if l.Product == p.Handle && l.Variant == v.ID {
				have = l.Quantity
			}
		}
		if have+qty > v.Inventory {
			if left := v.Inventory - have; left > 0 {
				fail(t.N("add.only_more", left, label))
			} else {
				fail(t.N("add.all_in_cart", v.Inventory, label))
			}
			return
		}
	}
	st, err := s.store.AddToCart(q.r.Context(), q.cat.Store.Handle, q.id, p.Handle, v.ID, qty, v.Price.Amount)
	switch {
	case errors.Is(err, shopper.ErrCartFull):
		fail(t.N("add.cart_full", shopper.MaxCartLines))
		return
	case errors.Is(err, shopper.ErrQuantity):
		fail(t.T("quantity.range", t.Msg().Int(1), t.Msg().Int(shopper.MaxQuantity)))
		return
	case err != nil:
		s.internalError(q, err)
		return
	}
	if len(st.Cart) == 1 && st.Cart[0].Quantity == qty {
		s.ops.Add(q.cat.Store.Handle, ops.Carts, "created", 1) // it was empty
	}
	s.convert(q, catalog.GoalAddToCart, 0)
	s.acknowledge(q, st)
	s.cartChanged(q)
	s.done(q, hxTrigger, components.EventCartChanged, components.BuyStatus(t.T("add.added", t.Msg().Int(int64(qty)), label), false), components.RouteCartPage)
}

func (s *Server) cartSet(q *request) {
	if !s.form(q) {
		return
	}
	f := q.r.PostForm
	st, err := s.state(q)
	if err != nil {
		s.internalError(q, err)
		return
	}
	t := q.cat.Site
	fail := func(msg string) {
		v, _ := cartView(q.cat, st)
		v.Error = msg
		s.formError(q, components.CartDrawer(q.cat.Site, v), t.T("cart.update_failed"), msg)
	}
	product, variant := f.Get("product"), f.Get("variant")
	if !catalog.ValidHandle(product) || len(variant) == 0 || len(variant) > 255 {
		fail(t.T("cart.not_in_cart"))
		return
	}
	qty, ok := quantity(f.Get("quantity"), 0)
	if !ok {
		fail(t.T("quantity.range", t.Msg().Int(0), t.Msg().Int(shopper.MaxQuantity)))
		return
	}
	if qty > 0 {
		p := q.cat.Store.Product(product)
		var v *catalog.Variant
		if p != nil && p.Published() {
			v = p.Variant(variant)
		}
		switch {
		case v == nil || !v.Available:
			fail(t.T("cart.unavailable"))
			return
		case v.Tracked && qty > v.Inventory:
			fail(t.N("cart.only_in_stock", v.Inventory, p.Title))
			return
		}
	}
	st2, err := s.store.SetQuantity(q.r.Context(), q.cat.Store.Handle, q.id, product, variant, qty)
	switch {
	case errors.Is(err, shopper.ErrNotInCart):
		fail(t.T("cart.no_longer_in_cart"))
		return
	case errors.Is(err, shopper.ErrQuantity):
		fail(t.T("quantity.range", t.Msg().Int(0), t.Msg().Int(shopper.MaxQuantity)))
		return
	case err != nil:
		s.internalError(q, err)
		return
	}
	s.acknowledge(q, st2)
	s.cartChanged(q)
	v, _ := cartView(q.cat, st2)
	if qty == 0 {
		v.Message = t.T("cart.removed")
	} else {
		v.Message = t.T("cart.updated")
	}
	// The drawer is the answer; the badge rides along out of band.
	name, banner := s.greeting(q, st2, s.treatment(q))
	badge := components.CartBadgeOOB(q.cat.Site, st2.CartQuantity(), name, banner)
	s.done(q, "", "", templ.Join(components.CartDrawer(q.cat.Site, v), badge), components.RouteCartPage)
}

func (s *Server) wishlistToggle(q *request) {
	if !s.form(q) {
		return
	}
	product := s.productParam(q, q.r.PostForm.Get("product"))
	if product == "" {
		http.Error(q.w, q.cat.Site.T("error.unknown_product"), http.StatusBadRequest)
		return
	}
	// The page's button without JavaScript cannot know whether the
	// product is saved: it asks to save (want=on), which never removes.
	if q.r.PostForm.Get("want") == "on" {
		if st, err := s.state(q); err == nil && st.Wished(product) {
			s.done(q, "", "", components.WishlistButton(q.cat.Site, product, true), components.RouteWishlistPage)
			return
		}
	}
	st, on, err := s.store.ToggleWishlist(q.r.Context(), q.cat.Store.Handle, q.id, product)
	if errors.Is(err, shopper.ErrWishlistFull) {
		msg := q.cat.Site.N("wishlist.full", shopper.MaxWishlist)
		s.formError(q, components.BuyStatus(msg, true), q.cat.Site.T("wishlist.full_title"), msg)
		return
	}
	if err != nil {
		s.internalError(q, err)
		return
	}
	s.acknowledge(q, st)
	s.done(q, hxTrigger, components.EventWishlistChanged, components.WishlistButton(q.cat.Site, product, on), components.RouteWishlistPage)
}

// cleanName keeps a greeting name printable and short.
func cleanName(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > shopper.MaxGreetingName {
		return "", false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", false
		}
	}
	return s, true
}

func (s *Server) savePreferences(q *request) {
	if !s.form(q) {
		return
	}
	st, err := s.state(q)
	if err != nil {
		s.internalError(q, err)
		return
	}
	fail := func(msg string) {
		v := preferencesView(q.cat, st)
		v.Error = msg
		s.formError(q, components.PreferencesForm(q.cat.Site, v), q.cat.Site.T("preferences.failed"), msg)
	}
	name, ok := cleanName(q.r.PostForm.Get("name"))
	if !ok {
		fail(q.cat.Site.N("preferences.name_too_long", shopper.MaxGreetingName))
		return
	}
	sort := catalog.SortOrder(q.r.PostForm.Get("sort"))
	if sort != "" && !sort.Valid() {
		fail(q.cat.Site.T("preferences.bad_sort"))
		return
	}
	st, err = s.store.SetPreferences(q.r.Context(), q.cat.Store.Handle, q.id, shopper.Preferences{Name: name, Sort: sort})
	if err != nil {
		s.internalError(q, err)
		return
	}
	s.acknowledge(q, st)
	v := preferencesView(q.cat, st)
	v.Saved = true
	s.done(q, hxTriggerAfterSettle, components.EventPrefsChanged, components.PreferencesForm(q.cat.Site, v), components.RoutePreferencesPage)
}

// checkout turns the cart into an order at today's prices, in one
// transaction with emptying the cart; for a store with its own checkout
// (Options.Checkouts) it hands the cart over instead (see handoff). It
// reads the durable state, not the hot copy: an order is made from what
// was committed.
func (s *Server) checkout(q *request) {
	if !s.form(q) {
		return
	}
	if action := q.r.PostForm.Get("action"); action != "" && s.checkouts[q.cat.Store.Handle] == nil {
		s.localCheckout(q, action)
		return
	}
	ctx := q.r.Context()
	st, err := s.store.Load(ctx, q.cat.Store.Handle, q.id)
	if err != nil {
		s.internalError(q, err)
		return
	}
	v, ok := cartView(q.cat, st)
	fail := func(msg string) {
		v.Error = msg
		s.formError(q, components.CartDrawer(q.cat.Site, v), q.cat.Site.T("cart.checkout_failed"), msg)
	}
	// msgCartChanged answers a checkout of a cart other than the one shown.
	msgCartChanged := q.cat.Site.T("cart.checkout_changed")
	if len(st.Cart) == 0 {
		fail(q.cat.Site.T("cart.empty"))
		return
	}
	if q.r.PostForm.Get("cart") != v.Token {
		// Another tab or device changed the cart, or a price changed,
		// since the shopper was shown it: show them the cart as it is.
		fail(msgCartChanged)
		return
	}
	if !ok {
		fail(q.cat.Site.T("cart.checkout_review"))
		return
	}
	if co := s.checkouts[q.cat.Store.Handle]; co != nil {
		s.handoff(q, co, st, v)
		return
	}
	// The cart is the one shown: on to the checkout form (address,
	// shipping, the final total), where the order is placed.
	if q.htmx {
		q.w.Header().Set(hxRedirect, q.cat.Site.IslandPath(components.RouteCheckout))
		q.w.WriteHeader(http.StatusOK)
		return
	}
	http.Redirect(q.w, q.r, q.cat.Site.IslandPath(components.RouteCheckout), http.StatusSeeOther)
}
