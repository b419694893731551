package e2e

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/wandstore/wandstore/internal/testkit"
)

// TestSearch searches the demo store the way a shopper does: the search
// page loads the index's shards (search.json names them) and lists, by
// title, every published product whose title, vendor, type or tags hold
// each word typed; a word nothing holds says so.
func TestSearch(t *testing.T) {
	store := testkit.DemoStore(t, demoStore)
	var want []string
	for _, p := range publishedProducts(store) {
		hay := strings.ToLower(strings.Join(append([]string{p.Title, p.Vendor, p.Type}, p.Tags...), " "))
		if strings.Contains(hay, "wand") {
			want = append(want, p.Title)
		}
	}
	if len(want) < 2 {
		t.Fatalf("the demo store has %d products about wands: the test proves little", len(want))
	}
	page := newPage(t)
	open(t, page, storePath(demoStore)+"search/?q="+url.QueryEscape("wand"))
	status := page.Locator("#search-status")
	check(t, expect.Locator(status).ToHaveText(fmt.Sprintf("%d products found", len(want))), "search status")
	titles, err := page.Locator("#search-results li h3").AllTextContents()
	check(t, err, "result titles")
	got := map[string]bool{}
	for _, title := range titles {
		got[strings.TrimSpace(title)] = true
	}
	for _, title := range want {
		if !got[title] {
			t.Errorf("search for wand: %q missing from %v", title, titles)
		}
	}
	check(t, page.Locator("#q").Fill("zzzxq"), "type a query")
	check(t, expect.Locator(status).ToHaveText("0 products found"), "a query nothing matches")
}
