package e2e

import (
	"regexp"
	"strings"
	"testing"

	"github.com/playwright-community/playwright-go"
	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/catalog/totals"
	"github.com/wandstore/wandstore/internal/testkit"
)

// orderURL is an order confirmation's address: <base>orders/<128-bit token>/.
var orderURL = regexp.MustCompile(`/s/[a-z0-9-]+/orders/[0-9a-f]{32}/$`)

// TestCheckout checks out with an address and a shipping method, with
// htmx: the totals follow the country, the order gets its own URL, which
// reloads, lists on the account page, and is a 404 to another shopper.
func TestCheckout(t *testing.T) {
	store := testkit.DemoStore(t, demoStore)
	p := pickProduct(t, store, func(p *catalog.Product) bool { return len(p.Variants) == 1 && buyable(&p.Variants[0], 1) })
	v := firstAvailable(p)
	co := store.Checkout
	want, err := totals.Compute(store.Currency, []totals.Line{{UnitPrice: v.Price, Quantity: 1}}, co.Method("owl-post"), co.TaxFor("CA"))
	check(t, err, "expected totals")
	money := func(m catalog.Money) string { return m.Format(store.Locale) }

	page := newPage(t, playwright.BrowserNewContextOptions{ReducedMotion: playwright.ReducedMotionReduce}) // see below
	visit(t, page, productPath(demoStore, p.Handle))
	addToCart(t, page, p, v, 1)
	expectCartCount(t, page, 1)
	visit(t, page, cartPath())
	check(t, page.Locator("[data-testid=checkout]").Click(), "click Check out")
	check(t, expect.Page(page).ToHaveURL(regexp.MustCompile(`/islands/checkout$`)), "on the checkout form")

	form := page.Locator("[data-testid=checkout-form]")
	check(t, expect.Locator(form).ToBeVisible(), "the checkout form")
	for field, value := range map[string]string{"email": "ada@example.com", "name": "Ada Lovelace", "line1": "12 Queen St W",
		"city": "Toronto", "postal_code": "M5H 2N2"} {
		check(t, page.Locator("[data-testid=checkout-"+field+"]").Fill(value), "fill "+field)
	}
	_, err = page.Locator("[data-testid=checkout-country]").SelectOption(playwright.SelectOptionValues{Values: &[]string{"CA"}})
	check(t, err, "choose Canada")
	// htmx prices the form again for Canada: 13% added, on shipping too.
	check(t, expect.Locator(page.Locator("[data-testid=checkout-tax]")).ToHaveText(money(want.Tax)), "Canada's tax")
	check(t, expect.Locator(page.Locator("[data-testid=checkout-total]")).ToHaveText(money(want.Total)), "the total for Canada")
	check(t, page.Locator("[data-testid=checkout-method][value=owl-post]").Check(), "owl post")
	check(t, expect.Locator(page.Locator("[data-testid=checkout-email]")).ToHaveValue("ada@example.com"), "the input survives the re-pricing")
	screenshot(t, page, "checkout-form.png")
	check(t, page.Locator("[data-testid=checkout-place]").Click(), "place the order")

	check(t, expect.Page(page).ToHaveURL(orderURL), "the order's own URL")
	confirmation := page.URL()
	order := page.Locator("[data-testid=order-page]")
	check(t, expect.Locator(order.Locator("[data-testid=order-number]")).ToHaveText(regexp.MustCompile(`^WS-[0-9A-Z]{5}-[0-9A-Z]{5}$`)), "order number")
	check(t, expect.Locator(order.Locator("[data-testid=order-line]")).ToContainText(p.Title), "order line")
	check(t, expect.Locator(order.Locator("[data-testid=order-total]")).ToHaveText(money(want.Total)), "order total")
	check(t, expect.Locator(order.Locator("[data-testid=order-address]")).ToContainText("Ada Lovelace"), "address")
	check(t, expect.Locator(order.Locator("[data-testid=order-address]")).ToContainText("Canada"), "country")
	expectCartCount(t, page, 0)
	screenshot(t, page, "order-confirmation.png")
	number, err := order.Locator("[data-testid=order-number]").TextContent()
	check(t, err, "order number")

	resp, err := page.Reload()
	check(t, err, "reload the confirmation")
	if resp == nil || resp.Status() != 200 {
		t.Fatalf("reload: %v", resp)
	}
	check(t, expect.Locator(page.Locator("[data-testid=order-number]")).ToHaveText(number), "the same order after a reload")

	visit(t, page, storePath(demoStore)+"account/")
	link := page.Locator("[data-testid=order-history-item] a")
	check(t, expect.Locator(link).ToHaveText(number), "the account page lists the order")
	check(t, link.Click(), "open it from the history")
	check(t, expect.Page(page).ToHaveURL(regexp.MustCompile(regexp.QuoteMeta(confirmation)+"$")), "the history links the confirmation")

	// Another shopper (another browser context, another cookie): 404.
	other := newPageWith(t, pageConfig{expectError: func(status int, rawURL string) bool {
		return status == 404 && orderURL.MatchString(rawURL)
	}})
	resp, err = other.Goto(confirmation)
	check(t, err, "another shopper opens the URL")
	if resp == nil || resp.Status() != 404 {
		t.Fatalf("another shopper got %v, want 404", resp)
	}
	body, err := other.Locator("main").TextContent()
	check(t, err, "404 page")
	if strings.Contains(body, p.Title) || strings.Contains(body, number) {
		t.Errorf("the 404 page shows the order: %q", body)
	}
}

// TestCheckoutJapaneseWithoutJavaScript checks out in the Japanese store
// with JavaScript off: plain form posts, the total in yen (tax included),
// a 303 to the order's URL, every label in Japanese.
func TestCheckoutJapaneseWithoutJavaScript(t *testing.T) {
	const tea = "kitsune-tea"
	store := testkit.DemoStore(t, tea)
	p := pickProduct(t, store, func(p *catalog.Product) bool { return len(p.Variants) == 1 && buyable(&p.Variants[0], 1) })
	v := firstAvailable(p)
	co := store.Checkout
	want, err := totals.Compute(store.Currency, []totals.Line{{UnitPrice: v.Price, Quantity: 1}}, co.Method("yamato"), co.TaxFor("JP"))
	check(t, err, "expected totals")
	page := newPageWith(t, pageConfig{
		// Reduced motion: the store's smooth scrolling (app.css) leaves a
		// button far down a page without JavaScript "not stable" for
		// Playwright for seconds at a time.
		context: playwright.BrowserNewContextOptions{JavaScriptEnabled: playwright.Bool(false), ReducedMotion: playwright.ReducedMotionReduce},
		expectError: func(status int, rawURL string) bool { // the form refused, asserted below
			return status == 422 && strings.HasSuffix(rawURL, "/islands/checkout")
		},
	})
	open(t, page, productPath(tea, p.Handle))
	check(t, page.Locator("[data-testid=add-to-cart]").Click(), "add to cart")
	open(t, page, storePath(tea)+"islands/cart/page")
	check(t, page.Locator("[data-testid=checkout]").Click(), "check out")
	check(t, expect.Page(page).ToHaveURL(regexp.MustCompile(`/islands/checkout$`)), "on the checkout form")
	check(t, expect.Locator(page.Locator("h1")).ToHaveText("ご注文手続き"), "the title in Japanese")
	check(t, expect.Locator(page.Locator("[data-testid=checkout-total]")).ToHaveText(want.Total.Format(store.Locale)), "the total in yen")
	check(t, expect.Locator(page.Locator("[data-testid=checkout-place]")).ToHaveText("注文を確定する"), "the button in Japanese")
	// Missing fields: said in Japanese, nothing ordered, input kept.
	check(t, page.Locator("[data-testid=checkout-email]").Fill("hanako@example.jp"), "email")
	check(t, page.Locator("[data-testid=checkout-place]").Click(), "place without an address")
	check(t, expect.Locator(page.Locator("[data-testid=checkout-problem-name]")).ToHaveText("この項目は必須です。"), "what is missing")
	check(t, expect.Locator(page.Locator("[data-testid=checkout-email]")).ToHaveValue("hanako@example.jp"), "the email kept")
	// The refused post's page has loaded whole before the next post.
	check(t, page.WaitForLoadState(playwright.PageWaitForLoadStateOptions{State: playwright.LoadStateLoad}), "the form's page loaded")
	for field, value := range map[string]string{"name": "山田 花子", "line1": "祇園町北側 1-2-3", "city": "京都市東山区", "postal_code": "605-0073"} {
		check(t, page.Locator("[data-testid=checkout-"+field+"]").Fill(value), "fill "+field)
	}
	check(t, page.Locator("[data-testid=checkout-place]").Click(), "place the order")
	check(t, expect.Page(page).ToHaveURL(orderURL), "the order's own URL")
	check(t, expect.Locator(page.Locator("[data-testid=order-total]")).ToHaveText(want.Total.Format(store.Locale)), "the order total")
	check(t, expect.Locator(page.Locator("[data-testid=order-page]")).ToContainText("ご注文ありがとうございます"), "thanks in Japanese")
	screenshot(t, page, "order-confirmation-ja.png")
}
