package e2e

// Browser tests of the islands: the personal fragments htmx loads into the
// static pages (cart badge and drawer, recently viewed, recommendations,
// wishlist, preferences) and the writes behind their forms. Each test is a
// shopper of its own (a fresh browser context: no cookies shared), and every
// expected value comes from the catalog the demo was built from.

import (
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/islands/session"
)

// TestCartAddChangeRemove adds a variant from its product page, checks the
// badge and the cart page against the catalog's prices, then changes the
// quantity and removes the line through the cart drawer's forms.
func TestCartAddChangeRemove(t *testing.T) {
	store := testkit.DemoStore(t, demoStore)
	const qty = 2
	p, v := pickVariant(t, store, qty)

	page := newPage(t)
	visit(t, page, productPath(demoStore, p.Handle))
	expectCartCount(t, page, 0)
	addToCart(t, page, p, v, qty)
	// The badge follows the cart-changed event, without a reload.
	expectCartCount(t, page, qty)

	visit(t, page, cartPath())
	lines := page.Locator("[data-testid=cart-drawer] [data-testid=cart-line]")
	check(t, expect.Locator(lines).ToHaveCount(1), "the cart should hold one line")
	line := lines.First()
	check(t, expect.Locator(line.Locator("[data-testid=cart-line-title]")).ToHaveText(p.Title), "cart line title")
	if hasVariantTitle(v) {
		check(t, expect.Locator(line.Locator("[data-testid=cart-line-variant]")).ToHaveText(v.Title), "cart line variant")
	}
	check(t, expect.Locator(line.Locator("[data-testid=cart-line-quantity]")).ToHaveValue(strconv.Itoa(qty)), "cart line quantity")
	check(t, expect.Locator(line.Locator("[data-testid=cart-line-price]")).ToHaveText(times(store, v.Price, 1)), "cart line unit price")
	check(t, expect.Locator(line.Locator("[data-testid=cart-line-total]")).ToHaveText(times(store, v.Price, qty)),
		fmt.Sprintf("cart line total should be %d × %s", qty, times(store, v.Price, 1)))
	check(t, expect.Locator(page.Locator("[data-testid=cart-subtotal]")).ToHaveText(times(store, v.Price, qty)), "cart subtotal")
	check(t, expect.Locator(page.Locator("[data-testid=cart-count-total]")).ToHaveText(strconv.Itoa(qty)), "cart item count")
	expectCartCount(t, page, qty)
	screenshot(t, page, "cart.png")

	// Quantity 2 -> 1 through the line's form: the drawer and, out of
	// band, the badge are swapped.
	check(t, line.Locator("[data-testid=cart-line-quantity]").Fill("1"), "type quantity 1")
	check(t, line.Locator("[data-testid=cart-line-update]").Click(), "click Update")
	check(t, expect.Locator(page.Locator("[data-testid=cart-subtotal]")).ToHaveText(times(store, v.Price, 1)), "subtotal after quantity 1")
	check(t, expect.Locator(lines.First().Locator("[data-testid=cart-line-quantity]")).ToHaveValue("1"), "quantity after update")
	check(t, expect.Locator(lines.First().Locator("[data-testid=cart-line-total]")).ToHaveText(times(store, v.Price, 1)), "line total after update")
	expectCartCount(t, page, 1)

	check(t, lines.First().Locator("[data-testid=cart-line-remove]").Click(), "click Remove")
	check(t, expect.Locator(page.Locator("[data-testid=cart-drawer] [data-testid=cart-empty]")).ToBeVisible(), "empty cart message after remove")
	check(t, expect.Locator(lines).ToHaveCount(0), "no cart lines after remove")
	expectCartCount(t, page, 0)
}

// TestRecentlyViewed visits three products; the third's recently viewed
// island lists the other two, newest first, and not itself.
func TestRecentlyViewed(t *testing.T) {
	store := testkit.DemoStore(t, demoStore)
	ps := publishedProducts(store)
	if len(ps) < 3 {
		t.Fatalf("demo content: store %s has %d published products, want at least 3", demoStore, len(ps))
	}
	a, b, c := ps[0], ps[1], ps[2]

	page := newPage(t)
	// Become a shopper before the first product view: on a shopper's very
	// first page all islands ask at once without a cookie (see
	// TestFirstVisitIsOneShopper); this test is about the list itself.
	visit(t, page, storePath(demoStore))
	for _, p := range []*catalog.Product{a, b, c} {
		visit(t, page, productPath(demoStore, p.Handle))
	}
	recent := page.Locator("[data-testid=recently-viewed] [data-testid=product-card]")
	check(t, expect.Locator(recent).ToHaveCount(2),
		fmt.Sprintf("on %s, recently viewed should list the 2 products seen before (%s, %s)", c.Handle, b.Handle, a.Handle))
	check(t, expect.Locator(recent.Locator("h3")).ToHaveText([]string{b.Title, a.Title}),
		"recently viewed should be newest first: "+b.Title+", then "+a.Title)
	if got := cardHandles(t, recent); slices.Contains(got, c.Handle) {
		t.Errorf("recently viewed on %s lists %s itself: %v", c.Handle, c.Handle, got)
	}
}

// TestFirstVisitIsOneShopper opens a product page as a new shopper's very
// first page, on a network with a realistic round trip (150 ms, emulated by
// Chromium): its islands all ask the islands server before the first answer
// (and its cookie) is back, so none carries a cookie. They must end up as
// one shopper: at most one shopper cookie is handed out, and the product
// view that page recorded is in the history the next page shows.
func TestFirstVisitIsOneShopper(t *testing.T) {
	store := testkit.DemoStore(t, demoStore)
	ps := publishedProducts(store)
	if len(ps) < 2 {
		t.Fatalf("demo content: store %s has %d published products, want at least 2", demoStore, len(ps))
	}
	first, next := ps[0], ps[1]
	islands := storePath(demoStore) + "islands/"

	page := newPage(t)
	cdp, err := page.Context().NewCDPSession(page)
	check(t, err, "open a DevTools session")
	network := func(latencyMS int) {
		t.Helper()
		_, err := cdp.Send("Network.enable", nil)
		check(t, err, "Network.enable")
		_, err = cdp.Send("Network.emulateNetworkConditions", map[string]any{
			"offline": false, "latency": latencyMS, "downloadThroughput": -1, "uploadThroughput": -1,
		})
		check(t, err, fmt.Sprintf("emulate a %d ms round trip", latencyMS))
	}
	// Event handlers run on Playwright's goroutine and must not call back
	// into it: keep the responses, read their headers after.
	var (
		mu        sync.Mutex
		responses []playwright.Response
	)
	page.OnResponse(func(r playwright.Response) {
		mu.Lock()
		responses = append(responses, r)
		mu.Unlock()
	})
	network(150)
	visit(t, page, productPath(demoStore, first.Handle))
	network(0)

	mu.Lock()
	seen := slices.Clone(responses)
	mu.Unlock()
	issued := map[string][]string{} // shopper cookie value -> island requests
	for _, r := range seen {
		u, err := url.Parse(r.URL())
		if err != nil || !strings.HasPrefix(u.Path, islands) {
			continue
		}
		headers, err := r.HeaderValues("set-cookie")
		check(t, err, "read Set-Cookie of "+u.Path)
		for _, h := range headers {
			for line := range strings.SplitSeq(h, "\n") { // one value may hold several, a line each
				c, err := http.ParseSetCookie(line)
				if err == nil && c.Name == session.CookieName && c.Value != "" {
					issued[c.Value] = append(issued[c.Value], r.Request().Method()+" "+strings.TrimPrefix(u.RequestURI(), islands))
				}
			}
		}
	}
	if len(issued) > 1 {
		var who []string
		for _, reqs := range issued {
			who = append(who, strings.Join(reqs, ", "))
		}
		slices.Sort(who)
		t.Errorf("a new shopper's first page was given %d different shopper cookies, one per island request (%s); "+
			"the browser keeps only the last, so what the others recorded belongs to nobody", len(issued), strings.Join(who, " | "))
	}

	visit(t, page, productPath(demoStore, next.Handle))
	recent := page.Locator("[data-testid=recently-viewed] [data-testid=product-card] h3")
	check(t, expect.Locator(recent).ToHaveText([]string{first.Title}),
		fmt.Sprintf("on the second page, recently viewed should list the first page's product, %s", first.Title))
}

// TestRecommendations checks the product page's recommendations: product
// cards, never the page's own product, never a product in the cart.
func TestRecommendations(t *testing.T) {
	store := testkit.DemoStore(t, demoStore)
	current := store.Product(productUnderTest)
	if current == nil {
		t.Fatalf("demo content: store %s has no product %s", demoStore, productUnderTest)
	}
	page := newPage(t)

	recs := recommendationsOn(t, page, current)
	picked := store.Product(recs[0])
	if picked == nil {
		t.Fatalf("recommended %q is not a product of the catalog", recs[0])
	}
	v := firstAvailable(picked)
	if v == nil {
		t.Fatalf("recommended %s has no available variant: sold-out products should not be recommended", picked.Handle)
	}

	recommendationsOn(t, page, picked) // its own page: not recommending itself
	addToCart(t, page, picked, v, 1)
	expectCartCount(t, page, 1)

	after := recommendationsOn(t, page, current)
	if slices.Contains(after, picked.Handle) {
		t.Errorf("%s is in the cart but still recommended on %s: %v", picked.Handle, current.Handle, after)
	}
}

// TestCheckout checks out a cart: the order confirmation replaces the
// drawer, the badge drops to 0, and the cart stays empty after a reload.
func TestCheckout(t *testing.T) {
	store := testkit.DemoStore(t, demoStore)
	p := pickProduct(t, store, func(p *catalog.Product) bool { return len(p.Variants) == 1 && buyable(&p.Variants[0], 1) })
	v := firstAvailable(p)

	page := newPage(t)
	visit(t, page, productPath(demoStore, p.Handle))
	addToCart(t, page, p, v, 1)
	expectCartCount(t, page, 1)

	visit(t, page, cartPath())
	check(t, expect.Locator(page.Locator("[data-testid=cart-line]")).ToHaveCount(1), "cart line before checkout")
	check(t, page.Locator("[data-testid=checkout]").Click(), "click Check out")

	order := page.Locator("[data-testid=order-confirmation]")
	check(t, expect.Locator(order).ToBeVisible(), "order confirmation after checkout")
	check(t, expect.Locator(order.Locator("[data-testid=order-number]")).ToHaveText(regexp.MustCompile(`\S`)), "order number")
	ol := order.Locator("[data-testid=order-line]")
	check(t, expect.Locator(ol).ToHaveCount(1), "one order line")
	check(t, expect.Locator(ol).ToContainText(p.Title), "order line title")
	check(t, expect.Locator(ol).ToContainText(times(store, v.Price, 1)), "order line price")
	check(t, expect.Locator(order.Locator("[data-testid=order-subtotal]")).ToHaveText(times(store, v.Price, 1)), "order subtotal")
	expectCartCount(t, page, 0)
	screenshot(t, page, "order-confirmation.png")

	_, err := page.Reload()
	check(t, err, "reload the cart page")
	islandsLoaded(t, page)
	check(t, expect.Locator(page.Locator("[data-testid=cart-drawer] [data-testid=cart-empty]")).ToBeVisible(), "cart after checkout and reload should be empty")
	check(t, expect.Locator(page.Locator("[data-testid=order-confirmation]")).ToHaveCount(0), "no order confirmation after reload")
	expectCartCount(t, page, 0)
}

// TestCartsAreSeparate runs two shoppers side by side: neither ever sees
// the other's cart.
func TestCartsAreSeparate(t *testing.T) {
	p1, p2 := twoInStock(t, testkit.DemoStore(t, demoStore))

	one := newPage(t)
	visit(t, one, productPath(demoStore, p1.Handle))
	addToCart(t, one, p1, firstAvailable(p1), 1)
	expectCartCount(t, one, 1)

	other := newPage(t)
	visit(t, other, cartPath())
	expectCartCount(t, other, 0)
	check(t, expect.Locator(other.Locator("[data-testid=cart-drawer] [data-testid=cart-empty]")).ToBeVisible(),
		"shopper 2's cart should be empty while shopper 1's holds "+p1.Title)

	visit(t, other, productPath(demoStore, p2.Handle))
	addToCart(t, other, p2, firstAvailable(p2), 1)
	expectCartCount(t, other, 1)

	for _, s := range []struct {
		name string
		page playwright.Page
		own  *catalog.Product
	}{{"shopper 1", one, p1}, {"shopper 2", other, p2}} {
		visit(t, s.page, cartPath())
		titles := s.page.Locator("[data-testid=cart-line] [data-testid=cart-line-title]")
		check(t, expect.Locator(titles).ToHaveText([]string{s.own.Title}),
			fmt.Sprintf("%s's cart should hold only %s", s.name, s.own.Title))
		expectCartCount(t, s.page, 1)
	}
}

// TestCrossOriginPostRefused sends the shopper, cookie and all, from a page
// on another origin that auto-submits an add-to-cart form to the store: the
// islands server refuses it, and the cart is unchanged.
func TestCrossOriginPostRefused(t *testing.T) {
	p1, p2 := twoInStock(t, testkit.DemoStore(t, demoStore))

	addPath := storePath(demoStore) + "islands/cart/add"
	demo := use(t).demo.URL
	page := newPageWith(t, pageConfig{
		// The one error this test provokes, and asserts below.
		expectError: func(status int, rawURL string) bool {
			u, err := url.Parse(rawURL)
			return err == nil && status == http.StatusForbidden &&
				u.Scheme+"://"+u.Host == demo && u.Path == addPath
		},
	})

	// The shopper has a cookie and a cart of one.
	visit(t, page, productPath(demoStore, p1.Handle))
	addToCart(t, page, p1, firstAvailable(p1), 1)
	expectCartCount(t, page, 1)

	elsewhere := httptest.NewServer(crossOriginForm(demo+addPath, url.Values{
		"product": {p2.Handle}, "variant": {firstAvailable(p2).ID}, "quantity": {"1"},
	}))
	t.Cleanup(elsewhere.Close)
	if elsewhere.URL == demo {
		t.Fatalf("the other origin %s is the demo's", elsewhere.URL)
	}

	resp, err := page.ExpectResponse(func(raw string) bool {
		u, err := url.Parse(raw)
		return err == nil && u.Path == addPath
	}, func() error {
		// Commit is enough: the page submits its form while loading.
		_, err := page.Goto(elsewhere.URL+"/", playwright.PageGotoOptions{WaitUntil: playwright.WaitUntilStateCommit})
		return err
	})
	check(t, err, "cross-origin form post to "+addPath)
	check(t, page.WaitForURL(demo+addPath), "wait for the refused page to load")
	if m := resp.Request().Method(); m != http.MethodPost {
		t.Fatalf("the other origin's page sent %s %s, want a POST", m, addPath)
	}
	if resp.Status() != http.StatusForbidden {
		t.Errorf("cross-origin POST %s from %s: status %d, want 403", addPath, elsewhere.URL, resp.Status())
	}
	if h := resp.Request().Headers()["origin"]; h != elsewhere.URL {
		t.Errorf("the refused POST carried Origin %q, want %q (was it really cross-origin?)", h, elsewhere.URL)
	}
	// The attack is a real one: another port of the same host is the same
	// site, so the browser sends the SameSite=Lax shopper cookie along.
	cookie, err := resp.Request().HeaderValue("cookie")
	check(t, err, "read the refused POST's Cookie header")
	if !strings.Contains(cookie, session.CookieName+"=") {
		t.Errorf("the refused POST carried no %s cookie (Cookie: %q): it did not act as the shopper", session.CookieName, cookie)
	}

	visit(t, page, cartPath())
	expectCartCount(t, page, 1)
	titles := page.Locator("[data-testid=cart-line] [data-testid=cart-line-title]")
	check(t, expect.Locator(titles).ToHaveText([]string{p1.Title}), "the cart should still hold only "+p1.Title)
	check(t, expect.Locator(page.Locator("[data-testid=cart-line-quantity]")).ToHaveValue("1"), "quantity unchanged")
}

// TestWishlistAndPreferences saves a product to the wishlist and back, and
// sets the greeting name shown in the header.
func TestWishlistAndPreferences(t *testing.T) {
	store := testkit.DemoStore(t, demoStore)
	p := store.Product(productUnderTest)
	if p == nil {
		t.Fatalf("demo content: store %s has no product %s", demoStore, productUnderTest)
	}
	page := newPage(t)
	toggle := page.Locator("[data-testid=wishlist-button] [data-testid=wishlist-toggle]")

	visit(t, page, productPath(demoStore, p.Handle))
	check(t, expect.Locator(toggle).ToHaveAttribute("aria-pressed", "false"), "wishlist button before saving")
	check(t, toggle.Click(), "click Save to wishlist")
	check(t, expect.Locator(toggle).ToHaveAttribute("aria-pressed", "true"), "wishlist button after saving")

	visit(t, page, storePath(demoStore)+"wishlist/")
	wished := page.Locator("[data-testid=wishlist] [data-testid=product-card] h3")
	check(t, expect.Locator(wished).ToHaveText([]string{p.Title}), "the wishlist should list "+p.Title)

	visit(t, page, productPath(demoStore, p.Handle))
	check(t, expect.Locator(toggle).ToHaveAttribute("aria-pressed", "true"), "wishlist button on a later visit")
	check(t, toggle.Click(), "click to remove from the wishlist")
	check(t, expect.Locator(toggle).ToHaveAttribute("aria-pressed", "false"), "wishlist button after removing")
	visit(t, page, storePath(demoStore)+"wishlist/")
	check(t, expect.Locator(page.Locator("[data-testid=wishlist] [data-testid=wishlist-empty]")).ToBeVisible(), "the wishlist after removing")

	// Markup characters in the name must come back as text.
	const name = "Luna & <b>Neville</b>"
	visit(t, page, storePath(demoStore)+"account/")
	check(t, expect.Locator(page.Locator("[data-testid=greeting]")).ToHaveCount(0), "no greeting before a name is set")
	check(t, page.Locator("[data-testid=preferences-name]").Fill(name), "type a name")
	check(t, page.Locator("[data-testid=preferences-save]").Click(), "click Save")
	check(t, expect.Locator(page.Locator("[data-testid=preferences-status]")).ToContainText("saved"), "preferences saved message")
	greeting := page.Locator("[data-testid=cart-badge] [data-testid=greeting]")
	check(t, expect.Locator(greeting).ToHaveText("Hi, "+name), "greeting in the header after saving")
	check(t, expect.Locator(greeting.Locator("*")).ToHaveCount(0), "the greeting should be text, not markup")

	visit(t, page, storePath(demoStore))
	check(t, expect.Locator(greeting).ToHaveText("Hi, "+name), "greeting in the header on another page")
}

// visit opens a page and waits until every island has loaded: the page's
// loader has been answered and each placeholder swapped for its fragment,
// whose triggers are events only. Interacting earlier would race the
// islands' request.
func visit(t *testing.T, page playwright.Page, path string) {
	t.Helper()
	open(t, page, path)
	islandsLoaded(t, page)
}

// islandsLoaded waits for the page's islands: its loader, which asks
// for all of them in one request, is gone once their answer is swapped in.
func islandsLoaded(t *testing.T, page playwright.Page) {
	t.Helper()
	check(t, expect.Locator(page.Locator("[data-testid=islands-loader]")).ToHaveCount(0),
		"the page's islands should be filled (its loader replaced)")
}

// expectCartCount waits for the header badge to show n items.
func expectCartCount(t *testing.T, page playwright.Page, n int) {
	t.Helper()
	check(t, expect.Locator(page.Locator("[data-testid=cart-badge] [data-testid=cart-count]")).ToHaveText(strconv.Itoa(n)),
		fmt.Sprintf("header cart badge should count %d", n))
}

// addToCart adds qty of v on p's product page, which must be open, and
// waits for the success message.
func addToCart(t *testing.T, page playwright.Page, p *catalog.Product, v *catalog.Variant, qty int) {
	t.Helper()
	buy := page.Locator("form.buy")
	picker := buy.Locator("[data-testid=variant-picker]")
	n, err := picker.Count()
	check(t, err, "find the variant picker")
	if n > 0 {
		_, err := picker.SelectOption(playwright.SelectOptionValues{Values: &[]string{v.ID}})
		check(t, err, fmt.Sprintf("pick variant %q", v.Title))
		check(t, expect.Locator(picker).ToHaveValue(v.ID), "picked variant")
	} else if len(p.Variants) > 1 {
		t.Fatalf("%s has %d variants but no [data-testid=variant-picker]", p.Handle, len(p.Variants))
	}
	check(t, buy.Locator("input[name=quantity]").Fill(strconv.Itoa(qty)), "type the quantity")
	check(t, buy.Locator("[data-testid=add-to-cart]").Click(), "click Add to cart")

	msg := page.Locator("#buy-status [data-testid=buy-status-message]")
	check(t, expect.Locator(msg).ToContainText(p.Title), "#buy-status should confirm adding "+p.Title)
	if hasVariantTitle(v) {
		check(t, expect.Locator(msg).ToContainText(v.Title), "#buy-status should name the variant "+v.Title)
	}
	check(t, expect.Locator(msg).Not().ToHaveClass(regexp.MustCompile(`\berror\b`)), "#buy-status should not be an error")
}

// recommendationsOn opens p's page and returns the handles it recommends,
// after checking there are some and p is not one of them.
func recommendationsOn(t *testing.T, page playwright.Page, p *catalog.Product) []string {
	t.Helper()
	visit(t, page, productPath(demoStore, p.Handle))
	cards := page.Locator("[data-testid=recommendations] [data-testid=product-card]")
	check(t, expect.Locator(cards.First()).ToBeVisible(), "recommendations on "+p.Handle+" should show product cards")
	got := cardHandles(t, cards)
	if slices.Contains(got, p.Handle) {
		t.Errorf("%s recommends itself: %v", p.Handle, got)
	}
	return got
}

var productHref = regexp.MustCompile(`/products/([^/?#]+)/?$`)

// cardHandles returns the product handles that cards link to, in order.
func cardHandles(t *testing.T, cards playwright.Locator) []string {
	t.Helper()
	hrefs, err := cards.Locator("h3 a").EvaluateAll(`(as) => as.map((a) => a.getAttribute("href"))`)
	check(t, err, "read product card links")
	list, ok := hrefs.([]any)
	if !ok {
		t.Fatalf("product card links: got %T", hrefs)
	}
	var out []string
	for _, h := range list {
		s, _ := h.(string)
		u, err := url.Parse(s)
		if err != nil {
			t.Fatalf("product card link %q: %v", s, err)
		}
		m := productHref.FindStringSubmatch(u.Path)
		if m == nil {
			t.Fatalf("product card link %q is not a product page", s)
		}
		out = append(out, m[1])
	}
	return out
}

// crossOriginForm serves a page that posts fields to action as soon as it
// loads, as a hostile site would.
func crossOriginForm(action string, fields url.Values) http.Handler {
	tmpl := template.Must(template.New("").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Another site</title><link rel="icon" href="data:,"></head>
<body><form id="f" method="post" action="{{.Action}}">
{{range $k, $vs := .Fields}}{{range $vs}}<input type="hidden" name="{{$k}}" value="{{.}}">{{end}}{{end}}
</form><script>document.getElementById("f").submit();</script></body></html>`))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = tmpl.Execute(w, struct {
			Action template.URL
			Fields url.Values
		}{template.URL(action), fields})
	})
}

func cartPath() string { return storePath(demoStore) + "cart/" }

// times formats qty × price the way the store does.
func times(store *catalog.Store, price catalog.Money, qty int) string {
	return catalog.Money{Amount: price.Amount * int64(qty), Currency: price.Currency}.Format(store.Locale)
}

func hasVariantTitle(v *catalog.Variant) bool { return v.Title != "" && v.Title != "Default Title" }

// buyable reports whether qty of v can be added to an empty cart.
func buyable(v *catalog.Variant, qty int) bool {
	return v.Available && (!v.Tracked || v.Inventory >= qty)
}

func publishedProducts(store *catalog.Store) []*catalog.Product {
	var out []*catalog.Product
	for _, p := range store.Products {
		if p.Published() {
			out = append(out, p)
		}
	}
	return out
}

// twoInStock returns the first two published products whose first
// available variant can be added to an empty cart.
func twoInStock(t *testing.T, store *catalog.Store) (*catalog.Product, *catalog.Product) {
	t.Helper()
	var two []*catalog.Product
	for _, p := range publishedProducts(store) {
		if v := firstAvailable(p); v != nil && buyable(v, 1) {
			if two = append(two, p); len(two) == 2 {
				return two[0], two[1]
			}
		}
	}
	t.Fatalf("demo content: store %s needs two products in stock", store.Handle)
	return nil, nil
}

// pickProduct returns the first published product that ok accepts.
func pickProduct(t *testing.T, store *catalog.Store, ok func(*catalog.Product) bool) *catalog.Product {
	t.Helper()
	for _, p := range publishedProducts(store) {
		if ok(p) {
			return p
		}
	}
	t.Fatalf("demo content: no product of %s fits this test", store.Handle)
	return nil
}

// pickVariant returns a product and a variant to add qty of: preferably
// productUnderTest, and a variant that is not the first one, so picking it
// in the variant picker matters.
func pickVariant(t *testing.T, store *catalog.Store, qty int) (*catalog.Product, *catalog.Variant) {
	t.Helper()
	later := func(p *catalog.Product) *catalog.Variant {
		for i := 1; i < len(p.Variants); i++ {
			if buyable(&p.Variants[i], qty) {
				return &p.Variants[i]
			}
		}
		return nil
	}
	if p := store.Product(productUnderTest); p != nil && p.Published() {
		if v := later(p); v != nil {
			return p, v
		}
	}
	p := pickProduct(t, store, func(p *catalog.Product) bool { return later(p) != nil })
	return p, later(p)
}
