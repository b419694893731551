package islands

import (
	"context"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/i18n"
	"github.com/wandstore/wandstore/islands/shopper"
	"github.com/wandstore/wandstore/shopify"
	"github.com/wandstore/wandstore/shopify/checkout"
	"github.com/wandstore/wandstore/shopify/shopifytest"
)

var _ Checkout = (*checkout.Checkout)(nil)

// The messages a failed handoff shows, in the demo store's language.
var (
	msgCheckoutRefused     = i18n.For("en-US").T("cart.checkout_refused")
	msgCheckoutUnavailable = i18n.For("en-US").T("cart.checkout_unavailable")
)

// shopifyEnv is a real islands server whose demo store checks out at a
// Shopify stand-in (over HTTP on 127.0.0.1) selling the demo store's
// variants under their catalog ids, except those skip rejects.
func shopifyEnv(t *testing.T, skip func(v *catalog.Variant) bool) (*env, *shopifytest.Server) {
	t.Helper()
	srv := shopifytest.New(t, shopifytest.WithToken("private"))
	var ps []shopifytest.Product
	for _, p := range demoStore(t).PublishedProducts() {
		sp := shopifytest.Product{Handle: p.Handle, Title: p.Title}
		for i := range p.Variants {
			if v := &p.Variants[i]; skip == nil || !skip(v) {
				sp.Variants = append(sp.Variants, shopifytest.Variant{ID: v.ID, AvailableForSale: v.Available,
					Price: shopifytest.Money{Amount: "1.00", CurrencyCode: "USD"}})
			}
		}
		ps = append(ps, sp)
	}
	srv.SetProducts(ps)
	client, err := shopify.New(shopify.Config{Endpoint: srv.URL(), PrivateToken: "private", MaxRetries: 2,
		Backoff: func(int) time.Duration { return time.Millisecond }})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(o *Options) {
		o.Checkouts = map[string]Checkout{demoStore(t).Handle: checkout.New(client)}
	})
	return e, srv
}

// shopCart is the Shopify cart kept for the shopper, and its lines there.
func (c *client) shopCart(srv *shopifytest.Server) (string, []shopifytest.Line) {
	c.e.t.Helper()
	id, err := c.e.db.ExternalCart(context.Background(), c.e.cat.Store.Handle, c.id())
	if err != nil {
		c.e.t.Fatal(err)
	}
	cs, ok := srv.Cart(id)
	if !ok {
		c.e.t.Fatalf("Shopify has no cart %q (the kept one)", id)
	}
	return id, cs.Lines
}

// checkoutURLOf is the stand-in's checkout URL of cart id.
func checkoutURLOf(srv *shopifytest.Server, id string) string {
	token, key, _ := strings.Cut(strings.TrimPrefix(id, "gid://shopify/Cart/"), "?key=")
	return srv.URL() + "/cart/c/" + token + "?key=" + key
}

func TestCheckoutHandsOffToShopify(t *testing.T) {
	e, srv := shopifyEnv(t, nil)
	c := e.shopper()
	p1, v1 := e.variant(untracked)
	p2, v2 := e.variant(func(p *catalog.Product, v *catalog.Variant) bool { return untracked(p, v) && p != p1 })
	c.post("cart/add", "product", p1.Handle, "variant", v1.ID, "quantity", "2")
	c.post("cart/add", "product", p2.Handle, "variant", v2.ID, "quantity", "1")

	// htmx: 200, empty body, HX-Redirect to the Shopify cart's checkout.
	a := c.post("checkout")
	id, lines := c.shopCart(srv)
	want := []shopifytest.Line{{MerchandiseID: v1.ID, Quantity: 2}, {MerchandiseID: v2.ID, Quantity: 1}}
	must(t, reflect.DeepEqual(lines, want), "Shopify cart lines %+v, want %+v", lines, want)
	must(t, a.status == 200 && a.body == "" && a.header.Get("HX-Redirect") == checkoutURLOf(srv, id),
		"htmx checkout: %d HX-Redirect=%q body=%q", a.status, a.header.Get("HX-Redirect"), a.body)
	must(t, srv.LastHeader().Get("Shopify-Storefront-Buyer-IP") == "127.0.0.1", "buyer IP %q", srv.LastHeader().Get("Shopify-Storefront-Buyer-IP"))
	// Not paid yet: the local cart stays, and no local order is made.
	must(t, c.cartCount() == 3, "local cart emptied at handoff: %d", c.cartCount())
	var orders int
	must(t, e.db.Writer().NewRaw("SELECT count(*) FROM orders").Scan(t.Context(), &orders) == nil && orders == 0, "a local order was made: %d", orders)

	// Without JavaScript, a returning shopper: 303 to the same cart's
	// checkout, no new Shopify cart.
	creates := srv.RequestsFor("CartCreate")
	f := c.do("POST", e.base+"checkout", url.Values{}, false)
	must(t, f.status == 303 && f.header.Get("Location") == checkoutURLOf(srv, id), "form checkout: %d Location=%q", f.status, f.header.Get("Location"))
	must(t, srv.RequestsFor("CartCreate") == creates, "unchanged cart made a new Shopify cart")
	id2, _ := c.shopCart(srv)
	must(t, id2 == id, "kept cart changed: %q, was %q", id2, id)

	// The cart changed: a new Shopify cart with exactly the new lines.
	c.post("cart/set", "product", p2.Handle, "variant", v2.ID, "quantity", "0")
	c.post("cart/set", "product", p1.Handle, "variant", v1.ID, "quantity", "5")
	a = c.post("checkout")
	id3, lines := c.shopCart(srv)
	must(t, id3 != id && reflect.DeepEqual(lines, []shopifytest.Line{{MerchandiseID: v1.ID, Quantity: 5}}), "changed cart: %q %+v", id3, lines)
	must(t, a.header.Get("HX-Redirect") == checkoutURLOf(srv, id3), "changed cart redirect %q", a.header.Get("HX-Redirect"))

	// Shopify evicted it: made again, with the same lines, and kept.
	srv.EvictCart(id3)
	a = c.post("checkout")
	id4, lines := c.shopCart(srv)
	must(t, id4 != id3 && reflect.DeepEqual(lines, []shopifytest.Line{{MerchandiseID: v1.ID, Quantity: 5}}), "recreated: %q %+v", id4, lines)
	must(t, a.status == 200 && a.header.Get("HX-Redirect") == checkoutURLOf(srv, id4), "recreated redirect %d %q", a.status, a.header.Get("HX-Redirect"))

	// Another shopper gets a cart of their own.
	o := e.shopper()
	o.post("cart/add", "product", p2.Handle, "variant", v2.ID, "quantity", "1")
	o.post("checkout")
	oid, lines := o.shopCart(srv)
	must(t, oid != id4 && reflect.DeepEqual(lines, []shopifytest.Line{{MerchandiseID: v2.ID, Quantity: 1}}), "other shopper: %q %+v", oid, lines)
}

func TestCheckoutShopifyFailureKeepsEverything(t *testing.T) {
	unsoldProduct, unsold := demoVariant(t, untracked, 1)
	e, srv := shopifyEnv(t, func(v *catalog.Variant) bool { return v.ID == unsold.ID })
	c := e.shopper()
	p, v := e.variant(untracked)
	c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "2")
	c.post("checkout")
	kept, _ := c.shopCart(srv)
	before := c.state()

	// Shopify down (past the client's retries).
	srv.Fail(503, 100, "")
	a := c.post("checkout")
	status := a.doc(t).Find("[data-testid=cart-drawer] [data-testid=cart-status]").Text()
	must(t, a.status == 200 && a.header.Get("HX-Redirect") == "" && strings.Contains(status, msgCheckoutUnavailable),
		"htmx, Shopify down: %d %q\n%s", a.status, a.header.Get("HX-Redirect"), a.body)
	must(t, a.doc(t).Find("[data-testid=cart-line]").Length() == 1, "the drawer lost the cart")
	f := c.do("POST", e.base+"checkout", url.Values{}, false)
	must(t, f.status == 502 && f.header.Get("Location") == "" && strings.Contains(f.doc(t).Find("[data-testid=cart-status]").Text(), msgCheckoutUnavailable),
		"form, Shopify down: %d\n%s", f.status, f.body)
	srv.Fail(0, 0, "")
	after := c.state()
	must(t, after.Version == before.Version && reflect.DeepEqual(after.Cart, before.Cart), "cart changed: %+v", after.Cart)
	id, _ := c.shopCart(srv)
	must(t, id == kept, "kept cart id changed to %q", id)

	// Shopify refuses a line (a variant it does not sell): the cart says so.
	c.post("cart/add", "product", unsoldProduct.Handle, "variant", unsold.ID, "quantity", "1")
	a = c.post("checkout")
	must(t, a.status == 200 && a.header.Get("HX-Redirect") == "" &&
		strings.Contains(a.doc(t).Find("[data-testid=cart-status]").Text(), msgCheckoutRefused), "htmx, refused: %d\n%s", a.status, a.body)
	f = c.do("POST", e.base+"checkout", url.Values{}, false)
	must(t, f.status == 422 && strings.Contains(f.doc(t).Find("[data-testid=cart-status]").Text(), msgCheckoutRefused), "form, refused: %d\n%s", f.status, f.body)
	must(t, len(c.state().Cart) == 2, "cart after refusal: %+v", c.state().Cart)
	id, _ = c.shopCart(srv)
	must(t, id == kept, "kept cart id changed to %q after a refusal", id)
}

// demoVariant is the n-th (from 0) variant of the demo store matching pred.
func demoVariant(t *testing.T, pred func(p *catalog.Product, v *catalog.Variant) bool, n int) (*catalog.Product, *catalog.Variant) {
	t.Helper()
	for _, p := range demoStore(t).PublishedProducts() {
		for i := range p.Variants {
			if pred(p, &p.Variants[i]) {
				if n == 0 {
					return p, &p.Variants[i]
				}
				n--
			}
		}
	}
	t.Fatal("no such variant in the demo store")
	return nil, nil
}

// fakeCheckout answers every handoff with a fixed URL, counting calls.
type fakeCheckout struct {
	mu    sync.Mutex
	url   string
	calls int
}

func (f *fakeCheckout) Handoff(_ context.Context, _ string, _ []shopper.CheckoutLine, _ shopper.Buyer) (string, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return "cart-1", f.url, nil
}

func TestCheckoutRefusesUnsafeRedirects(t *testing.T) {
	fc := &fakeCheckout{}
	e := newEnv(t, func(o *Options) { o.Checkouts = map[string]Checkout{demoStore(t).Handle: fc} })
	c := e.shopper()
	p, v := e.variant(untracked)
	c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1")
	for _, bad := range []string{
		"javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,<script>alert(1)</script>",
		"//evil.example/checkout", "/cart/c/1", "http://evil.example/cart/c/1", "https://user:pw@evil.example/",
		"https:evil.example", "ftp://shop.example/", "", "https://shop.example/\r\nSet-Cookie: x=1",
	} {
		fc.mu.Lock()
		fc.url = bad
		fc.mu.Unlock()
		a := c.post("checkout")
		must(t, a.header.Get("HX-Redirect") == "" && strings.Contains(a.doc(t).Find("[data-testid=cart-status]").Text(), msgCheckoutUnavailable),
			"htmx followed %q: %d %q", bad, a.status, a.header.Get("HX-Redirect"))
		f := c.do("POST", e.base+"checkout", url.Values{}, false)
		must(t, f.status == 502 && f.header.Get("Location") == "", "form followed %q: %d %q", bad, f.status, f.header.Get("Location"))
	}
	for _, good := range []string{"https://shop.example/cart/c/1?key=k", "http://127.0.0.1:8080/cart/c/1", "http://[::1]/c"} {
		fc.mu.Lock()
		fc.url = good
		fc.mu.Unlock()
		a := c.post("checkout")
		must(t, a.header.Get("HX-Redirect") == good, "htmx did not follow %q: %d %s", good, a.status, a.body)
	}
	must(t, c.cartCount() == 1, "cart emptied")
}

func TestCheckoutWithoutShopCheckoutIsLocal(t *testing.T) {
	fc := &fakeCheckout{url: "https://shop.example/"}
	e := newEnv(t, func(o *Options) { o.Checkouts = map[string]Checkout{"another-store": fc} })
	c := e.shopper()
	p, v := e.variant(untracked)
	c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1")
	a := c.post("checkout")
	must(t, a.status == 200 && a.header.Get("HX-Redirect") == "" && a.doc(t).Find("[data-testid=order-confirmation]").Length() == 1,
		"local checkout: %d %q", a.status, a.header.Get("HX-Redirect"))
	fc.mu.Lock()
	calls := fc.calls
	fc.mu.Unlock()
	must(t, c.cartCount() == 0 && calls == 0, "cart %d, handoffs %d", c.cartCount(), calls)
	if id, err := e.db.ExternalCart(context.Background(), e.cat.Store.Handle, c.id()); err != nil || id != "" {
		t.Fatalf("external cart kept for a local checkout: %q %v", id, err)
	}
}

// The handoff follows the same rule as a local checkout: a cart other than
// the one the shopper was shown goes nowhere, the shop is not asked.
func TestCheckoutHandoffRefusesACartOtherThanShown(t *testing.T) {
	e, srv := shopifyEnv(t, nil)
	c := e.shopper()
	p, v := e.variant(untracked)
	c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1")
	shown := c.cartToken()
	c.post("cart/add", "product", p.Handle, "variant", v.ID, "quantity", "1") // another tab
	creates := srv.RequestsFor("CartCreate")
	a := c.post("checkout", "cart", shown)
	must(t, a.status == 200 && a.header.Get("HX-Redirect") == "" && strings.Contains(a.body, "Your cart changed"), "htmx: %d %q %s", a.status, a.header.Get("HX-Redirect"), a.body)
	f := c.do("POST", e.base+"checkout", url.Values{"cart": {shown}}, false)
	must(t, f.status == 422 && f.header.Get("Location") == "", "no-JS: %d Location=%q", f.status, f.header.Get("Location"))
	must(t, srv.RequestsFor("CartCreate") == creates, "the shop was asked for a cart the shopper was not shown")
	// The cart as shown now goes to the shop.
	a = c.post("checkout", "cart", c.cartToken())
	must(t, a.header.Get("HX-Redirect") != "", "handoff of the shown cart: %d %s", a.status, a.body)
}
