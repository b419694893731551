package islands

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/wandstore/wandstore/catalog/totals"
)

// goodAddress is a checkout form's fields, filled in as a shopper would.
func goodAddress() url.Values {
	return url.Values{"email": {"ada@example.com"}, "name": {"Ada Lovelace"}, "line1": {"12 St James's Square"},
		"city": {"Springfield"}, "postal_code": {"12345"}, "country": {"US"}, "method": {"owl-post"}}
}

// checkoutForm GETs the checkout page and returns its form's fields as
// the server filled them (cart and quote tokens included).
func (c *client) checkoutForm() (url.Values, *goquery.Document) {
	c.e.t.Helper()
	a := c.do("GET", c.e.base+"checkout", nil, false)
	if a.status != 200 {
		c.e.t.Fatalf("checkout page: %d %s", a.status, a.body)
	}
	d := a.doc(c.e.t)
	return formValues(d), d
}

func formValues(d *goquery.Document) url.Values {
	f := url.Values{}
	d.Find("#checkout input").Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		typ, _ := s.Attr("type")
		val, _ := s.Attr("value")
		if typ == "radio" {
			if _, on := s.Attr("checked"); !on {
				return
			}
		}
		f.Set(name, val)
	})
	d.Find("#checkout select option[selected]").Each(func(_ int, s *goquery.Selection) {
		val, _ := s.Attr("value")
		f.Set("country", val)
	})
	return f
}

// quote prices the form with the given fields (htmx), returning the
// re-rendered form's fields.
func (c *client) quote(f url.Values) (url.Values, answer) {
	c.e.t.Helper()
	f.Set("action", "quote")
	a := c.do("POST", c.e.base+"checkout", f, true)
	if a.status != 200 {
		c.e.t.Fatalf("quote: %d %s", a.status, a.body)
	}
	return formValues(a.doc(c.e.t)), a
}

// placeOrder checks out the cart with the address (goodAddress when nil),
// as a browser with htmx does: prices the form for it, then places the
// order; it returns the order's token.
func (c *client) placeOrder(addr url.Values) string {
	c.e.t.Helper()
	if addr == nil {
		addr = goodAddress()
	}
	f, _ := c.checkoutForm()
	for k := range addr {
		f.Set(k, addr.Get(k))
	}
	f, _ = c.quote(f)
	for k := range addr {
		f.Set(k, addr.Get(k))
	}
	f.Set("action", "place")
	a := c.do("POST", c.e.base+"checkout", f, true)
	to := a.header.Get("HX-Redirect")
	prefix := c.e.cat.Site.OrdersPrefix()
	if a.status != 200 || !strings.HasPrefix(to, prefix) {
		c.e.t.Fatalf("place order: %d %q %s", a.status, to, a.body)
	}
	return strings.TrimSuffix(strings.TrimPrefix(to, prefix), "/")
}

// The form shows the totals computed by the server for the country and
// method, and the order records exactly them.
func TestCheckoutTotalsFromTheServer(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	p, v := e.variant(untracked)
	c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1")
	co := e.cat.Store.Checkout
	f, _ := c.checkoutForm()
	must(t, f.Get("country") == co.Countries[0] && f.Get("method") == co.MethodsFor(co.Countries[0])[0].ID, "defaults: %v", f)
	// Canada: 13% added, on shipping too.
	f.Set("country", "CA")
	f.Set("method", "owl-post")
	f, a := c.quote(f)
	owl := co.Method("owl-post")
	want, err := totals.Compute(e.cat.Store.Currency, []totals.Line{{UnitPrice: v.Price, Quantity: 1}}, owl, co.TaxFor("CA"))
	must(t, err == nil, "%v", err)
	doc := a.doc(t)
	loc := e.cat.Store.Locale
	must(t, doc.Find("[data-testid=checkout-total]").Text() == want.Total.Format(loc), "total %q, want %q", doc.Find("[data-testid=checkout-total]").Text(), want.Total.Format(loc))
	must(t, doc.Find("[data-testid=checkout-tax]").Text() == want.Tax.Format(loc) && want.Tax.Amount > 0, "tax %q", doc.Find("[data-testid=checkout-tax]").Text())
	// A tampered total field is ignored: the order records the server's.
	addr := goodAddress()
	addr.Set("country", "CA")
	for k := range addr {
		f.Set(k, addr.Get(k))
	}
	f.Set("total", "0.01")
	f.Set("action", "place")
	pl := c.do("POST", e.base+"checkout", f, false)
	must(t, pl.status == http.StatusSeeOther && strings.HasPrefix(pl.header.Get("Location"), e.cat.Site.OrdersPrefix()), "no-JS place: %d %s", pl.status, pl.body)
	token := strings.TrimSuffix(strings.TrimPrefix(pl.header.Get("Location"), e.cat.Site.OrdersPrefix()), "/")
	o, err := e.db.Order(t.Context(), e.cat.Store.Handle, c.id(), token)
	must(t, err == nil && o != nil, "order: %v", err)
	must(t, o.Total == want.Total && o.Tax == want.Tax && o.Shipping.Amount == want.Shipping && o.Address.Country == "CA" &&
		o.Email == "ada@example.com" && o.Lines[0].UnitPrice == v.Price, "order %+v, want %+v", o, want)
	// The page reloads (GET), and says the total.
	page := c.do("GET", e.cat.Site.OrderPath(token), nil, false)
	must(t, page.status == 200 && page.doc(t).Find("[data-testid=order-total]").Text() == want.Total.Format(loc), "order page %d", page.status)
	must(t, page.header.Get("Cache-Control") == "private, no-store", "cache-control %q", page.header.Get("Cache-Control"))
	// The account page lists it.
	acc := c.get("preferences")
	must(t, acc.doc(t).Find("[data-testid=order-history-item] a[href='"+e.cat.Site.OrderPath(token)+"']").Length() == 1, "history: %s", acc.body)
}

// Free shipping over the threshold: the banner's promise.
func TestCheckoutFreeShippingOverThreshold(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	p, v := e.variant(untracked)
	owl := e.cat.Store.Checkout.Method("owl-post")
	must(t, owl != nil && !owl.FreeOver.IsZero(), "the demo's owl post has a threshold")
	qty := int(owl.FreeOver.Amount/v.Price.Amount) + 1
	if qty > 99 {
		t.Skip("variant too cheap")
	}
	c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1")
	f, _ := c.checkoutForm()
	_, a := c.quote(f)
	must(t, v.Price.Amount >= owl.FreeOver.Amount || a.doc(t).Find("[data-testid=checkout-shipping]").Text() == owl.Rate.Format(e.cat.Store.Locale), "shipping below threshold: %s", a.doc(t).Find("[data-testid=checkout-shipping]").Text())
	c.post("cart/set", "product", p.Handle, "variant", v.ID, "quantity", strconv.Itoa(qty))
	f, _ = c.checkoutForm()
	_, a = c.quote(f)
	must(t, a.doc(t).Find("[data-testid=checkout-shipping]").Text() == "Free", "shipping over threshold: %q", a.doc(t).Find("[data-testid=checkout-shipping]").Text())
}

// Bad input: each says what is wrong, keeps what the shopper typed, and
// orders nothing.
func TestCheckoutBadInput(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	p, v := e.variant(untracked)
	c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1")
	base, _ := c.checkoutForm()
	for _, tc := range []struct {
		name, field, value, problem string
	}{
		{"missing email", "email", "", "email"},
		{"invalid email", "email", "ada@", "email"},
		{"email with a name", "email", "Ada <ada@example.com>", "email"},
		{"email with CR/LF", "email", "ada@example.com\r\nBcc: x@example.com", "email"},
		{"name with CR/LF", "name", "Ada\r\nBcc: victim@example.com", "name"},
		{"missing city", "city", "", "city"},
		{"too long", "line1", strings.Repeat("x", maxField+1), "line1"},
		{"unknown country", "country", "ZZ", "country"},
		{"no method for the country", "method", "broom-express", "method"}, // broom express: US only; country CA below
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := url.Values{}
			for k := range base {
				f.Set(k, base.Get(k))
			}
			for k, vs := range goodAddress() {
				f.Set(k, vs[0])
			}
			if tc.problem == "method" {
				f.Set("country", "CA")
			}
			f.Set(tc.field, tc.value)
			f.Set("action", "place")
			a := c.do("POST", e.base+"checkout", f, false)
			must(t, a.status == http.StatusUnprocessableEntity, "status %d", a.status)
			doc := a.doc(t)
			must(t, doc.Find("[data-testid=checkout-problem-"+tc.problem+"]").Length() == 1, "no problem shown on %s: %s", tc.problem, doc.Find("#checkout").Text())
			// The shopper's input is kept.
			if tc.field != "country" && tc.field != "method" && !strings.ContainsAny(tc.value, "\r\n") {
				got, _ := doc.Find("[name=" + tc.field + "]").Attr("value")
				must(t, got == tc.value, "%s not kept: %q", tc.field, got)
			}
			if tc.field != "name" {
				got, _ := doc.Find("[name=name]").Attr("value")
				must(t, got == "Ada Lovelace", "name not kept: %q", got)
			}
			must(t, c.cartCount() == 1, "ordered despite bad input")
		})
	}
}

// The shopper sees the final total before the order: a price changed since
// the form was shown orders nothing and shows the new total.
func TestCheckoutPriceChangedShowsNewTotal(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	p, v := e.variant(untracked)
	c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1")
	f, _ := c.checkoutForm()
	for k, vs := range goodAddress() {
		f.Set(k, vs[0])
	}
	f, _ = c.quote(f)
	for k, vs := range goodAddress() {
		f.Set(k, vs[0])
	}
	e.reprice(p, v.ID, v.Price.Amount+1000)
	f.Set("action", "place")
	a := c.do("POST", e.base+"checkout", f, true)
	doc := a.doc(t)
	newTotal := doc.Find("[data-testid=checkout-total]").Text()
	must(t, strings.Contains(doc.Find("[data-testid=checkout-notice]").Text(), newTotal) && newTotal != "", "notice %q total %q", doc.Find("[data-testid=checkout-notice]").Text(), newTotal)
	must(t, c.cartCount() == 1, "ordered at a price not shown")
	// Placing the re-shown form orders at the new price.
	f2 := formValues(doc)
	for k, vs := range goodAddress() {
		f2.Set(k, vs[0])
	}
	f2.Set("action", "place")
	a = c.do("POST", e.base+"checkout", f2, true)
	must(t, strings.HasPrefix(a.header.Get("HX-Redirect"), e.cat.Site.OrdersPrefix()), "second place: %d %s", a.status, a.body)
}

func TestCheckoutEmptyCartAndHugeBody(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	p, v := e.variant(untracked)
	c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1")
	f, _ := c.checkoutForm()
	c.placeOrder(nil)
	// The same form again: the cart is empty now.
	for k, vs := range goodAddress() {
		f.Set(k, vs[0])
	}
	f.Set("action", "place")
	a := c.do("POST", e.base+"checkout", f, false)
	must(t, a.status == http.StatusUnprocessableEntity && strings.Contains(a.body, "Your cart is empty"), "empty: %d", a.status)
	// A huge body is refused before it is read whole.
	f.Set("name", strings.Repeat("x", maxBody))
	a = c.do("POST", e.base+"checkout", f, false)
	must(t, a.status == http.StatusRequestEntityTooLarge, "huge body: %d", a.status)
}

// An order's page: only its shopper; anyone else, no cookie, a wrong or
// malformed token: the same 404, with a way back.
func TestOrderPageOnlyForItsShopper(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	p, v := e.variant(untracked)
	c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "2")
	token := c.placeOrder(nil)
	site := e.cat.Site
	mine := c.do("GET", site.OrderPath(token), nil, false)
	must(t, mine.status == 200, "own order: %d", mine.status)
	must(t, e.srv.Serves(site.OrderPath(token)), "Serves does not claim the order page")
	other := e.shopper()
	other.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1") // a shopper with a cookie
	anon := e.shopper()
	for name, a := range map[string]answer{
		"another shopper":   other.do("GET", site.OrderPath(token), nil, false),
		"no cookie":         anon.do("GET", site.OrderPath(token), nil, false),
		"unknown token":     c.do("GET", site.OrderPath(strings.Repeat("0", 32)), nil, false),
		"malformed token":   c.do("GET", site.OrderPath(token[:31]+"G"), nil, false),
		"no trailing slash": c.do("GET", strings.TrimSuffix(site.OrderPath(token), "/"), nil, false),
	} {
		must(t, a.status == 404, "%s: %d", name, a.status)
		must(t, a.header.Get("Cache-Control") == "private, no-store", "%s: cache-control %q", name, a.header.Get("Cache-Control"))
		must(t, a.doc(t).Find("[data-testid=error-back]").Length() == 1, "%s: no way back", name)
		must(t, !strings.Contains(a.body, p.Title), "%s: the order leaks", name)
	}
}

// With NotifyOrders, the order's confirmation email is queued in the
// order's transaction (the outbox); without it (the default), nothing is.
func TestCheckoutQueuesEmailOnlyWhenMailIsOn(t *testing.T) {
	for _, on := range []bool{false, true} {
		e := newEnv(t, func(o *Options) { o.NotifyOrders = on })
		c := e.shopper()
		p, v := e.variant(untracked)
		c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1")
		token := c.placeOrder(nil)
		due, err := e.db.ClaimEmails(t.Context(), time.Now().Add(time.Minute), time.Minute, 10)
		must(t, err == nil, "claim: %v", err)
		if on {
			must(t, len(due) == 1 && due[0].Order.Token == token && due[0].Order.Email == "ada@example.com", "on: queued %+v", due)
		} else {
			must(t, len(due) == 0, "off: queued %d", len(due))
		}
	}
}

// Pricing for a country the chosen method does not serve picks the
// country's first method and shows its price; placing never does.
func TestCheckoutQuoteDefaultsTheMethod(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	p, v := e.variant(untracked)
	c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1")
	f, _ := c.checkoutForm()
	f.Set("country", "US")
	f.Set("method", "broom-express")
	f, _ = c.quote(f)
	must(t, f.Get("method") == "broom-express", "US keeps broom express: %v", f)
	f.Set("country", "GB")
	f, a := c.quote(f)
	want := e.cat.Store.Checkout.MethodsFor("GB")[0].ID
	must(t, f.Get("method") == want, "GB: method %q, want %q", f.Get("method"), want)
	must(t, a.doc(t).Find("[data-testid=checkout-problem-method]").Length() == 0, "a problem shown for a defaulted method")
}

// A returning shopper finds the form filled with their last order's email,
// address and method; a new one finds it empty.
func TestCheckoutRemembersTheLastAddress(t *testing.T) {
	e := newEnv(t)
	c := e.shopper()
	p, v := e.variant(untracked)
	c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1")
	f, _ := c.checkoutForm()
	must(t, f.Get("email") == "" && f.Get("name") == "", "a first order's form is empty: %v", f)
	addr := goodAddress()
	addr.Set("country", "GB")
	c.placeOrder(addr)
	c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1")
	f, _ = c.checkoutForm()
	for _, k := range []string{"email", "name", "line1", "city", "postal_code", "country", "method"} {
		must(t, f.Get(k) == addr.Get(k), "%s = %q, want %q", k, f.Get(k), addr.Get(k))
	}
	other := e.shopper()
	other.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1")
	f, _ = other.checkoutForm()
	must(t, f.Get("email") == "", "another shopper sees an address: %v", f)
}
