package e2e

import (
	"encoding/json"
	"fmt"
	"regexp"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/internal/testkit"
)

// productUnderTest is a product of the demo store with several variants,
// some sold out.
const productUnderTest = "elder-wand"

func TestProductPage(t *testing.T) {
	store := testkit.DemoStore(t, demoStore)
	p := store.Product(productUnderTest)
	if p == nil {
		t.Fatalf("demo content: store %s has no product %s", demoStore, productUnderTest)
	}
	first := firstAvailable(p)
	if first == nil {
		t.Fatalf("demo content: %s has no available variant, so the page has no price to check", p.Handle)
	}

	page := newPage(t)
	open(t, page, productPath(demoStore, p.Handle))

	check(t, expect.Page(page).ToHaveTitle(regexp.MustCompile(regexp.QuoteMeta(p.Title))),
		fmt.Sprintf("document title should contain %q", p.Title))
	check(t, expect.Locator(page.Locator("h1[data-testid=product-title]")).ToHaveText(p.Title),
		"h1[data-testid=product-title]")

	price := first.Price.Format(store.Locale)
	check(t, expect.Locator(page.Locator("[data-testid=product-price]")).ToContainText(price),
		fmt.Sprintf("[data-testid=product-price] should show %s, the price of %q", price, first.Title))

	picker := page.Locator("[data-testid=variant-picker]")
	check(t, expect.Locator(picker).ToBeVisible(), "[data-testid=variant-picker]")
	tag, err := picker.Evaluate("el => el.tagName.toLowerCase()", nil)
	check(t, err, "variant picker tag")
	if tag != "select" {
		t.Fatalf("[data-testid=variant-picker] is a <%v>, want a <select>", tag)
	}
	options := picker.Locator("option")
	check(t, expect.Locator(options).ToHaveCount(len(p.Variants)),
		fmt.Sprintf("variant picker should have one <option> for each of the %d variants", len(p.Variants)))
	for i, v := range p.Variants {
		o := options.Nth(i)
		check(t, expect.Locator(o).ToContainText(v.Title), fmt.Sprintf("option %d", i))
		if v.Available {
			check(t, expect.Locator(o).ToBeEnabled(), fmt.Sprintf("option %q (available) should be enabled", v.Title))
		} else {
			check(t, expect.Locator(o).ToBeDisabled(), fmt.Sprintf("option %q (sold out) should be disabled", v.Title))
		}
	}

	screenshot(t, page, "product.png")
}

// TestProductPageMobile checks the product page on a phone: laid out at the
// device's width (a viewport meta tag) and nothing wider than the screen.
func TestProductPageMobile(t *testing.T) {
	const width, height = 390, 844
	page := newPage(t, playwright.BrowserNewContextOptions{
		Viewport:          &playwright.Size{Width: width, Height: height},
		IsMobile:          playwright.Bool(true),
		HasTouch:          playwright.Bool(true),
		DeviceScaleFactor: playwright.Float(2),
	})
	open(t, page, productPath(demoStore, productUnderTest))
	check(t, expect.Locator(page.Locator("h1[data-testid=product-title]")).ToBeVisible(), "product title")

	got, err := page.Evaluate(`() => {
		const root = document.documentElement;
		const wide = [...document.querySelectorAll("body *")]
			.filter((el) => el.getBoundingClientRect().right > root.clientWidth + 0.5)
			.slice(0, 5)
			.map((el) => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).trim().split(/\s+/).join(".") : ""));
		return JSON.stringify({scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide});
	}`)
	check(t, err, "measure the page")
	var m struct {
		ScrollWidth int      `json:"scrollWidth"`
		ClientWidth int      `json:"clientWidth"`
		Wide        []string `json:"wide"`
	}
	if err := json.Unmarshal([]byte(fmt.Sprint(got)), &m); err != nil {
		t.Fatalf("measure the page: %v", err)
	}
	if m.ClientWidth != width {
		t.Errorf("page is laid out %dpx wide on a %dpx phone; is <meta name=viewport content=\"width=device-width, initial-scale=1\"> missing?",
			m.ClientWidth, width)
	}
	if m.ScrollWidth > m.ClientWidth {
		t.Errorf("page scrolls sideways on a %dpx phone: scrollWidth %d > clientWidth %d; too wide: %v",
			width, m.ScrollWidth, m.ClientWidth, m.Wide)
	}

	screenshot(t, page, "product-mobile.png")
}

func firstAvailable(p *catalog.Product) *catalog.Variant {
	for i := range p.Variants {
		if p.Variants[i].Available {
			return &p.Variants[i]
		}
	}
	return nil
}

// TestVariantPickerFollowsTheChoice is the red team's "the picker lies":
// choosing a variant shows its own price, compare-at price and sale badge
// (or none), its stock, its image, and puts it in the URL; a shared link
// with ?variant= opens that variant, the canonical link unchanged.
func TestVariantPickerFollowsTheChoice(t *testing.T) {
	store := testkit.DemoStore(t, demoStore)
	p := store.Product(productUnderTest)
	def := p.DefaultVariant()
	// A variant unlike the default: another price, not on sale, its own image.
	var other *catalog.Variant
	for i := range p.Variants {
		v := &p.Variants[i]
		if v.Available && v.ID != def.ID && v.Price != def.Price && !v.OnSale() && v.Image > 0 && def.OnSale() {
			other = v
			break
		}
	}
	if other == nil {
		t.Fatalf("demo content: %s needs an on-sale default and an available variant with another price, no sale and its own image", p.Handle)
	}
	expectShows := func(page playwright.Page, v *catalog.Variant, what string) {
		t.Helper()
		check(t, expect.Locator(page.Locator("[data-testid=price]")).ToHaveText(v.Price.Format(store.Locale)), what+": price")
		if v.OnSale() {
			check(t, expect.Locator(page.Locator("[data-testid=compare-at-price]")).ToHaveText(v.CompareAt.Format(store.Locale)), what+": compare-at")
			check(t, expect.Locator(page.Locator("[data-testid=sale-badge]")).ToBeVisible(), what+": sale badge")
		} else {
			check(t, expect.Locator(page.Locator("[data-testid=compare-at]")).ToBeHidden(), what+": no compare-at")
			check(t, expect.Locator(page.Locator("[data-testid=sale-badge]")).ToBeHidden(), what+": no sale badge")
		}
		stock := "In stock"
		if v.Tracked && v.Inventory <= 5 {
			stock = fmt.Sprintf("only %d left", v.Inventory)
		}
		check(t, expect.Locator(page.Locator("[data-testid=availability]")).ToContainText(stock), what+": availability")
		if v.Image >= 0 {
			current := page.Locator(fmt.Sprintf("[data-testid=gallery-image]:nth-child(%d)", v.Image+1))
			check(t, expect.Locator(current).ToHaveAttribute("aria-current", "true"), what+": its image is the current one")
			check(t, expect.Locator(current).ToBeInViewport(), what+": its image is in view")
		}
	}

	page := newPage(t)
	open(t, page, productPath(demoStore, p.Handle))
	expectShows(page, def, "the default variant")
	_, err := page.Locator("[data-testid=variant-picker]").SelectOption(playwright.SelectOptionValues{Values: &[]string{other.ID}})
	check(t, err, "choose "+other.Title)
	expectShows(page, other, other.Title)
	check(t, expect.Page(page).ToHaveURL(regexp.MustCompile(`\?variant=`+regexp.QuoteMeta(other.ID)+`$`)), "the URL carries the variant")

	// The shared link.
	shared := newPage(t)
	open(t, shared, productPath(demoStore, p.Handle)+"?variant="+other.ID)
	check(t, expect.Locator(shared.Locator("[data-testid=variant-picker]")).ToHaveValue(other.ID), "the shared link's variant is chosen")
	expectShows(shared, other, "the shared link")
	canonical, err := shared.Locator("link[rel=canonical]").GetAttribute("href")
	check(t, err, "canonical")
	if regexp.MustCompile(`variant=`).MatchString(canonical) {
		t.Errorf("canonical %s carries the variant", canonical)
	}

	// Thumbnails lead to their image.
	thumbs := page.Locator("[data-testid=thumbnail]")
	check(t, expect.Locator(thumbs).ToHaveCount(len(p.Images)), "one thumbnail per image")
}
