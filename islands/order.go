// The store's own checkout (embedded stores): the form, its pricing, the
// order and its confirmation page, and the account's order history.

package islands

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/a-h/templ"
	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/catalog/totals"
	"github.com/wandstore/wandstore/components"
	"github.com/wandstore/wandstore/islands/shopper"
)

// Payment takes an order's payment. The embedded default, Invoice, takes
// nothing when the order is placed: the shopper pays on delivery or by
// invoice. A provider implements Begin to send the shopper to its payment
// page (and confirms the payment by its own webhook, out of this server's
// request path).
type Payment interface {
	// Method is recorded on the order ("invoice").
	Method() string
	// Begin is called once the order is committed, with its confirmation
	// URL; it returns where to send the shopper: "" for the confirmation
	// page (nothing to pay now), else a provider's page. An error leaves
	// the order placed and shows its confirmation page.
	Begin(ctx context.Context, o *shopper.Order, confirmation string) (redirect string, err error)
}

// Invoice is pay on delivery or by invoice: nothing happens at checkout.
type Invoice struct{}

// Method implements Payment.
func (Invoice) Method() string { return "invoice" }

// Begin implements Payment.
func (Invoice) Begin(context.Context, *shopper.Order, string) (string, error) { return "", nil }

// maxField bounds every text field of the checkout form, in characters.
const maxField = 200

// checkoutInput is the form as posted, trimmed.
type checkoutInput struct {
	email, name, line1, line2, city, region, postal, country, method string
}

func readCheckoutInput(r *http.Request) checkoutInput {
	f := r.PostForm
	g := func(k string) string { return strings.TrimSpace(f.Get(k)) }
	return checkoutInput{email: g("email"), name: g("name"), line1: g("line1"), line2: g("line2"), city: g("city"),
		region: g("region"), postal: g("postal_code"), country: g("country"), method: g("method")}
}

// quoted is the checkout priced: the lines as they would be ordered, the
// totals, and the methods offered for the country.
type quoted struct {
	lines   []shopper.OrderLine
	added   []int64 // each line's unit price when added to the cart (0: not known)
	totals  totals.Totals
	methods []catalog.ShippingMethod
	method  *catalog.ShippingMethod
	cart    string // the cart token (cartView's) of what is priced
	ok      bool   // every line can be bought as it is
	quote   string // names everything the shopper is shown
}

// price prices the durable cart for the country and method from the
// current catalog. An unknown country gets no methods; an unknown method
// (or none) is priced without shipping and method is nil.
func price(c *Catalog, st *shopper.State, country, method string) (quoted, error) {
	co := c.Store.Checkout
	cv, ok := cartView(c, st)
	q := quoted{cart: cv.Token, ok: ok, methods: co.MethodsFor(country)}
	for i := range q.methods {
		if q.methods[i].ID == method {
			q.method = &q.methods[i]
		}
	}
	var tl []totals.Line
	for _, l := range st.Cart {
		p := c.Store.Product(l.Product)
		if p == nil || !p.Published() {
			continue
		}
		v := p.Variant(l.Variant)
		if v == nil || !v.Available {
			continue
		}
		ol := shopper.OrderLine{Product: p.Handle, Variant: v.ID, Title: p.Title, SKU: v.SKU, Quantity: l.Quantity, UnitPrice: v.Price}
		if catalog.ShowsVariant(v.Title) {
			ol.VariantTitle = v.Title
		}
		q.lines = append(q.lines, ol)
		q.added = append(q.added, l.Price)
		tl = append(tl, totals.Line{UnitPrice: v.Price, Quantity: l.Quantity})
	}
	t, err := totals.Compute(c.Store.Currency, tl, q.method, co.TaxFor(country))
	if err != nil {
		return q, err
	}
	q.totals = t
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d\x00%d\x00%d\x00%d", q.cart, country, method, t.Subtotal.Amount, t.Shipping.Amount, t.Tax.Amount, t.Total.Amount)
	q.quote = hex.EncodeToString(h.Sum(nil)[:16])
	return q, nil
}

// checkoutView fills the form from the input and the pricing.
func checkoutView(c *Catalog, in checkoutInput, q quoted) components.CheckoutView {
	s := c.Site
	co := c.Store.Checkout
	v := components.CheckoutView{Email: in.email, Name: in.name, Line1: in.line1, Line2: in.line2, City: in.city,
		Region: in.region, PostalCode: in.postal, Country: in.country, Method: in.method,
		CartToken: q.cart, Quote: q.quote, Errors: map[string]string{},
		PaymentLabel: s.T("checkout.payment_invoice")}
	for _, code := range co.Countries {
		v.Countries = append(v.Countries, components.NavLink{Handle: code, Title: s.CountryName(code)})
	}
	for _, m := range q.methods {
		free := !m.FreeOver.IsZero() && q.totals.Subtotal.Amount >= m.FreeOver.Amount
		o := components.ShippingOptionView{ID: m.ID, Name: m.Name, Price: s.Money(m.Rate), Free: free || m.Rate.IsZero()}
		if !m.FreeOver.IsZero() && !free {
			o.Name += " " + s.T("checkout.free_over", s.Money(m.FreeOver))
		}
		v.Methods = append(v.Methods, o)
	}
	for i, l := range q.lines {
		lv := components.OrderLineView{Title: l.Title, VariantTitle: l.VariantTitle,
			Quantity: s.Msg().Int(int64(l.Quantity)), UnitPrice: s.Money(l.UnitPrice), LineTotal: s.Money(l.UnitPrice.Times(l.Quantity))}
		lv.PriceWas = priceWas(s, q.added[i], l.UnitPrice)
		v.Lines = append(v.Lines, lv)
	}
	t := q.totals
	v.Subtotal, v.Tax, v.Total = s.Money(t.Subtotal), s.Money(t.Tax), s.Money(t.Total)
	v.Shipping = s.Money(t.Shipping)
	if q.method == nil {
		v.Shipping = "—"
	} else if t.Shipping.IsZero() {
		v.Shipping = s.T("checkout.free")
	}
	v.TaxRate, v.TaxInclusive, v.HasTax = totals.FormatRate(t.Rate), t.Inclusive, t.Rate > 0
	return v
}

// checkoutPage is the checkout form, as a full page, filled with the
// shopper's last order's email and address (when there is one), else
// priced for the first country the store ships to and its first method.
func (s *Server) checkoutPage(q *request) {
	if s.checkouts[q.cat.Store.Handle] != nil || !q.cat.Store.Checkout.Enabled() {
		s.notFoundPage(q)
		return
	}
	st, err := s.store.Load(q.r.Context(), q.cat.Store.Handle, q.id)
	if err != nil {
		s.internalError(q, err)
		return
	}
	title := q.cat.Site.T("checkout.title")
	if len(st.Cart) == 0 {
		v, _ := cartView(q.cat, st)
		s.render(q, http.StatusOK, s.fullPage(q, title, components.CartDrawer(q.cat.Site, v)))
		return
	}
	co := q.cat.Store.Checkout
	in, err := s.lastAddress(q)
	if err != nil {
		s.internalError(q, err)
		return
	}
	if !co.Ships(in.country) {
		in.country, in.method = co.Countries[0], ""
	}
	ms := co.MethodsFor(in.country)
	if len(ms) > 0 && !slices.ContainsFunc(ms, func(m catalog.ShippingMethod) bool { return m.ID == in.method }) {
		in.method = ms[0].ID
	}
	pq, err := price(q.cat, st, in.country, in.method)
	if err != nil {
		s.internalError(q, err)
		return
	}
	v := checkoutView(q.cat, in, pq)
	if !pq.ok {
		v.Error = q.cat.Site.T("checkout.cart_problem")
	}
	s.render(q, http.StatusOK, s.fullPage(q, title, components.CheckoutForm(q.cat.Site, v)))
}

// lastAddress is what the shopper gave at their last order in the store
// (email, address, method), to fill the form again; empty for a first
// order.
func (s *Server) lastAddress(q *request) (checkoutInput, error) {
	if q.fresh {
		return checkoutInput{}, nil
	}
	ctx := q.r.Context()
	last, err := s.store.Orders(ctx, q.cat.Store.Handle, q.id, 1)
	if err != nil || len(last) == 0 {
		return checkoutInput{}, err
	}
	o, err := s.store.Order(ctx, q.cat.Store.Handle, q.id, last[0].Token)
	if err != nil || o == nil {
		return checkoutInput{}, err
	}
	a := o.Address
	return checkoutInput{email: o.Email, name: a.Name, line1: a.Line1, line2: a.Line2, city: a.City, region: a.Region,
		postal: a.PostalCode, country: a.Country, method: o.Shipping.Method}, nil
}

// validEmail accepts a bare address (no display name) of at most 254
// bytes.
func validEmail(e string) bool {
	if e == "" || len(e) > 254 || strings.ContainsAny(e, "\r\n<>\" ,;") {
		return false
	}
	a, err := mail.ParseAddress(e)
	return err == nil && a.Address == e && a.Name == "" && strings.Contains(e[strings.LastIndexByte(e, '@')+1:], ".")
}

// cleanField checks a text field: valid UTF-8, at most maxField
// characters, no control characters (a CR or LF would reach an email's
// lines).
func cleanField(v string) bool {
	if !utf8.ValidString(v) || utf8.RuneCountInString(v) > maxField {
		return false
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// validate says what is wrong with the input, by field.
func validate(c *Catalog, in checkoutInput, pq quoted) map[string]string {
	t := c.Site.T
	errs := map[string]string{}
	if !validEmail(in.email) {
		errs["email"] = t("checkout.err_email")
	}
	for _, f := range []struct {
		name, value string
		required    bool
	}{{"name", in.name, true}, {"line1", in.line1, true}, {"line2", in.line2, false}, {"city", in.city, true},
		{"region", in.region, false}, {"postal_code", in.postal, true}} {
		switch {
		case !cleanField(f.value):
			errs[f.name] = t("checkout.err_text", maxField)
		case f.required && f.value == "":
			errs[f.name] = t("checkout.err_required")
		}
	}
	switch {
	case !c.Store.Checkout.Ships(in.country):
		errs["country"] = t("checkout.err_country")
	case len(pq.methods) == 0:
		errs["method"] = t("checkout.no_method")
	case pq.method == nil:
		errs["method"] = t("checkout.err_method")
	}
	return errs
}

// localCheckout answers the checkout form: action "quote" prices it again
// (a change of country or method), "place" orders. Totals always come from
// the cart in the database and the catalog now, never from the form; an
// order is placed only if what the shopper was shown (the quote: cart,
// prices, shipping, tax, total) is still what it costs, else the form
// comes back with the new total to read first.
func (s *Server) localCheckout(q *request, action string) {
	ctx := q.r.Context()
	site := q.cat.Site
	title := site.T("checkout.title")
	if !q.cat.Store.Checkout.Enabled() {
		s.notFoundPage(q)
		return
	}
	st, err := s.store.Load(ctx, q.cat.Store.Handle, q.id)
	if err != nil {
		s.internalError(q, err)
		return
	}
	in := readCheckoutInput(q.r)
	pq, err := price(q.cat, st, in.country, in.method)
	if err != nil {
		s.internalError(q, err)
		return
	}
	if action != "place" && pq.method == nil && len(pq.methods) > 0 {
		// Pricing for a country the chosen method does not serve: show the
		// country's first method, priced (placing never picks one unseen).
		in.method = pq.methods[0].ID
		if pq, err = price(q.cat, st, in.country, in.method); err != nil {
			s.internalError(q, err)
			return
		}
	}
	v := checkoutView(q.cat, in, pq)
	answer := func(status int) {
		if q.htmx {
			s.render(q, http.StatusOK, components.CheckoutForm(site, v))
			return
		}
		s.render(q, status, s.fullPage(q, title, components.CheckoutForm(site, v)))
	}
	if len(st.Cart) == 0 {
		v.Error = site.T("checkout.empty")
		answer(http.StatusUnprocessableEntity)
		return
	}
	if !pq.ok {
		v.Error = site.T("checkout.cart_problem")
		answer(http.StatusUnprocessableEntity)
		return
	}
	errs := validate(q.cat, in, pq)
	if action != "place" {
		// Pricing again: only what makes the price wrong is said.
		for k := range errs {
			if k == "country" || k == "method" {
				v.Errors[k] = errs[k]
			}
		}
		answer(http.StatusOK)
		return
	}
	if len(errs) > 0 {
		v.Errors = errs
		v.Error = site.T("checkout.err_form")
		answer(http.StatusUnprocessableEntity)
		return
	}
	if q.r.PostForm.Get("quote") != pq.quote {
		// The cart, a price, the country or the method changed since the
		// form was priced: show the new total before taking the order.
		v.Notice = site.T("checkout.total_changed", v.Total)
		answer(http.StatusConflict)
		return
	}
	pay := s.payment(q.cat.Store.Handle)
	t := pq.totals
	o := &shopper.Order{Lines: pq.lines, Subtotal: t.Subtotal, Email: in.email,
		Address: shopper.Address{Name: in.name, Line1: in.line1, Line2: in.line2, City: in.city, Region: in.region,
			PostalCode: in.postal, Country: in.country},
		Shipping: shopper.Shipping{Method: pq.method.ID, Name: pq.method.Name, Amount: t.Shipping},
		Tax:      t.Tax, TaxRate: t.Rate, TaxInclusive: t.Inclusive, Total: t.Total, Payment: pay.Method()}
	ord, st2, err := s.store.PlaceOrder(ctx, q.cat.Store.Handle, q.id, o, s.notify)
	if err == nil {
		s.convert(q, catalog.GoalCheckout, ord.Total.Amount)
	}
	if errors.Is(err, shopper.ErrCartChanged) || errors.Is(err, shopper.ErrEmptyCart) {
		// Changed between the read above and the order's transaction.
		if st, err = s.store.Load(ctx, q.cat.Store.Handle, q.id); err != nil {
			s.internalError(q, err)
			return
		}
		if pq, err = price(q.cat, st, in.country, in.method); err != nil {
			s.internalError(q, err)
			return
		}
		v = checkoutView(q.cat, in, pq)
		v.Notice = site.T("checkout.total_changed", v.Total)
		answer(http.StatusConflict)
		return
	}
	if err != nil {
		s.internalError(q, err)
		return
	}
	s.acknowledge(q, st2)
	s.orderConfirmed(q)
	s.log.Info("order placed", "store", q.cat.Store.Handle, "order", ord.Number, "lines", len(ord.Lines), "total", ord.Total.String())
	next := site.OrderPath(ord.Token)
	if to, err := pay.Begin(ctx, ord, next); err != nil {
		s.log.Error("payment", "store", q.cat.Store.Handle, "order", ord.Number, "err", err)
	} else if to != "" {
		next = to
	}
	if q.htmx {
		q.w.Header().Set(hxRedirect, next)
		q.w.WriteHeader(http.StatusOK)
		return
	}
	http.Redirect(q.w, q.r, next, http.StatusSeeOther)
}

func (s *Server) payment(store string) Payment {
	if p := s.payments[store]; p != nil {
		return p
	}
	return Invoice{}
}

// orderPage is an order's confirmation, at <base path>orders/<token>/,
// answered only to the shopper who placed it: for anyone else, and for a
// token that does not exist, the same 404.
func (s *Server) orderPage(q *request) {
	rest, ok := strings.CutPrefix(q.r.URL.Path, q.cat.Site.OrdersPrefix())
	if !ok {
		rest, ok = strings.CutPrefix(q.r.URL.Path, q.cat.Site.IslandPath(components.RouteOrder))
	}
	token, slash := strings.CutSuffix(rest, "/")
	if q.fresh || !ok || !slash || !validToken(token) {
		s.notFoundPage(q)
		return
	}
	o, err := s.store.Order(q.r.Context(), q.cat.Store.Handle, q.id, token)
	if err != nil {
		s.internalError(q, err)
		return
	}
	if o == nil { // unknown, or another shopper's: the same answer
		s.notFoundPage(q)
		return
	}
	site := q.cat.Site
	s.render(q, http.StatusOK, s.fullPage(q, site.T("checkout.order_title", o.Number), components.OrderPage(site, orderPageView(q.cat, o))))
}

func validToken(t string) bool {
	if len(t) != 32 {
		return false
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// notFoundPage answers 404 with a page that leads back to the store.
func (s *Server) notFoundPage(q *request) {
	site := q.cat.Site
	title := site.T("checkout.not_found")
	m := components.SimpleMeta(site, title, "", true)
	body := components.BuyStatus(site.T("checkout.not_found_text"), true)
	s.render(q, http.StatusNotFound, components.ErrorPage(site, m, title, body, s.backLink(q)))
}

func orderPageView(c *Catalog, o *shopper.Order) components.OrderPageView {
	s := c.Site
	v := components.OrderPageView{Number: o.Number, Date: s.Msg().Date(o.CreatedAt), Email: o.Email,
		Subtotal: s.Money(o.Subtotal), Shipping: s.Money(o.Shipping.Amount), Tax: s.Money(o.Tax), Total: s.Money(o.Total),
		TaxRate: totals.FormatRate(o.TaxRate), TaxInclusive: o.TaxInclusive, HasTax: o.TaxRate > 0,
		ShippingName: o.Shipping.Name, PaymentLabel: s.T("checkout.payment_invoice")}
	if o.Shipping.Amount.IsZero() {
		v.Shipping = s.T("checkout.free")
	}
	for _, l := range o.Lines {
		v.Lines = append(v.Lines, components.OrderLineView{Title: l.Title, VariantTitle: l.VariantTitle,
			Quantity: strconv.Itoa(l.Quantity), UnitPrice: s.Money(l.UnitPrice), LineTotal: s.Money(l.UnitPrice.Times(l.Quantity))})
	}
	v.AddressLines = o.Address.Lines(s.CountryName(o.Address.Country))
	return v
}

// accountIsland is the account page's island: preferences and orders.
func (s *Server) accountIsland(q *request, st *shopper.State) (templ.Component, error) {
	var orders []shopper.OrderSummary
	if !q.fresh {
		var err error
		if orders, err = s.store.Orders(q.r.Context(), q.cat.Store.Handle, q.id, shopper.MaxOrderHistory); err != nil {
			return nil, err
		}
	}
	site := q.cat.Site
	views := make([]components.OrderSummaryView, len(orders))
	for i, o := range orders {
		views[i] = components.OrderSummaryView{Number: o.Number, Date: site.Msg().Date(o.CreatedAt), Total: site.Money(o.Total),
			Items: o.Items, Path: site.OrderPath(o.Token)}
	}
	return components.AccountIsland(site, preferencesView(q.cat, st), views), nil
}
