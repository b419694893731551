package e2e

import (
	"regexp"
	"strings"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/internal/testkit"
)

// TestWithoutJavaScript is a shopper whose browser runs no script: the
// product page's wishlist button saves, the island pages offer their full
// page rather than "Loading…" for ever, and a refused add to cart is a page
// with a way back to the product.
func TestWithoutJavaScript(t *testing.T) {
	store := testkit.DemoStore(t, demoStore)
	p := store.Product(productUnderTest)
	var v *catalog.Variant // one with less stock than a shopper may ask for
	for i := range p.Variants {
		if vr := &p.Variants[i]; vr.Available && vr.Tracked && vr.Inventory < 50 {
			v = vr
			break
		}
	}
	if v == nil {
		t.Fatalf("demo content: %s has no variant with little stock", p.Handle)
	}
	page := newPageWith(t, pageConfig{
		context: playwright.BrowserNewContextOptions{JavaScriptEnabled: playwright.Bool(false)},
		expectError: func(status int, rawURL string) bool { // the refused add, asserted below
			return status == 422 && strings.HasSuffix(rawURL, "/islands/cart/add")
		},
	})
	open(t, page, productPath(demoStore, p.Handle))
	check(t, page.Locator("[data-testid=wishlist-save]").Click(), "save to wishlist")
	check(t, expect.Locator(page.Locator("main")).ToContainText(p.Title), "the wishlist page lists the product")

	open(t, page, storePath(demoStore)+"cart/")
	check(t, expect.Locator(page.Locator("main")).Not().ToContainText("Loading"), "no Loading… without JavaScript")
	check(t, expect.Locator(page.Locator("main a", playwright.PageLocatorOptions{HasText: "Open your cart"})).ToBeVisible(), "a link to the cart's full page")

	open(t, page, productPath(demoStore, p.Handle))
	_, err := page.Locator("[data-testid=variant-picker]").SelectOption(playwright.SelectOptionValues{Values: &[]string{v.ID}})
	check(t, err, "choose a variant")
	check(t, page.Locator("#quantity").Fill("50"), "more than there is")
	check(t, page.Locator("[data-testid=add-to-cart]").Click(), "add to cart")
	back := page.Locator("[data-testid=error-back]")
	check(t, expect.Locator(back).ToBeVisible(), "the error page has a way back")
	check(t, back.Click(), "go back")
	check(t, expect.Page(page).ToHaveURL(regexp.MustCompile(regexp.QuoteMeta(productPath(demoStore, p.Handle)))), "back on the product page")
}
