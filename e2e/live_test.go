package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"
	"github.com/wandstore/wandstore/app"
	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/shopify/shopifytest"
)

// watch fails the test on page's uncaught exceptions and console errors
// (newPage does this for the first page of a context; this is for a
// second tab).
func watch(t *testing.T, page playwright.Page) {
	var mu sync.Mutex
	var problems []string
	note := func(s string) { mu.Lock(); problems = append(problems, s); mu.Unlock() }
	page.OnPageError(func(err error) { note(fmt.Sprintf("uncaught exception: %v", err)) })
	page.OnConsole(func(m playwright.ConsoleMessage) {
		if m.Type() == "error" {
			note("console error: " + m.Text())
		}
	})
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			t.Errorf("second tab: %s", p)
		}
	})
}

// liveOpen waits for the page's live stream to be open.
func liveOpen(t *testing.T, page playwright.Page) {
	t.Helper()
	check(t, expect.Locator(page.Locator("html[data-live=open]")).ToHaveCount(1), "the page's live stream should open once it is idle")
}

// A shopper's second tab, left alone, shows the cart count of an add in
// the first within a second, without loading htmx (nothing was touched
// in it); neither tab logs an error.
func TestSecondTabSeesTheCart(t *testing.T) {
	store := testkit.DemoStore(t, demoStore)
	p := pickProduct(t, store, func(p *catalog.Product) bool { return len(p.Variants) == 1 && buyable(&p.Variants[0], 3) })
	v := firstAvailable(p)

	tab1 := newPage(t)
	open(t, tab1, productPath(demoStore, p.Handle))
	addToCart(t, tab1, p, v, 1) // the shopper's first write: their cookie
	expectCartCount(t, tab1, 1)

	tab2, err := tab1.Context().NewPage()
	check(t, err, "a second tab")
	watch(t, tab2)
	open(t, tab2, storePath(demoStore))
	islandsLoaded(t, tab2)
	expectCartCount(t, tab2, 1)
	liveOpen(t, tab2)

	check(t, tab1.BringToFront(), "back to the first tab")
	start := time.Now()
	addToCart(t, tab1, p, v, 1)
	check(t, expect.Locator(tab2.Locator("[data-testid=cart-badge] [data-testid=cart-count]")).ToHaveText("2",
		playwright.LocatorAssertionsToHaveTextOptions{Timeout: playwright.Float(1000)}), "the second tab counts 2 within a second")
	t.Logf("the second tab showed the new count %s after the add was clicked", time.Since(start).Round(time.Millisecond))
	if loaded, _ := tab2.Evaluate(`() => typeof window.htmx`); loaded != "undefined" {
		t.Errorf("htmx is %v in the untouched second tab", loaded)
	}
}

// A stream that never delivers (a proxy that holds it): the page works on
// its own requests as before.
func TestLiveStreamThatNeverDelivers(t *testing.T) {
	store := testkit.DemoStore(t, demoStore)
	p := pickProduct(t, store, func(p *catalog.Product) bool { return len(p.Variants) == 1 && buyable(&p.Variants[0], 2) })
	v := firstAvailable(p)
	page := newPage(t)
	held := make(chan struct{})
	asked := make(chan struct{}, 8)
	check(t, page.Route("**/islands/events*", func(r playwright.Route) {
		asked <- struct{}{}
		<-held // never answered while the test runs
	}), "hold the stream")
	t.Cleanup(func() { close(held) })
	open(t, page, productPath(demoStore, p.Handle))
	islandsLoaded(t, page)
	select {
	case <-asked:
	case <-time.After(15 * time.Second):
		t.Fatal("the page never asked for its stream")
	}
	addToCart(t, page, p, v, 2)
	expectCartCount(t, page, 2)
}

// An open product page, left alone, follows a products/update webhook:
// the new price, and the product sold out (its button disabled), without
// a reload.
func TestOpenProductPageFollowsAWebhook(t *testing.T) {
	page := newPage(t)
	shop, d := startShopifyDemo(t)
	visitAt(t, page, d.URL+"/s/wands/products/elder-wand/")
	price := page.Locator("[data-testid=product-price]")
	check(t, expect.Locator(price).ToContainText("$129.00"), "the price before")
	liveOpen(t, page)
	markPage(t, page)
	start := sellOutAt139(t, shop, d)
	check(t, expect.Locator(price).ToContainText("$139.00", playwright.LocatorAssertionsToContainTextOptions{Timeout: playwright.Float(3000)}),
		"the open page shows the new price")
	t.Logf("the open page showed the new price %s after the webhook was sent", time.Since(start).Round(time.Millisecond))
	check(t, expect.Locator(page.Locator("[data-testid=add-to-cart]")).ToBeDisabled(), "the button of a sold-out product")
	notReloaded(t, page)
}

// An open collection page follows a products/update webhook too: the
// changed product's card shows its new price and the sold-out badge, the
// other cards are left alone, and the page is not reloaded.
func TestOpenCollectionPageFollowsAWebhook(t *testing.T) {
	page := newPage(t)
	shop, d := startShopifyDemo(t)
	visitAt(t, page, d.URL+"/s/wands/collections/all/")
	card := page.Locator("[data-testid=product-card]", playwright.PageLocatorOptions{HasText: "Elder Wand"})
	other := page.Locator("[data-testid=product-card]", playwright.PageLocatorOptions{HasText: "Holly Wand"})
	check(t, expect.Locator(card).ToContainText("$129.00"), "the card's price before")
	liveOpen(t, page)
	markPage(t, page)
	start := sellOutAt139(t, shop, d)
	check(t, expect.Locator(card).ToContainText("$139.00", playwright.LocatorAssertionsToContainTextOptions{Timeout: playwright.Float(3000)}),
		"the open collection shows the card's new price")
	t.Logf("the open collection showed the new price %s after the webhook was sent", time.Since(start).Round(time.Millisecond))
	check(t, expect.Locator(card.Locator(".badge.soldout")).ToHaveCount(1), "the card's sold-out badge")
	check(t, expect.Locator(other).ToContainText("$49.00"), "the other card")
	notReloaded(t, page)
}

// markPage marks the open page, for notReloaded.
func markPage(t *testing.T, page playwright.Page) {
	t.Helper()
	_, err := page.Evaluate(`() => { window.stillHere = true }`)
	check(t, err, "mark the page")
}

// notReloaded fails t when the page markPage marked was loaded again.
func notReloaded(t *testing.T, page playwright.Page) {
	t.Helper()
	if still, _ := page.Evaluate(`() => window.stillHere === true`); still != true {
		t.Error("the page was reloaded")
	}
}

// sellOutAt139 makes the first webhook product $139.00 and sold out at
// the Shopify stand-in, sends its products/update webhook, and says when.
func sellOutAt139(t *testing.T, shop *shopifytest.Server, d *app.Demo) time.Time {
	t.Helper()
	ps := webhookProducts()
	ps[0].Variants[0].Price.Amount, ps[0].Variants[0].AvailableForSale = "139.00", false
	shop.SetProducts(ps)
	start := time.Now()
	if code := sendWebhook(t, d, shopifytest.ProductPayload(ps[0], time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))); code != http.StatusOK {
		t.Fatalf("webhook: status %d", code)
	}
	return start
}

// Over HTTP/1.1 (the demo's), a hidden tab gives its stream up, so many
// open tabs cannot take every connection the browser allows a site; shown
// again, it opens the stream and asks its islands again.
func TestHiddenTabGivesItsStreamUp(t *testing.T) {
	page := newPage(t)
	visit(t, page, storePath(demoStore))
	liveOpen(t, page)
	visibility := func(hidden bool) {
		t.Helper()
		_, err := page.Evaluate(`(hidden) => {
			Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
			Object.defineProperty(document, "visibilityState", { configurable: true, get: () => hidden ? "hidden" : "visible" });
			document.dispatchEvent(new Event("visibilitychange"));
		}`, hidden)
		check(t, err, "set the page's visibility")
	}
	visibility(true)
	check(t, expect.Locator(page.Locator("html[data-live=closed]")).ToHaveCount(1), "a hidden tab's stream is closed")
	asked := make(chan struct{}, 4)
	page.OnRequest(func(r playwright.Request) {
		if strings.Contains(r.URL(), "/islands/page") {
			asked <- struct{}{}
		}
	})
	visibility(false)
	liveOpen(t, page)
	select {
	case <-asked:
	case <-time.After(3 * time.Second):
		t.Error("shown again, the tab did not ask its islands again")
	}
}
