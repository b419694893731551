package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/internal/testkit"
)

// adminToken opens the demo's dashboard.
const adminToken = "e2e-admin-token-0123456789"

// An operator on a phone signs in to /admin/ and reads the last hour:
// the page is 401 with a login form first, then the dashboard with its
// plots, no wider than the phone, with no console error (its SVG plots
// carry no inline style the CSP would refuse).
func TestAdminDashboardOnAPhone(t *testing.T) {
	// Traffic first, so the plots have something in them.
	store := testkit.DemoStore(t, demoStore)
	p := pickProduct(t, store, func(p *catalog.Product) bool { return len(p.Variants) == 1 && buyable(&p.Variants[0], 1) })
	shopper := newPage(t)
	visit(t, shopper, productPath(demoStore, p.Handle))
	addToCart(t, shopper, p, firstAvailable(p), 1)

	page := newPageWith(t, pageConfig{
		context: playwright.BrowserNewContextOptions{
			Viewport: &playwright.Size{Width: 390, Height: 844}, IsMobile: playwright.Bool(true), HasTouch: playwright.Bool(true),
		},
		expectError: func(status int, rawURL string) bool {
			return status == http.StatusUnauthorized && strings.HasSuffix(rawURL, "/admin/")
		},
	})
	resp, err := page.Goto("/admin/")
	check(t, err, "open /admin/")
	if resp.Status() != http.StatusUnauthorized {
		t.Fatalf("/admin/ without signing in: %d, want 401", resp.Status())
	}
	if n, _ := page.Locator("svg").Count(); n != 0 {
		t.Fatalf("the sign-in page shows %d plots", n)
	}
	check(t, page.Locator("#token").Fill(adminToken), "type the token")
	check(t, page.Locator("button[type=submit]").Click(), "sign in")
	check(t, page.Locator("h2#glance-h").WaitFor(), "the dashboard")
	if n, _ := page.Locator("figure.chart svg[role=img]").Count(); n < 8 {
		t.Errorf("%d plots, want at least 8", n)
	}
	req := page.Locator(".tile", playwright.PageLocatorOptions{HasText: "Requests"}).Locator(".value").First()
	txt, err := req.TextContent()
	check(t, err, "requests tile")
	if txt == "0" || txt == "" {
		t.Errorf("requests tile %q after a shopper's visit", txt)
	}
	if route, _ := page.Locator(`th[scope=row]`, playwright.PageLocatorOptions{HasText: "cart/add"}).Count(); route == 0 {
		t.Error("the routes table has no cart/add row after an add to cart")
	}
	wide, err := page.Evaluate(`document.documentElement.scrollWidth`)
	check(t, err, "page width")
	if w, ok := wide.(int); !ok || w > 390 {
		t.Errorf("the page is %v px wide on a 390 px phone", wide)
	}
	screenshot(t, page, "admin-phone.png")

	check(t, page.SetViewportSize(1280, 900), "desktop")
	_, err = page.Locator("#range").SelectOption(playwright.SelectOptionValues{Values: &[]string{"day"}})
	check(t, err, "pick the day")
	check(t, page.Locator("form.pick button[type=submit]").Click(), "show")
	check(t, page.Locator("h2#plots-h", playwright.PageLocatorOptions{HasText: "last day"}).WaitFor(), "the day's view")
	screenshot(t, page, "admin-desktop.png")
}
