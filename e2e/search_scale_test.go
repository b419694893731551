package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSearchAt10000Products measures search where it is hardest: a store
// of 10,000 products, in Chromium. It checks that a misspelled name still
// finds its product, and logs the index's size per product and the time
// the page takes to load the index and to answer each keystroke (run with
// -v to see them; a time is reported, never asserted).
func TestSearchAt10000Products(t *testing.T) {
	const n = 10000
	dir := t.TempDir()
	if err := writeSearchStore(filepath.Join(dir, "big"), n); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/s/big/islands/", func(http.ResponseWriter, *http.Request) {}) // islands answer empty: not the point here
	origin, out, built := servedLikeABucket(t, dir, mux)
	t.Logf("built %d products in %v", n, built.Round(time.Millisecond))
	shards, _ := filepath.Glob(filepath.Join(out, "s/big/search-*.json"))
	var bytes int64
	for _, f := range shards {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		bytes += st.Size()
	}
	t.Logf("search index: %d shards, %d bytes, %d bytes a product", len(shards), bytes, bytes/n)

	page := newPage(t)
	if _, err := page.Goto(origin + "s/big/search/?q=obsidian"); err != nil {
		t.Fatal(err)
	}
	results := page.Locator("#search-results")
	check(t, expect.Locator(page.Locator("[data-testid=search-result]").First()).ToBeVisible(), "results for the first query")
	// Many hits come a page at a time: 12, then 12 more on asking, the
	// focus on the first new one.
	cards := page.Locator("[data-testid=search-result]")
	check(t, expect.Locator(cards).ToHaveCount(12), "the first page of results")
	check(t, page.Locator("[data-testid=search-more]").Click(), "show more")
	check(t, expect.Locator(cards).ToHaveCount(24), "the second page of results")
	check(t, expect.Locator(cards.Nth(12).Locator("a")).ToBeFocused(), "the focus on the first new result")
	loadMS, _ := results.GetAttribute("data-load-ms")
	t.Logf("the index loaded and built in %s ms", loadMS)

	// A shopper types a misspelled name, a letter at a time.
	input := page.Locator("[data-testid=search-input]")
	check(t, input.Fill(""), "clear")
	var took []float64
	typed := ""
	for _, r := range "obsidain wnad 4224" {
		typed += string(r)
		check(t, input.PressSequentially(string(r)), "type")
		if r == ' ' {
			continue
		}
		check(t, expect.Locator(page.Locator("#search-status")).Not().ToHaveText(""), "an answer for "+typed)
		time.Sleep(150 * time.Millisecond) // the script waits 80 ms after the last key
		ms, err := results.GetAttribute("data-took-ms")
		check(t, err, "time")
		f, _ := strconv.ParseFloat(ms, 64)
		took = append(took, f)
	}
	check(t, expect.Locator(page.Locator("[data-testid=search-result] h2").First()).ToHaveText("Obsidian Wand 4224"), "the misspelled name finds its product first")
	slices.Sort(took)
	t.Logf("time to answer a keystroke over %d products: median %.1f ms, max %.1f ms (%d keystrokes)", n, took[len(took)/2], took[len(took)-1], len(took))
}

// writeSearchStore writes a store of n products named "<Material> <Kind>
// <number>", with a vendor, tags, a SKU and a sentence of description.
func writeSearchStore(dir string, n int) error {
	if err := os.MkdirAll(filepath.Join(dir, "products"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "store.yaml"), []byte("name: Big\ncurrency: USD\n"), 0o644); err != nil {
		return err
	}
	materials := []string{"Obsidian", "Elder", "Holly", "Yew", "Oak", "Willow", "Ash", "Rowan", "Cedar", "Ebony", "Maple", "Walnut"}
	kinds := []string{"Wand", "Staff", "Cloak", "Robe", "Cauldron", "Amulet", "Grimoire", "Lantern"}
	vendors := []string{"Thornwood & Sons", "Moonlit Looms", "Copper Kettle Co", "Owlery Supply"}
	for i := 0; i < n; i++ {
		m, k := materials[i%len(materials)], kinds[(i/len(materials))%len(kinds)]
		doc := fmt.Sprintf("---\ntitle: %s %s %04d\nvendor: %s\ntype: %s\ntags: [%s, %s]\nprice: \"%d.00\"\nsku: BG-%05d\n---\nA %s %s, made by hand and finished with care.\n",
			m, k, i, vendors[i%len(vendors)], k, strings.ToLower(m), strings.ToLower(k), 5+i%300, i, strings.ToLower(m), strings.ToLower(k))
		if err := os.WriteFile(filepath.Join(dir, "products", fmt.Sprintf("p-%05d.md", i)), []byte(doc), 0o644); err != nil {
			return err
		}
	}
	return nil
}
