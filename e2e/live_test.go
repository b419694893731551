package e2e

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"
	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/internal/testkit"
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
