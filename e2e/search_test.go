package e2e

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/wandstore/wandstore/internal/testkit"
)

// titleWords are a title's words as the search script splits them.
func titleWords(title string) []string {
	return regexp.MustCompile(`[^\p{L}\p{N}]+`).Split(strings.ToLower(title), -1)
}

// TestSearch searches the demo store the way a shopper does: the search
// page loads the index's shards (search.json names them); every product
// with the word in its title is found, ranked above those that have it
// only elsewhere.
func TestSearch(t *testing.T) {
	store := testkit.DemoStore(t, demoStore)
	var inTitle []string
	for _, p := range publishedProducts(store) {
		for _, w := range titleWords(p.Title) {
			if strings.HasPrefix(w, "wand") {
				inTitle = append(inTitle, p.Title)
				break
			}
		}
	}
	if len(inTitle) < 2 {
		t.Fatalf("the demo store has %d products with wand in the title: the test proves little", len(inTitle))
	}
	page := newPage(t)
	open(t, page, storePath(demoStore)+"search/?q="+url.QueryEscape("wand"))
	results := page.Locator("[data-testid=search-result] h2")
	check(t, expect.Locator(results.First()).ToBeVisible(), "results")
	// Results come a page at a time: ask for more until every title
	// match can be on the page.
	for shown := 0; ; {
		n, err := results.Count()
		check(t, err, "results shown")
		if n >= len(inTitle) || n == shown {
			break
		}
		shown = n
		more := page.Locator("[data-testid=search-more]")
		if visible, _ := more.IsVisible(); visible {
			check(t, more.Click(), "show more")
			check(t, expect.Locator(results.Nth(n)).ToBeVisible(), "the next page of results")
		}
	}
	titles, err := results.AllTextContents()
	check(t, err, "result titles")
	if len(titles) < len(inTitle) {
		t.Fatalf("%d results, want at least the %d with wand in the title: %v", len(titles), len(inTitle), titles)
	}
	top := map[string]bool{}
	for _, title := range titles[:len(inTitle)] {
		top[strings.TrimSpace(title)] = true
	}
	for _, title := range inTitle {
		if !top[title] {
			t.Errorf("%q is not among the first %d results (title matches rank first): %v", title, len(inTitle), titles)
		}
	}
	check(t, page.Locator("[data-testid=search-input]").Fill("zzzxq"), "type a query")
	check(t, expect.Locator(page.Locator("#search-status")).ToHaveText("0 products found"), "a query nothing matches")
	check(t, expect.Locator(page.Locator("[data-testid=search-popular]")).ToBeVisible(), "popular products on zero results")
}

// TestSearchForgivesTypos: a misspelled name finds the product, as you
// type; a SKU finds its product; a word too far from anything suggests the
// nearest; the header's search box on any page leads to the results.
func TestSearchForgivesTypos(t *testing.T) {
	store := testkit.DemoStore(t, demoStore)
	elder := store.Product("elder-wand")
	page := newPage(t)
	open(t, page, productPath(demoStore, elder.Handle))
	header := page.Locator("[data-testid=header-search]")
	check(t, header.Fill("eldr wnad"), "type in the header")
	check(t, header.Press("Enter"), "submit the header search")
	check(t, expect.Page(page).ToHaveURL(regexp.MustCompile(`/search/\?q=eldr`)), "the header search leads to the search page")
	first := page.Locator("[data-testid=search-result] h2").First()
	check(t, expect.Locator(first).ToHaveText(elder.Title), "a misspelled name finds the product first")

	input := page.Locator("[data-testid=search-input]")
	check(t, input.Fill("eld"), "type the start of a word")
	check(t, expect.Locator(page.Locator("[data-testid=search-result] h2", playwright.PageLocatorOptions{HasText: elder.Title})).ToHaveCount(1), "a prefix finds the product as you type")
	sku := elder.Variants[len(elder.Variants)-1].SKU
	check(t, input.Fill(sku), "search a SKU")
	check(t, expect.Locator(first).ToHaveText(elder.Title), "a SKU finds its product")

	check(t, input.Fill("elxdr"), "a word two typos off")
	check(t, expect.Locator(page.Locator("[data-testid=did-you-mean]")).ToBeVisible(), "did you mean")
	check(t, page.Locator("[data-testid=did-you-mean]").Click(), "take the suggestion")
	check(t, expect.Locator(page.Locator("[data-testid=search-result]").First()).ToBeVisible(), "the suggestion finds something")
}
