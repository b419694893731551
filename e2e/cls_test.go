package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"
)

// clsObserver sums the page's layout shifts (those not caused by input) as
// the Layout Instability API reports them, from before the first paint.
const clsObserver = `window.__cls = 0;
new PerformanceObserver(function (list) {
  list.getEntries().forEach(function (e) { if (!e.hadRecentInput) window.__cls += e.value; });
}).observe({ type: "layout-shift", buffered: true });`

// TestNoLayoutShift loads each kind of page on a phone-sized screen, lets
// its islands fill in, and requires a cumulative layout shift of 0: the
// islands' answers take the place the page kept for them.
func TestNoLayoutShift(t *testing.T) {
	for _, path := range []string{
		storePath(demoStore),
		storePath(demoStore) + "collections/all/",
		productPath(demoStore, productUnderTest),
		storePath(demoStore) + "search/?q=wand",
		storePath(demoStore) + "cart/",
		storePath(demoStore) + "account/",
	} {
		t.Run(path, func(t *testing.T) {
			page := newPage(t, playwright.BrowserNewContextOptions{
				Viewport: &playwright.Size{Width: 412, Height: 915}, IsMobile: playwright.Bool(true), HasTouch: playwright.Bool(true),
			})
			check(t, page.AddInitScript(playwright.Script{Content: playwright.String(clsObserver)}), "observer")
			// Islands answer after the page has painted, as on a phone's
			// network: a placeholder that did not keep their place shows.
			slow := func(r playwright.Route) {
				time.Sleep(400 * time.Millisecond)
				r.Continue()
			}
			check(t, page.Route("**/islands/**", slow), "slow islands")
			check(t, page.Route("**/search*.json*", slow), "a slow search index")
			open(t, page, path)
			islandsLoaded(t, page)
			if strings.Contains(path, "search/") {
				check(t, expect.Locator(page.Locator("[data-testid=search-result]").First()).ToBeVisible(), "search results")
			}
			time.Sleep(300 * time.Millisecond) // a shift after the last answer would come now
			cls, err := page.Evaluate("window.__cls")
			check(t, err, "read CLS")
			var v float64
			switch x := cls.(type) {
			case float64:
				v = x
			case int:
				v = float64(x)
			}
			if v != 0 {
				t.Errorf("cumulative layout shift %.4f, want 0", v)
			}
		})
	}
}

// TestSortPillsOneRowOnAPhone: a collection's six sort orders take one row
// on a 390-pixel screen (they scroll sideways), not three, and the page is
// no wider than the screen.
func TestSortPillsOneRowOnAPhone(t *testing.T) {
	page := newPage(t, playwright.BrowserNewContextOptions{Viewport: &playwright.Size{Width: 390, Height: 844}, IsMobile: playwright.Bool(true)})
	open(t, page, storePath(demoStore)+"collections/all/")
	rows, err := page.Evaluate(`() => new Set(Array.from(document.querySelectorAll(".sort li")).map(li => li.offsetTop)).size`)
	check(t, err, "sort rows")
	if rows != 1 {
		t.Errorf("the sort orders take %v rows", rows)
	}
	wide, err := page.Evaluate(`() => document.documentElement.scrollWidth > window.innerWidth`)
	check(t, err, "page width")
	if wide == true {
		t.Error("the collection page is wider than the screen")
	}
}
