package e2e

import (
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"
	"github.com/wandstore/wandstore/internal/testkit"
)

// TestHTMXComesWithTheFirstAction: a page view fills its islands without
// htmx (static/islands.js), and htmx is loaded only when the shopper first
// acts. An action taken before htmx has arrived is held and answered in
// place once it has; if htmx cannot be loaded, the action is done as
// without JavaScript.
func TestHTMXComesWithTheFirstAction(t *testing.T) {
	store := testkit.DemoStore(t, demoStore)
	p := store.Product(productUnderTest)
	if p == nil {
		t.Fatalf("demo content: store %s has no product %s", demoStore, productUnderTest)
	}

	t.Run("held until htmx arrives, then answered in place", func(t *testing.T) {
		page := newPage(t)
		var asked atomic.Int32
		// htmx arrives late, so the click surely comes first.
		check(t, page.Route("**/assets/htmx*", func(r playwright.Route) {
			asked.Add(1)
			time.Sleep(800 * time.Millisecond)
			if err := r.Continue(); err != nil {
				t.Errorf("continue the htmx request: %v", err)
			}
		}), "delay htmx")
		open(t, page, productPath(demoStore, p.Handle))
		islandsLoaded(t, page)
		check(t, expect.Locator(page.Locator("[data-testid=cart-count]")).ToHaveText("0"), "the islands are live without htmx")
		loaded, err := page.Evaluate(`() => typeof window.htmx`)
		check(t, err, "htmx on the page")
		if loaded != "undefined" || asked.Load() != 0 {
			t.Fatalf("htmx is %v and was asked for %d times before the shopper did anything", loaded, asked.Load())
		}
		_, err = page.Evaluate(`() => { window.stillHere = true }`)
		check(t, err, "mark the page")

		check(t, page.Locator("[data-testid=add-to-cart]").Click(), "click Add to cart")
		msg := page.Locator("#buy-status [data-testid=buy-status-message]")
		check(t, expect.Locator(msg).ToContainText(p.Title), "the held click is answered in place")
		expectCartCount(t, page, 1)
		still, err := page.Evaluate(`() => window.stillHere === true && !!window.htmx`)
		check(t, err, "the page's mark")
		if still != true {
			t.Error("the page was loaded again, or htmx is not running: the click was not held for htmx")
		}
		if n := asked.Load(); n != 1 {
			t.Errorf("htmx asked for %d times, want once", n)
		}
	})

	t.Run("the page still loading: htmx takes over all the same", func(t *testing.T) {
		// htmx starts on DOMContentLoaded, or at once when the document is
		// complete; loaded between the two (an image still coming), it
		// waited for an event that had passed and never took over the page.
		page := newPage(t)
		release := make(chan struct{})
		t.Cleanup(func() {
			select {
			case <-release:
			default:
				close(release)
			}
		})
		check(t, page.Route("**/assets/*.jpg", func(r playwright.Route) {
			select {
			case <-release:
			case <-time.After(20 * time.Second):
			}
			if err := r.Continue(); err != nil {
				t.Logf("continue an image request: %v", err)
			}
		}), "hold the images")
		_, err := page.Goto(productPath(demoStore, p.Handle), playwright.PageGotoOptions{WaitUntil: playwright.WaitUntilStateDomcontentloaded})
		check(t, err, "open the product page")
		islandsLoaded(t, page)
		_, err = page.Evaluate(`() => { window.stillHere = true }`)
		check(t, err, "mark the page")
		if state, _ := page.Evaluate(`() => document.readyState`); state != "interactive" {
			t.Fatalf("document.readyState %v before the click, want interactive: the test proves nothing", state)
		}
		check(t, page.Locator("[data-testid=add-to-cart]").Click(), "click Add to cart")
		msg := page.Locator("#buy-status [data-testid=buy-status-message]")
		check(t, expect.Locator(msg).ToContainText(p.Title), "the click is answered in place while the page loads")
		still, err := page.Evaluate(`() => window.stillHere === true && document.readyState`)
		check(t, err, "the page's mark")
		if still != "interactive" {
			t.Errorf("after the click: %v, want the same page, still loading", still)
		}
		close(release)
	})

	t.Run("htmx cannot load: done as without JavaScript", func(t *testing.T) {
		page := newPageWith(t, pageConfig{expectError: func(status int, u string) bool {
			return status == http.StatusServiceUnavailable && strings.Contains(u, "/assets/htmx")
		}})
		check(t, page.Route("**/assets/htmx*", func(r playwright.Route) {
			if err := r.Fulfill(playwright.RouteFulfillOptions{Status: playwright.Int(http.StatusServiceUnavailable)}); err != nil {
				t.Errorf("refuse the htmx request: %v", err)
			}
		}), "refuse htmx")
		open(t, page, productPath(demoStore, p.Handle))
		islandsLoaded(t, page)
		check(t, page.Locator("[data-testid=add-to-cart]").Click(), "click Add to cart")
		// The form posts as a plain form: the full cart page answers.
		check(t, expect.Page(page).ToHaveURL(regexp.MustCompile(regexp.QuoteMeta(storePath(demoStore))+`.*cart`)), "the plain form's answer")
		check(t, expect.Locator(page.Locator("main")).ToContainText(p.Title), "the cart holds the product")
		if loaded, _ := page.Evaluate(`() => !!window.htmx`); loaded == true {
			t.Error("htmx is running though its script was blocked")
		}
	})
}
