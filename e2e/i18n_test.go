package e2e

// The Japanese store in a real browser: every page a shopper reaches, with
// its islands loaded (cart badge, recommendations, recently viewed,
// wishlist button) and after the shopper's actions (add to cart, an add
// refused for stock, save to wishlist, search with and without results),
// shows no English interface word. The words are the English message
// catalog's (but names, as "WandStore", which Japanese writes the same),
// and the merchant's own catalog text is the merchant's business.

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/i18n"
	"github.com/wandstore/wandstore/internal/testkit"
)

const jaStore = "kitsune-tea"

// pageTextJS collects what a shopper, their screen reader or a link
// preview reads: every text node but scripts' and styles' (hidden ones
// too: a screen reader reads visually hidden text, and hidden text shows
// later), noscript's markup read as markup, the attributes that carry
// words, the head's description and Open Graph text, and the values of
// JSON message blocks.
const pageTextJS = `() => {
  const out = [];
  const attrs = ["aria-label", "placeholder", "alt", "title"];
  const strings = v => typeof v === "string" ? [v] : v && typeof v === "object" ? Object.values(v).flatMap(strings) : [];
  const walk = root => {
    const w = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    for (let n = w.currentNode; n; n = w.nextNode()) {
      if (n.nodeType === Node.TEXT_NODE) {
        const p = n.parentElement && n.parentElement.tagName;
        if (p === "SCRIPT" || p === "STYLE") continue;
        if (p === "NOSCRIPT") {
          out.push(new DOMParser().parseFromString(n.data, "text/html").body.textContent);
          continue;
        }
        out.push(n.data);
        continue;
      }
      for (const a of attrs) if (n.hasAttribute(a)) out.push(n.getAttribute(a));
      if (n.tagName === "SCRIPT" && n.type === "application/json") out.push(...strings(JSON.parse(n.textContent)));
      if (n.tagName === "META" && /^(description|og:title|og:description|og:site_name)$/.test(n.getAttribute("name") || n.getAttribute("property") || "")) {
        out.push(n.getAttribute("content"));
      }
    }
  };
  walk(document.documentElement);
  return out;
}`

var latinWord = regexp.MustCompile(`\p{Latin}{2,}`)

// interfaceWords are the English catalog's words a Japanese page must not
// show (lowercased): not names ("WandStore"), nor the merchant's words.
func interfaceWords(t *testing.T, store *catalog.Store) map[string]bool {
	t.Helper()
	merchant := map[string]bool{}
	add := func(texts ...string) {
		for _, s := range texts {
			for _, w := range latinWord.FindAllString(s, -1) {
				merchant[strings.ToLower(w)] = true
			}
		}
	}
	add(store.Name, store.Description, store.Settings.Announcement, store.Settings.ContactEmail, store.Theme.Logo.Alt)
	for _, p := range store.Products {
		add(p.Title, p.Vendor, p.Type, p.DescriptionHTML, p.SEO.Title, p.SEO.Description)
		add(p.Tags...)
		for _, img := range p.Images {
			add(img.Alt)
		}
		for _, o := range p.Options {
			add(o.Name)
			add(o.Values...)
		}
		for _, v := range p.Variants {
			add(v.Title)
		}
	}
	for _, c := range store.Collections {
		add(c.Title, c.DescriptionHTML, c.SEO.Title, c.SEO.Description, c.Image.Alt)
	}
	ja := i18n.For(store.Locale)
	if ja.Lang() != "ja" {
		t.Fatalf("store %s has locale %q, want Japanese", store.Handle, store.Locale)
	}
	out := map[string]bool{}
	for _, w := range i18n.For("en").Words() {
		if lw := strings.ToLower(w); !i18n.IsName(w) && !merchant[lw] {
			out[lw] = true
		}
	}
	if len(out) < 50 {
		t.Fatalf("only %d English interface words to look for: %v", len(out), out)
	}
	return out
}

// expectNoEnglish fails the test with every English interface word the
// page shows now, and where.
func expectNoEnglish(t *testing.T, page playwright.Page, words map[string]bool, what string) {
	t.Helper()
	v, err := page.Evaluate(pageTextJS)
	check(t, err, "read the page's text")
	texts, _ := v.([]any)
	if len(texts) == 0 {
		t.Fatalf("%s: no text read", what)
	}
	var found []string
	for _, x := range texts {
		s, _ := x.(string)
		for _, w := range latinWord.FindAllString(s, -1) {
			if words[strings.ToLower(w)] {
				found = append(found, fmt.Sprintf("%q in %q", w, strings.TrimSpace(s)))
			}
		}
	}
	if len(found) > 0 {
		t.Errorf("%s (%s) shows English interface text:\n  %s", what, page.URL(), strings.Join(slices.Compact(found), "\n  "))
	}
}

// TestJapaneseStoreHasNoEnglish walks the Japanese store as a shopper.
func TestJapaneseStoreHasNoEnglish(t *testing.T) {
	store := testkit.DemoStore(t, jaStore)
	words := interfaceWords(t, store)
	ja := i18n.For(store.Locale)
	base := storePath(jaStore)
	missing := base + "no-such-page/"
	page := newPageWith(t, pageConfig{expectError: func(status int, rawURL string) bool {
		u, err := url.Parse(rawURL)
		return status == 404 && err == nil && u.Path == missing
	}})

	// A product with a tracked variant (the refused add) and another.
	var tracked *catalog.Product
	var tv *catalog.Variant
	for _, p := range publishedProducts(store) {
		for i := range p.Variants {
			if v := &p.Variants[i]; v.Available && v.Tracked && v.Inventory < 98 && len(p.Variants) > 1 {
				tracked, tv = p, v
				break
			}
		}
		if tracked != nil {
			break
		}
	}
	if tracked == nil {
		t.Fatalf("demo content: %s needs a product with several variants, one tracked", jaStore)
	}
	other := pickProduct(t, store, func(p *catalog.Product) bool {
		v := firstAvailable(p)
		return p != tracked && v != nil && buyable(v, 1)
	})

	visit(t, page, base)
	check(t, expect.Locator(page.Locator("html")).ToHaveAttribute("lang", store.Locale), "the page's language")
	expectNoEnglish(t, page, words, "home")

	visit(t, page, base+"collections/all/")
	check(t, expect.Locator(page.Locator("[data-testid=collection-count]")).ToHaveText(ja.N("collection.count", len(publishedProducts(store)))), "product count in Japanese")
	expectNoEnglish(t, page, words, "collection")
	if n, _ := page.Locator("a[rel=next]").Count(); n > 0 {
		visit(t, page, base+"collections/all/page/2/")
		expectNoEnglish(t, page, words, "collection page 2")
	}

	// Two products: the second's recently viewed island lists the first.
	visit(t, page, productPath(jaStore, other.Handle))
	visit(t, page, productPath(jaStore, tracked.Handle))
	check(t, expect.Locator(page.Locator("#recently-viewed [data-testid=product-card]")).Not().ToHaveCount(0), "recently viewed lists the first product")
	check(t, expect.Locator(page.Locator("[data-testid=cart-badge]")).ToContainText(ja.T("cart.link")), "the cart badge in Japanese")
	check(t, expect.Locator(page.Locator("[data-testid=wishlist-toggle]")).ToHaveText(ja.T("wishlist.save")), "the wishlist button in Japanese")
	expectNoEnglish(t, page, words, "product")

	// Save to the wishlist: the button says so.
	check(t, page.Locator("[data-testid=wishlist-toggle]").Click(), "save to wishlist")
	check(t, expect.Locator(page.Locator("[data-testid=wishlist-toggle]")).ToHaveAttribute("aria-pressed", "true"), "saved")
	// More than the stock of a tracked variant: refused, in Japanese.
	_, err := page.Locator("[data-testid=variant-picker]").SelectOption(playwright.SelectOptionValues{Values: &[]string{tv.ID}})
	check(t, err, "pick the tracked variant")
	check(t, page.Locator("form.buy input[name=quantity]").Fill(strconv.Itoa(tv.Inventory+1)), "type a quantity beyond the stock")
	check(t, page.Locator("[data-testid=add-to-cart]").Click(), "add to cart")
	msg := page.Locator("#buy-status [data-testid=buy-status-message]")
	check(t, expect.Locator(msg).ToHaveClass(regexp.MustCompile(`\berror\b`)), "a refused add")
	expectNoEnglish(t, page, words, "product after a refused add")
	// Then one: added, and the badge counts it.
	check(t, page.Locator("form.buy input[name=quantity]").Fill("1"), "type 1")
	check(t, page.Locator("[data-testid=add-to-cart]").Click(), "add to cart")
	check(t, expect.Locator(msg).Not().ToHaveClass(regexp.MustCompile(`\berror\b`)), "added")
	check(t, expect.Locator(page.Locator("[data-testid=cart-badge] [data-testid=cart-count]")).ToHaveText("1"), "the badge counts the item")
	expectNoEnglish(t, page, words, "product after adding to the cart")

	visit(t, page, base+"cart/")
	check(t, expect.Locator(page.Locator("[data-testid=cart-line]")).ToHaveCount(1), "the cart's line")
	expectNoEnglish(t, page, words, "cart")

	visit(t, page, base+"wishlist/")
	check(t, expect.Locator(page.Locator("#wishlist [data-testid=product-card]")).ToHaveCount(1), "the saved product")
	expectNoEnglish(t, page, words, "wishlist")

	visit(t, page, base+"account/")
	check(t, expect.Locator(page.Locator("[data-testid=preferences]")).ToBeVisible(), "the preferences form")
	expectNoEnglish(t, page, words, "account")

	// Search: results (their count line), then nothing found (the popular
	// products and a suggestion from the catalog's words).
	visit(t, page, base+"search/?q="+url.QueryEscape(other.Title))
	check(t, expect.Locator(page.Locator("[data-testid=search-result]")).Not().ToHaveCount(0), "search results")
	check(t, expect.Locator(page.Locator("#search-status")).Not().ToBeEmpty(), "the count line")
	expectNoEnglish(t, page, words, "search with results")
	visit(t, page, base+"search/?q=sxnxha")
	check(t, expect.Locator(page.Locator("[data-testid=search-popular]")).ToBeVisible(), "popular products when nothing is found")
	check(t, expect.Locator(page.Locator("#search-status")).ToHaveText(ja.N("search.found", 0)), "nothing found, in Japanese")
	check(t, expect.Locator(page.Locator("[data-testid=did-you-mean]")).ToBeVisible(), "did you mean")
	expectNoEnglish(t, page, words, "search without results")

	resp, err := page.Goto(missing)
	check(t, err, "open a missing page")
	if resp == nil || resp.Status() != 404 {
		t.Fatalf("missing page: %v, want a 404", resp)
	}
	check(t, expect.Locator(page.Locator("h1")).ToHaveText(ja.T("notfound.title")), "the 404 in Japanese")
	islandsLoaded(t, page)
	expectNoEnglish(t, page, words, "404")
}
