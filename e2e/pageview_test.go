package e2e

import (
	"strings"
	"sync"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// TestOneIslandRequestPerPageView: every kind of page fills all its
// islands with a single request to the islands server, and each island
// shows its live answer.
func TestOneIslandRequestPerPageView(t *testing.T) {
	for _, c := range []struct {
		path    string
		islands []string // placeholders that must hold a live answer
		after   string   // a page the shopper saw first, not counted
	}{
		// After a product page, so the home page's recommendations have a
		// product to start from whatever ran before (a new shopper in a
		// store with no views yet is recommended nothing).
		{storePath(demoStore), []string{"#recommendations h2", "#recently-viewed"}, productPath(demoStore, productUnderTest)},
		{storePath(demoStore) + "collections/all/", nil, ""},
		{productPath(demoStore, productUnderTest), []string{"#wishlist-button [data-testid=wishlist-toggle]", "#recommendations [data-testid=product-card]"}, ""},
		{storePath(demoStore) + "search/?q=wand", nil, ""},
		{storePath(demoStore) + "cart/", []string{"#cart-drawer [data-testid=cart-empty]"}, ""},
		{storePath(demoStore) + "wishlist/", []string{"#wishlist [data-testid=wishlist-empty]"}, ""},
		{storePath(demoStore) + "account/", []string{"#preferences [data-testid=preferences-save]"}, ""},
	} {
		t.Run(c.path, func(t *testing.T) {
			page := newPage(t)
			if c.after != "" {
				open(t, page, c.after)
				islandsLoaded(t, page)
				liveOpen(t, page) // its stream is asked before the count starts
			}
			var mu sync.Mutex
			var asked, streams []string
			page.OnRequest(func(r playwright.Request) {
				mu.Lock()
				defer mu.Unlock()
				switch {
				case strings.Contains(r.URL(), "/islands/events"): // the page's live stream (LIVE.md)
					streams = append(streams, r.URL())
				case strings.Contains(r.URL(), "/islands/"):
					asked = append(asked, r.Method()+" "+r.URL())
				}
			})
			open(t, page, c.path)
			islandsLoaded(t, page)
			check(t, expect.Locator(page.Locator("[data-testid=cart-count]")).ToHaveText("0"), "the cart badge's live count")
			for _, sel := range c.islands {
				check(t, expect.Locator(page.Locator(sel).First()).ToBeAttached(), sel)
			}
			liveOpen(t, page)
			mu.Lock()
			defer mu.Unlock()
			if len(asked) != 1 {
				t.Errorf("%d island requests, want 1: %v", len(asked), asked)
			}
			if len(streams) != 1 {
				t.Errorf("%d live streams, want 1: %v", len(streams), streams)
			}
		})
	}
}
