package e2e

import (
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/internal/testkit"
)

// TestFilterSortAndPage is a shopper on a phone who opens a collection
// sorted by price, high to low, keeps only what is in stock and goes to the
// second page: without JavaScript (a plain GET form, server-rendered
// pages) and with it (htmx swaps the results and pushes the URL, which a
// reload renders server-side). Each page lists exactly the products the
// catalog says, in order.
func TestFilterSortAndPage(t *testing.T) {
	st := testkit.DemoStore(t, demoStore)
	var inStock []*catalog.Product
	for _, p := range st.PublishedProducts() {
		if p.Available() {
			inStock = append(inStock, p)
		}
	}
	sorted := catalog.SortProducts(inStock, catalog.SortPriceDesc)
	per := st.ProductsPerPage()
	if len(sorted) <= per {
		t.Fatalf("demo content: %d products in stock, want more than a page (%d)", len(sorted), per)
	}
	titles := func(ps []*catalog.Product) []string {
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = p.Title
		}
		return out
	}
	page1, page2 := titles(sorted[:per]), titles(sorted[per:min(2*per, len(sorted))])
	count := strconv.Itoa(len(sorted)) + " products"

	for _, js := range []bool{false, true} {
		t.Run(map[bool]string{false: "without JavaScript", true: "with htmx"}[js], func(t *testing.T) {
			page := newPage(t, playwright.BrowserNewContextOptions{
				Viewport: &playwright.Size{Width: 390, Height: 844}, IsMobile: playwright.Bool(true),
				JavaScriptEnabled: playwright.Bool(js),
			})
			shown := func(want []string, what string) {
				t.Helper()
				check(t, expect.Locator(page.Locator("[data-testid=collection-count]")).ToHaveText(count), what+": count")
				got, err := page.Locator("[data-testid=product-card] h3").AllTextContents()
				check(t, err, what+": cards")
				if !slices.Equal(got, want) {
					t.Fatalf("%s: %q, want %q", what, got, want)
				}
			}
			open(t, page, storePath(demoStore)+"collections/all/price-desc/")
			if js {
				markPage(t, page)
			}
			// On a phone the form is one closed line until asked for.
			form := page.Locator("#filter-form")
			check(t, expect.Locator(form).Not().ToBeVisible(), "the filters start closed")
			check(t, page.Locator("[data-testid=filters-toggle]").Click(), "open the filters")
			if js {
				// Opened with htmx, it fetches its counts.
				check(t, expect.Locator(page.Locator("label[for=f-stock] .count")).ToHaveText("("+strconv.Itoa(len(inStock))+")"), "the in-stock count")
			}
			// Opened, it is no wider than the phone (a wider page would make
			// a phone zoom out: its layout viewport grows past 390).
			width, err := page.Evaluate(`() => window.innerWidth`)
			check(t, err, "layout width")
			if width != 390 {
				t.Errorf("with the filters open the page is laid out %v pixels wide", width)
			}
			check(t, page.Locator("[data-testid=filter-in-stock]").Check(), "in stock only")
			if !js {
				check(t, page.Locator("[data-testid=filters-apply]").Click(), "apply")
			}
			check(t, expect.Page(page).ToHaveURL(regexp.MustCompile(`/islands/collections/all/\?(.*&)?(filter\.v\.availability=1&(.*&)?sort_by=price-descending|sort_by=price-descending&(.*&)?filter\.v\.availability=1)`)), "the filtered URL")
			shown(page1, "page 1")
			check(t, expect.Locator(page.Locator(".sort a[aria-current=page]")).ToHaveText(catalog.SortPriceDesc.Label()), "still sorted by price")
			check(t, expect.Locator(page.Locator("[data-testid=filter-chip]")).ToHaveCount(1), "the active filter")

			check(t, page.Locator("a[rel=next]").Click(), "next page")
			check(t, expect.Page(page).ToHaveURL(regexp.MustCompile(`page=2`)), "page 2's URL")
			shown(page2, "page 2")
			if js {
				still, err := page.Evaluate(`() => window.stillHere === true`)
				check(t, err, "the page's mark")
				if still != true {
					t.Error("htmx did not swap in place: the page was loaded again")
				}
				check(t, expect.Locator(page.Locator("[data-testid=filter-in-stock]")).ToBeChecked(), "the form keeps the filter")
				// The pushed URL is what a reload or a shared link renders.
				_, err = page.Reload()
				check(t, err, "reload")
				shown(page2, "page 2 reloaded")
			}
			screenshot(t, page, map[bool]string{false: "filters-nojs.png", true: "filters-htmx.png"}[js])
		})
	}
}
